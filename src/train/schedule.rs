//! fastai's `fit_one_cycle`: over all training batches of all epochs, the learning rate rises by
//! cosine from lr/25 to lr in the first 25%, then falls by cosine to lr/1e5; beta1 (momentum) does
//! the mirror image, high -> low -> high.

use std::f64::consts::PI;

const PCT_START: f64 = 0.25;
const DIV: f64 = 25.0;
const DIV_FINAL: f64 = 1e5;

/// Cosine from `start` to `end` as `pos` goes from 0 to 1 (fastai's SchedCos).
pub fn cos_anneal(start: f64, end: f64, pos: f64) -> f64 {
    start + (1.0 + (PI * (1.0 - pos)).cos()) * (end - start) / 2.0
}

/// Learning rate and beta1 at `pos` = batches done / all training batches, in [0, 1).
pub fn one_cycle(pos: f64, lr_max: f64, mom_high: f64, mom_low: f64) -> (f64, f64) {
    if pos < PCT_START {
        let p = pos / PCT_START;
        (
            cos_anneal(lr_max / DIV, lr_max, p),
            cos_anneal(mom_high, mom_low, p),
        )
    } else {
        let p = (pos - PCT_START) / (1.0 - PCT_START);
        (
            cos_anneal(lr_max, lr_max / DIV_FINAL, p),
            cos_anneal(mom_low, mom_high, p),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }

    #[test]
    fn schedule_follows_fastais_formulas() {
        let (lr, mom) = one_cycle(0.0, 1e-2, 0.95, 0.85);
        close(lr, 1e-2 / 25.0);
        close(mom, 0.95);
        let (lr, mom) = one_cycle(0.25, 1e-2, 0.95, 0.85);
        close(lr, 1e-2);
        close(mom, 0.85);
        // Halfway up the warm-up: the cosine's midpoint.
        let (lr, mom) = one_cycle(0.125, 1e-2, 0.95, 0.85);
        close(lr, (1e-2 / 25.0 + 1e-2) / 2.0);
        close(mom, 0.90);
        // Halfway down.
        let (lr, _) = one_cycle(0.625, 1e-2, 0.95, 0.85);
        close(lr, (1e-2 + 1e-7) / 2.0);
        // The end approaches lr / 1e5 and the high momentum.
        let (lr, mom) = one_cycle(1.0, 1e-2, 0.8, 0.7);
        close(lr, 1e-7);
        close(mom, 0.8);
    }

    #[test]
    fn schedule_rises_then_falls() {
        let lrs: Vec<f64> = (0..100)
            .map(|i| one_cycle(i as f64 / 100.0, 3e-3, 0.95, 0.85).0)
            .collect();
        let peak = lrs
            .iter()
            .cloned()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap()
            .0;
        assert_eq!(peak, 25);
        assert!(lrs[..25].windows(2).all(|w| w[0] < w[1]));
        assert!(lrs[25..].windows(2).all(|w| w[0] > w[1]));
    }
}
