//! Backend plumbing the chapter's models stand on: hand-written CPU kernels on plain f32 slices
//! for what burn's composed tensor operations do slowly there (the LSTM recurrence), each joined
//! to autodiff as one operation. `model/` calls them without knowing how they are wired.

pub mod activation;
pub mod lstm;
pub mod lstm_autodiff;
#[cfg(feature = "wgpu")]
pub mod lstm_gpu;
mod matmul;
mod parallel;
