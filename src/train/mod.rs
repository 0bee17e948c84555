//! Training as fastai does it for chapter 12: its Adam, the one-cycle schedule, and a `Trainer`
//! that advances one batch at a time so the CLI, the browser worker and the JS API share it.

pub mod metrics;
pub mod optim;
pub mod schedule;
pub mod trainer;

pub use metrics::{EpochRecord, History, StepRecord};
pub use trainer::{Checkpoint, Phase, Progress, TrainError, Trainer};
