//! Sigmoid and tanh over slices, written so that the compiler vectorises them (SSE/AVX natively,
//! simd128 in wasm): libm's scalar `expf` and `tanhf` were a quarter of all instructions in a
//! profile of LSTM training (BENCHMARKS.md).

/// 1.5 * 2^23: adding it rounds an f32 of magnitude below 2^22 to an integer, kept in the low
/// mantissa bits.
const ROUNDER: f32 = 12_582_912.0;
const LOG2_E: f32 = std::f32::consts::LOG2_E;
// ln 2 split in two, so that n * LN2_HI is exact for the n that occur.
const LN2_HI: f32 = 0.693_145_75;
const LN2_LO: f32 = 1.428_606_8e-6;

/// e^x to within 2e-7 relative for x in [-87, 88] (clamped outside it), without branches: x = n ln2
/// + r with |r| <= ln2 / 2, e^r by its Taylor series to r^7, 2^n built in the exponent bits.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * LOG2_E + ROUNDER;
    let n = shifted - ROUNDER;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r / 5040.0))))));
    // The low bits of `shifted` hold n + 2^22 + 2^23 (as an integer); move n + 127 into the
    // exponent field.
    let n_bits = shifted.to_bits().wrapping_sub(ROUNDER.to_bits());
    let scale = f32::from_bits(n_bits.wrapping_add(127) << 23);
    p * scale
}

/// 1 / (1 + e^-x).
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// tanh x = 1 - 2 / (1 + e^2x); within 2e-7 of the true value (absolute).
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (1.0 + exp(2.0 * x))
}

/// Applies `sigmoid` to every element.
pub fn sigmoid_in_place(values: &mut [f32]) {
    for v in values {
        *v = sigmoid(*v);
    }
}

/// Applies `tanh` to every element.
pub fn tanh_in_place(values: &mut [f32]) {
    for v in values {
        *v = tanh(*v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every 1/64 from -100 to 100, plus the values around the clamps.
    fn grid() -> impl Iterator<Item = f32> {
        (-6400..=6400).map(|i| i as f32 / 64.0).chain([
            -87.5, -87.0, -86.9, 0.0, -0.0, 1e-8, -1e-8, 87.9, 88.0, 88.5,
        ])
    }

    #[test]
    fn exp_is_within_two_ten_millionths_of_libm() {
        for x in grid().filter(|x| (-87.0..=88.0).contains(x)) {
            let want = (x as f64).exp();
            let got = exp(x) as f64;
            assert!(
                ((got - want) / want).abs() < 2e-7,
                "exp({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn exp_clamps_instead_of_overflowing() {
        assert!(exp(1000.0).is_finite() && exp(1000.0) > 1e38);
        assert!(exp(-1000.0) >= 0.0 && exp(-1000.0) < 1e-37);
    }

    #[test]
    fn sigmoid_and_tanh_match_libm_everywhere() {
        for x in grid() {
            let s = 1.0 / (1.0 + (-(x as f64)).exp());
            assert!((sigmoid(x) as f64 - s).abs() < 2e-7, "sigmoid({x})");
            assert!(
                (tanh(x) as f64 - (x as f64).tanh()).abs() < 2.5e-7,
                "tanh({x})"
            );
        }
        assert!((0.0..1e-37).contains(&sigmoid(-1000.0)));
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(tanh(1000.0), 1.0);
        assert_eq!(tanh(-1000.0), -1.0);
    }
}
