//! The native CLI: prints the book's per-epoch table for any model, on the CPU or a GPU.

use std::process::ExitCode;

use clap::{ArgAction, ArgMatches, Args, FromArgMatches, Parser, Subcommand, ValueEnum};
use rnn_playground::backend::{describe, native_device};
use rnn_playground::book::book_accuracy;
use rnn_playground::config::SETTINGS;
use rnn_playground::config::schema::defaults_in_words;
use rnn_playground::config::setting::Range;
use rnn_playground::data::{Corpus, dataset_facts};
use rnn_playground::train::{DispatchTally, TrainError};
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
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Print the run's settings as JSON and stop, without training.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    settings: SettingFlags,
}

/// The run's settings as flags, one per row of the table of settings (`config::SETTINGS`):
/// `--key VALUE` (with `_` as `-`), and `--key`/`--no-key` for a toggle. Values are checked by
/// `RunConfig`, so a bad one gets the same message as in a URL.
struct SettingFlags {
    /// The settings given, in `RunConfig::set`'s key form.
    pairs: Vec<(&'static str, String)>,
}

fn flag(key: &str) -> String {
    key.replace('_', "-")
}

fn off_flag(key: &str) -> String {
    format!("no-{}", flag(key))
}

impl Args for SettingFlags {
    fn augment_args(mut cmd: clap::Command) -> clap::Command {
        for s in &SETTINGS {
            let help = match s.range {
                Range::Toggle => format!("{} [{}]", s.help, defaults_in_words(s)),
                _ => format!(
                    "{} [{}; {}]",
                    s.help,
                    s.range.allowed(),
                    defaults_in_words(s)
                ),
            };
            let long = flag(s.key);
            let arg = clap::Arg::new(s.key)
                .long(long.clone())
                .visible_aliases(s.cli_aliases.iter().copied())
                .help_heading(s.group)
                .help(help);
            cmd = match s.range {
                Range::Toggle => {
                    let off = off_flag(s.key);
                    cmd.arg(arg.action(ArgAction::SetTrue).overrides_with(off.clone()))
                        .arg(
                            clap::Arg::new(off.clone())
                                .long(off)
                                .visible_aliases(s.cli_off_aliases.iter().copied())
                                .help_heading(s.group)
                                .help(format!("Turn --{long} off"))
                                .action(ArgAction::SetTrue)
                                .overrides_with(s.key),
                        )
                }
                _ => cmd.arg(
                    arg.value_name(s.key.to_uppercase())
                        .allow_hyphen_values(true),
                ),
            };
        }
        cmd
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for SettingFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut pairs = Vec::new();
        for s in &SETTINGS {
            if let Range::Toggle = s.range {
                let on = matches.get_flag(s.key);
                if on || matches.get_flag(&off_flag(s.key)) {
                    pairs.push((s.key, if on { "1" } else { "0" }.to_string()));
                }
            } else if let Some(value) = matches.get_one::<String>(s.key) {
                pairs.push((s.key, value.clone()));
            }
        }
        Ok(SettingFlags { pairs })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
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
    // The first step's latency counts from here: device start, model and data included.
    let launched = web_time::Instant::now();
    let format = args.format;
    let pairs = &args.settings.pairs;
    let config = match RunConfig::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.dry_run {
        println!(
            "{}",
            serde_json::to_string_pretty(&config).expect("a config serialises")
        );
        return ExitCode::SUCCESS;
    }
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
    let mut first_step = None;
    while !trainer.is_done() {
        match epoch_counting_dispatches(&mut trainer, launched, &mut first_step) {
            Ok((Some(record), dispatches)) => {
                print_epoch(format, &record, backend.name(), dispatches);
                last = Some(record);
            }
            Ok((None, _)) => {}
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
                "first_step_seconds": first_step,
            })
        ),
        Format::Table => println!(
            "final accuracy {accuracy:.4} (the book: {book:.3}); {total:.1} s in all, {:.2} s per epoch",
            total / epochs.max(1) as f64
        ),
    }
    ExitCode::SUCCESS
}

/// Trains to the end of the current epoch (what `Trainer::run_epoch` does), counting the GPU
/// kernels launched by its training batches: the epoch's record, and the mean launches per
/// training batch on a GPU (`None` on the CPU).
/// The first training batch is read back at once, so that `first_step` (seconds from `started`)
/// holds when it was done, kernel compilation included.
fn epoch_counting_dispatches(
    trainer: &mut Trainer,
    started: web_time::Instant,
    first_step: &mut Option<f64>,
) -> Result<(Option<EpochRecord>, Option<f64>), TrainError> {
    let mut tally = DispatchTally::default();
    while !trainer.is_done() {
        let progress = tally.advance(trainer)?;
        if first_step.is_none() && progress.step > 0 {
            trainer.flush()?;
            *first_step = Some(started.elapsed().as_secs_f64());
        }
        if progress.epoch_finished {
            break;
        }
    }
    trainer.flush()?;
    Ok((trainer.history().epochs.last().cloned(), tally.per_batch()))
}

fn print_epoch(format: Format, r: &EpochRecord, backend: &str, dispatches: Option<f64>) {
    match format {
        Format::Table => println!(
            "{:<6} {:>11.6} {:>11.6} {:>9.6} {:>8.2}{}",
            r.epoch,
            r.train_loss,
            r.valid_loss,
            r.accuracy,
            r.seconds,
            dispatches.map_or(String::new(), |d| format!(
                "  ({d:.0} GPU dispatches per batch)"
            ))
        ),
        Format::Json | Format::Jsonl => {
            let mut line = json!({"epoch": r.epoch, "train_loss": r.train_loss, "valid_loss": r.valid_loss, "accuracy": r.accuracy, "seconds": r.seconds, "backend": backend});
            if let Some(d) = dispatches {
                line["gpu_dispatches_per_batch"] = json!(d);
            }
            println!("{line}");
        }
    }
}
