//! The command line as a user meets it: dataset facts, the jsonl table, and bad arguments.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

use rnn_playground::config::SETTINGS;
use rnn_playground::config::schema::another_value;
use rnn_playground::config::setting::Range;
use rnn_playground::{Preset, RunConfig};

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rnn-playground"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn data_prints_the_books_facts() {
    let out = cli(&["data", "--format", "json"]);
    assert!(out.status.success());
    let facts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(facts["tokens"], 63095);
    assert_eq!(facts["vocab_size"], 30);
    assert_eq!(facts["three_token_sequences"], 21031);
    assert_eq!(facts["sequences"], 3943);
    assert_eq!(facts["train_batches"], 49);
    assert_eq!(facts["valid_batches"], 12);
    assert!((facts["baseline_accuracy"].as_f64().unwrap() - 0.1517).abs() < 1e-4);
}

#[test]
fn jsonl_prints_one_object_per_epoch_and_a_summary() {
    let out = cli(&[
        "train", "--model", "m7", "--epochs", "2", "--hidden", "16", "--format", "jsonl",
        "--no-tie",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for (i, epoch) in lines[..2].iter().enumerate() {
        assert_eq!(epoch["epoch"], i);
        for key in ["train_loss", "valid_loss", "accuracy", "seconds"] {
            assert!(epoch[key].is_number(), "{key} in {epoch}");
        }
    }
    let summary = &lines[2];
    assert_eq!(summary["summary"], true);
    assert_eq!(summary["config"]["tie"], false);
    assert_eq!(summary["config"]["hidden"], 16);
    assert_eq!(summary["accuracy"], lines[1]["accuracy"]);
}

#[test]
fn bad_arguments_exit_2_with_the_setting_named() {
    for (args, field) in [
        (vec!["train", "--hidden", "0"], "hidden"),
        (vec!["train", "--dropout", "1.5"], "dropout"),
        (vec!["train", "--model", "m9"], "model"),
        (vec!["train", "--lr", "fast"], "lr"),
        (vec!["train", "--cell", "transformer"], "cell"),
        (vec!["train", "--bptt", "100000"], "bptt"),
    ] {
        let out = cli(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(field) && stderr.contains("allowed"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(cli(&["train", "--no-such-flag"]).status.code(), Some(2));
}

#[test]
fn every_setting_is_a_flag_that_reaches_the_run() {
    let help = String::from_utf8(cli(&["train", "--help"]).stdout).unwrap();
    let base = RunConfig::preset(Preset::M7);
    for s in &SETTINGS {
        let flag = format!("--{}", s.key.replace('_', "-"));
        let off = format!("--no-{}", s.key.replace('_', "-"));
        assert!(
            help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
            "--help lacks {flag}:\n{help}"
        );
        let value = another_value(s, &base).unwrap();
        let args: Vec<&str> = match s.range {
            Range::Toggle => {
                assert!(help.contains(&off), "--help lacks {off}");
                vec![if value == "1" { &flag } else { &off }]
            }
            _ => vec![&flag, &value],
        };
        let out = cli(&[&["train", "--dry-run"], args.as_slice()].concat());
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let config: RunConfig = serde_json::from_slice(&out.stdout).unwrap();
        let mut expected = base.clone();
        expected.set(s.key, &value).unwrap();
        assert_eq!(config, expected, "{args:?}");
    }
    // The older long names still work.
    let out = cli(&[
        "train",
        "--dry-run",
        "--batch-size",
        "32",
        "--last-token",
        "--embed-dropout",
        "0.1",
    ]);
    let config: RunConfig = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (config.batch_size, config.every_token, config.embed_dropout),
        (32, false, 0.1)
    );
}
