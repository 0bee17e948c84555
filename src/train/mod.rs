//! Training as fastai does it for chapter 12: its Adam, the one-cycle schedule, the losses, and a
//! `Trainer` that advances one batch at a time so the CLI, the browser worker and the JS API share
//! it; `inference` uses a model without training it, `checkpoint` is a run's state as bytes.

pub mod checkpoint;
pub mod dispatches;
pub mod inference;
pub mod loss;
pub mod metrics;
pub mod optim;
pub mod schedule;
pub mod trainer;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use dispatches::DispatchTally;
pub use metrics::{EpochRecord, History, StepRecord};
pub use trainer::{Phase, Progress, TrainError, Trainer};
