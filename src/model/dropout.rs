//! Inverted dropout, the kind the book's m7 uses: keep each unit with probability 1 - p and scale
//! kept units by 1 / (1 - p), so nothing changes in eval mode, where no mask is drawn at all.
//! Masks are drawn on the host from the run's seeded generator: the same seed drops the same
//! units on every backend.

use crate::rng::RunRng;
use burn::tensor::{Device, Tensor, TensorData};
use rand::Rng;

/// A dropout mask of `shape` (0 or 1/(1-p) per element), or `None` when p is 0.
pub fn dropout_mask<const D: usize>(
    p: f64,
    shape: [usize; D],
    rng: &mut RunRng,
    device: &Device,
) -> Option<Tensor<D>> {
    if p <= 0.0 {
        return None;
    }
    let scale = (1.0 / (1.0 - p)) as f32;
    let n = shape.iter().product();
    let values: Vec<f32> = (0..n)
        .map(|_| if rng.random::<f64>() < p { 0.0 } else { scale })
        .collect();
    Some(Tensor::from_data(TensorData::new(values, shape), device))
}

/// Applies a mask when there is one (training), and is the identity otherwise (eval).
pub fn apply<const D: usize>(x: Tensor<D>, mask: Option<&Tensor<D>>) -> Tensor<D> {
    match mask {
        Some(mask) => x * mask.clone(),
        None => x,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_about_one_minus_p_and_scales_up() {
        let device = crate::backend::cpu_device();
        let mut rng = RunRng::new(1);
        let mask = dropout_mask(0.4, [100, 100], &mut rng, &device).unwrap();
        let values = mask.into_data().try_to_vec::<f32>().unwrap();
        let kept = values.iter().filter(|v| **v > 0.0).count() as f64 / values.len() as f64;
        assert!((kept - 0.6).abs() < 0.02, "kept {kept}");
        assert!(
            values
                .iter()
                .all(|v| *v == 0.0 || (*v - 1.0 / 0.6).abs() < 1e-6)
        );
        // The expected value of a masked unit is the unit: mean of the mask is about 1.
        let mean: f64 = values.iter().map(|v| *v as f64).sum::<f64>() / values.len() as f64;
        assert!((mean - 1.0).abs() < 0.03, "mean {mean}");
    }

    #[test]
    fn no_mask_without_dropout() {
        let device = crate::backend::cpu_device();
        let mut rng = RunRng::new(1);
        assert!(dropout_mask(0.0, [4, 4], &mut rng, &device).is_none());
    }
}
