//! rnn-playground: the language models of fastbook chapter 12 ("A Language Model from Scratch"),
//! trained on human numbers with burn, natively or in the browser.

pub mod backend;
pub mod book;
pub mod config;
pub mod data;
pub mod kernels;
pub mod model;
pub mod rng;
pub mod train;

pub use config::{BackendChoice, CellKind, ConfigError, Preset, RunConfig};
pub use train::{EpochRecord, Trainer};

#[cfg(target_arch = "wasm32")]
pub mod web;
