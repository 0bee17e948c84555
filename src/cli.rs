//! The native CLI: prints the book's per-epoch table for any model, on the CPU or a GPU.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use rnn_playground::backend::{describe, native_device};
use rnn_playground::book::book_accuracy;
use rnn_playground::data::{Corpus, dataset_facts};
use rnn_playground::{EpochRecord, RunConfig, Trainer};
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "rnn-playground",
    version,
    about = "Train the language models of fastbook chapter 12 on human numbers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model and print the book-style table, one row per epoch.
    Train(TrainArgs),
    /// Print the dataset's facts: tokens, vocabulary, sequences, batches, baseline.
    Data {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Sequence length for the sequence stage.
        #[arg(long, default_value_t = 16)]
        bptt: usize,
        #[arg(long, default_value_t = 64)]
        batch_size: usize,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Table,
    Json,
    Jsonl,
}

#[derive(Args)]
struct TrainArgs {
    /// Model preset m1..m7: the book's LMModel1..7 with its recipe.
    #[arg(long, default_value = "m7")]
    model: String,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// cpu (the default CPU backend), ndarray, flex, wgpu, or auto (wgpu if it starts).
    #[arg(long)]
    backend: Option<String>,
    #[arg(long)]
    epochs: Option<String>,
    /// Peak learning rate of the one-cycle schedule.
    #[arg(long)]
    lr: Option<String>,
    /// Weight decay (decoupled; Linear biases exempt).
    #[arg(long)]
    wd: Option<String>,
    #[arg(long)]
    hidden: Option<String>,
    #[arg(long)]
    layers: Option<String>,
    /// simple (the book's m1-m4 cell), rnn, lstm or gru.
    #[arg(long)]
    cell: Option<String>,
    /// Dropout on the last layer's output.
    #[arg(long)]
    dropout: Option<String>,
    /// Activation regularization alpha.
    #[arg(long)]
    ar: Option<String>,
    /// Temporal activation regularization beta.
    #[arg(long)]
    tar: Option<String>,
    /// Tie the output weight to the embedding.
    #[arg(long, overrides_with = "no_tie")]
    tie: bool,
    #[arg(long, overrides_with = "tie")]
    no_tie: bool,
    /// Sequence length (BPTT length).
    #[arg(long)]
    bptt: Option<String>,
    #[arg(long)]
    batch_size: Option<String>,
    #[arg(long)]
    seed: Option<String>,
    /// Embedding dropout (whole rows).
    #[arg(long)]
    embed_dropout: Option<String>,
    /// Weight dropout (DropConnect) on hidden-to-hidden weights.
    #[arg(long)]
    weight_dropout: Option<String>,
    /// Clip the global gradient norm (0 = off).
    #[arg(long)]
    clip: Option<String>,
    /// Keep the hidden state across batches, or not.
    #[arg(long, overrides_with = "no_stateful")]
    stateful: bool,
    #[arg(long, overrides_with = "stateful")]
    no_stateful: bool,
    /// Predict after every token, or only after the last.
    #[arg(long, overrides_with = "last_token")]
    every_token: bool,
    #[arg(long, overrides_with = "every_token")]
    last_token: bool,
    /// Reset the hidden state each epoch and before validation (ModelResetter), or not.
    #[arg(long, overrides_with = "no_reset")]
    reset: bool,
    #[arg(long, overrides_with = "reset")]
    no_reset: bool,
    /// Shuffle the training sequences each epoch.
    #[arg(long, overrides_with = "no_shuffle")]
    shuffle: bool,
    #[arg(long, overrides_with = "shuffle")]
    no_shuffle: bool,
}

impl TrainArgs {
    /// The settings given on the command line, in `RunConfig::set`'s key form.
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("model", self.model.clone())];
        let values = [
            ("backend", &self.backend),
            ("epochs", &self.epochs),
            ("lr", &self.lr),
            ("wd", &self.wd),
            ("hidden", &self.hidden),
            ("layers", &self.layers),
            ("cell", &self.cell),
            ("dropout", &self.dropout),
            ("ar", &self.ar),
            ("tar", &self.tar),
            ("bptt", &self.bptt),
            ("bs", &self.batch_size),
            ("seed", &self.seed),
            ("edrop", &self.embed_dropout),
            ("wdrop", &self.weight_dropout),
            ("clip", &self.clip),
        ];
        pairs.extend(
            values
                .into_iter()
                .filter_map(|(k, v)| v.clone().map(|v| (k, v))),
        );
        let switches = [
            ("tie", self.tie, self.no_tie),
            ("stateful", self.stateful, self.no_stateful),
            ("every", self.every_token, self.last_token),
            ("reset", self.reset, self.no_reset),
            ("shuffle", self.shuffle, self.no_shuffle),
        ];
        for (key, on, off) in switches {
            if on || off {
                pairs.push((key, if on { "1" } else { "0" }.to_string()));
            }
        }
        pairs
    }
}

