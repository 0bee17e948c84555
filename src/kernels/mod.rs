//! Hand-written CPU kernels on plain f32 slices, for the work that burn's composed tensor
//! operations do slowly on the CPU: the LSTM recurrence (`model::fused` joins it to autodiff).

pub mod activation;
pub mod lstm;
mod matmul;
mod parallel;