pub fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Data {
            format,
            bptt,
            batch_size,
        } => data(format, bptt, batch_size),
        Command::Train(args) => train(args),
    }
}

fn data(format: Format, bptt: usize, batch_size: usize) -> ExitCode {
    let mut probe = RunConfig::preset(rnn_playground::Preset::M4);
    let checked = probe
        .set("bptt", &bptt.to_string())
        .and_then(|_| probe.set("bs", &batch_size.to_string()))
        .and_then(|_| probe.validate());
    if let Err(e) = checked {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let facts = dataset_facts(&Corpus::human_numbers(), bptt, batch_size);
    match format {
        Format::Json | Format::Jsonl => println!(
            "{}",
            serde_json::to_string_pretty(&facts).expect("facts serialize")
        ),
        Format::Table => {
            println!("tokens                  {}", facts.tokens);
            println!(
                "vocabulary              {} ({})",
                facts.vocab_size,
                facts.vocab.join(" ")
            );
            println!(
                "three-token sequences   {} ({} train, {} valid)",
                facts.three_token_sequences, facts.three_token_train, facts.three_token_valid
            );
            println!(
                "sequences at bptt {:<5} {} ({} train, {} valid)",
                facts.bptt, facts.sequences, facts.train_sequences, facts.valid_sequences
            );
            println!(
                "batches of {:<12} {} train, {} valid",
                facts.batch_size, facts.train_batches, facts.valid_batches
            );
            println!(
                "baseline accuracy       {:.5} (always \"thousand\")",
                facts.baseline_accuracy
            );
        }
    }
    ExitCode::SUCCESS
}

fn train(args: TrainArgs) -> ExitCode {
    let format = args.format;
    let pairs = args.pairs();
    let config = match RunConfig::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (device, backend, note) = match native_device(config.backend) {
        Ok(found) => found,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    if let Some(note) = note {
        eprintln!("note: {note}");
    }
    let preset = config.model;
    let mut trainer = Trainer::new(config, device).expect("validated above");
    let started = web_time::Instant::now();
    if format == Format::Table {
        let differs = trainer.config().differences_from_book();
        eprintln!(
            "{} ({}), {} parameters, on {}{}",
            preset.name(),
            preset.description(),
            trainer.param_count(),
            describe(backend),
            if differs.is_empty() {
                String::new()
            } else {
                format!("; differs from the book in: {}", differs.join(", "))
            }
        );
        println!(
            "{:<6} {:>11} {:>11} {:>9} {:>8}",
            "epoch", "train_loss", "valid_loss", "accuracy", "time"
        );
    }
    let mut last: Option<EpochRecord> = None;
    while !trainer.is_done() {
        match trainer.run_epoch() {
            Ok(Some(record)) => {
                print_epoch(format, &record, backend.name());
                last = Some(record);
            }
            Ok(None) => {}
            Err(e) => {
                eprintln!("error: {e}");
                if format == Format::Jsonl {
                    println!(
                        "{}",
                        json!({"summary": true, "model": preset.name(), "error": e.to_string(), "epochs_completed": trainer.history().epochs.len()})
                    );
                }
                return ExitCode::from(1);
            }
        }
    }
    let total = started.elapsed().as_secs_f64();
    let epochs = trainer.history().epochs.len();
    let accuracy = last.as_ref().map_or(f64::NAN, |r| r.accuracy);
    let book = book_accuracy(preset);
    match format {
        Format::Jsonl | Format::Json => println!(
            "{}",
            json!({
                "summary": true, "model": preset.name(), "backend": backend.name(), "epochs": epochs,
                "accuracy": accuracy, "valid_loss": last.as_ref().map(|r| r.valid_loss),
                "book_accuracy": book, "seconds": total, "seconds_per_epoch": total / epochs.max(1) as f64,
                "params": trainer.param_count(), "config": trainer.config(),
            })
        ),
        Format::Table => println!(
            "final accuracy {accuracy:.4} (the book: {book:.3}); {total:.1} s in all, {:.2} s per epoch",
            total / epochs.max(1) as f64
        ),
    }
    ExitCode::SUCCESS
}

fn print_epoch(format: Format, r: &EpochRecord, backend: &str) {
    match format {
        Format::Table => println!(
            "{:<6} {:>11.6} {:>11.6} {:>9.6} {:>8.2}",
            r.epoch, r.train_loss, r.valid_loss, r.accuracy, r.seconds
        ),
        Format::Json | Format::Jsonl => println!(
            "{}",
            json!({"epoch": r.epoch, "train_loss": r.train_loss, "valid_loss": r.valid_loss, "accuracy": r.accuracy, "seconds": r.seconds, "backend": backend})
        ),
    }
}
