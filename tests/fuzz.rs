#![cfg(not(target_arch = "wasm32"))]
//! Hostile input, generated: 10,000 config objects (the JS API's and the CLI's path) and 10,000
//! URL query strings (the page's path) with huge, negative, non-finite, unicode, repeated and very
//! long values. Each must be accepted as a valid config or refused with a short message naming
//! the field, never a panic; a sample of the accepted ones builds a trainer within the memory
//! limits; typed text for predictions never crashes.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rnn_playground::backend::cpu_device;
use rnn_playground::config::MAX_ACTIVATION_UNITS;
use rnn_playground::config::settings::keys;
use rnn_playground::data::Corpus;
use rnn_playground::{RunConfig, Trainer};

const CASES: usize = 10_000;
/// Trainers built from accepted configs (each builds the data and a model).
const TRAINERS: usize = 120;

const KEYS_EXTRA: [&str; 9] = [
    "backend",
    "__proto__",
    "constructor",
    "HIDDEN",
    "hidden ",
    "",
    "🦀",
    "model\0",
    "seed[]",
];

fn hostile_text(rng: &mut SmallRng) -> String {
    let pool: [&str; 30] = [
        "",
        " ",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "1e999",
        "-1e999",
        "1e-400",
        "0x10",
        "1_000",
        " 64 ",
        "64abc",
        "٣",
        "６４",
        "🦀",
        "m7",
        "m0",
        "m8",
        "lstm",
        "gru",
        "webgpu",
        "true",
        "false",
        "null",
        "%00",
        "\u{0}",
        "\u{202e}64",
        "-0",
    ];
    match rng.random_range(0..6) {
        0 => pool.choose(rng).unwrap().to_string(),
        1 => rng.random_range(-1e6..1e6f64).to_string(),
        2 => rng.random::<u64>().to_string(),
        3 => format!("-{}", rng.random::<u32>()),
        4 => "9".repeat(rng.random_range(1..400)),
        _ => (0..rng.random_range(0..200))
            .map(|_| char::from_u32(rng.random_range(0..0x3000)).unwrap_or('?'))
            .collect(),
    }
}

/// A plausible value for a field: in range, at its edges, or just past them.
fn plausible(rng: &mut SmallRng) -> String {
    let pool = [
        "0", "1", "2", "3", "4", "8", "16", "64", "128", "129", "256", "512", "513", "0.0", "0.5",
        "0.94", "0.95", "0.99", "1", "100", "100.5", "1e-3", "3e-3", "1e6", "1e7", "10",
    ];
    pool.choose(rng).unwrap().to_string()
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// JSON text of an object with random keys (repeated keys included) and hostile values, or
/// sometimes text that is not a JSON object at all.
fn hostile_json(rng: &mut SmallRng) -> String {
    match rng.random_range(0..20) {
        0 => return hostile_text(rng),
        1 => return "[1, 2, 3]".into(),
        2 => return "{\"hidden\": 64".into(),
        _ => {}
    }
    let pairs = (0..rng.random_range(0..10))
        .map(|_| {
            let key = if rng.random_bool(0.85) {
                keys().collect::<Vec<_>>().choose(rng).unwrap().to_string()
            } else {
                KEYS_EXTRA.choose(rng).unwrap().to_string()
            };
            let value = match rng.random_range(0..10) {
                0..=3 => plausible(rng),
                4 => json_string(&hostile_text(rng)),
                5 => ["true", "false", "null", "[]", "{}", "[64]", "{\"a\":1}"]
                    .choose(rng)
                    .unwrap()
                    .to_string(),
                6 => [
                    "1e308",
                    "-1e308",
                    "1e400",
                    "-0",
                    "18446744073709551616",
                    "3.5",
                ]
                .choose(rng)
                .unwrap()
                .to_string(),
                _ => json_string(&plausible(rng)),
            };
            format!("{}: {value}", json_string(&key))
        })
        .collect::<Vec<_>>();
    format!("{{{}}}", pairs.join(", "))
}

fn percent_encoded(rng: &mut SmallRng) -> String {
    (0..rng.random_range(0..12))
        .map(|_| match rng.random_range(0..4) {
            0 => format!("%{:02X}", rng.random::<u8>()),
            1 => "%".into(),
            2 => "%G1".into(),
            _ => "+".into(),
        })
        .collect()
}

fn hostile_query(rng: &mut SmallRng) -> String {
    let pairs = (0..rng.random_range(0..14))
        .map(|_| {
            let key = match rng.random_range(0..10) {
                0 => KEYS_EXTRA.choose(rng).unwrap().to_string(),
                1 => percent_encoded(rng),
                _ => keys().collect::<Vec<_>>().choose(rng).unwrap().to_string(),
            };
            let value = match rng.random_range(0..6) {
                0 | 1 => plausible(rng),
                2 => hostile_text(rng),
                3 => percent_encoded(rng),
                4 => format!("{}={}", plausible(rng), plausible(rng)),
                _ => String::new(),
            };
            if rng.random_bool(0.05) {
                key
            } else {
                format!("{key}={value}")
            }
        })
        .collect::<Vec<_>>();
    let sep = if rng.random_bool(0.1) { "&&" } else { "&" };
    format!("?{}", pairs.join(sep))
}

/// Runs `f` on `input`, turning a panic into a failure that shows the input.
fn no_panic<T>(what: &str, input: &str, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        let shown: String = input.chars().take(300).collect();
        panic!("{what} panicked on {shown:?}")
    })
}

fn assert_error_is_useful(error: &rnn_playground::ConfigError, input: &str) {
    let text = error.to_string();
    assert!(
        !error.field.is_empty(),
        "no field named for {input:?}: {text}"
    );
    assert!(text.starts_with(&error.field), "{text}");
    assert!(
        text.len() < 600,
        "the message repeats a huge value ({} bytes): {}",
        text.len(),
        &text[..200]
    );
}

#[test]
fn ten_thousand_hostile_configs_are_accepted_valid_or_refused_with_the_field() {
    let mut rng = SmallRng::seed_from_u64(2026);
    let mut accepted = Vec::new();
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..CASES {
        let json = hostile_json(&mut rng);
        match no_panic("RunConfig::from_json", &json, || {
            RunConfig::from_json(&json)
        }) {
            Ok(config) => {
                ok += 1;
                config.validate().unwrap();
                accepted.push(config);
            }
            Err(error) => {
                refused += 1;
                assert_error_is_useful(&error, &json);
            }
        }
    }
    println!("configs: {ok} accepted, {refused} refused");
    assert!(
        ok > 500 && refused > 500,
        "both outcomes are exercised: {ok} / {refused}"
    );
    build_some(&accepted);
}

#[test]
fn ten_thousand_hostile_queries_give_a_valid_config_and_named_notices() {
    let mut rng = SmallRng::seed_from_u64(11);
    let mut accepted = Vec::new();
    let mut notices = 0;
    for _ in 0..CASES {
        let query = hostile_query(&mut rng);
        let (config, errors) = no_panic("RunConfig::from_query_lenient", &query, || {
            RunConfig::from_query_lenient(&query)
        });
        config
            .validate()
            .unwrap_or_else(|e| panic!("{query:?} gave an invalid config: {e}"));
        for error in &errors {
            assert_error_is_useful(error, &query);
        }
        notices += errors.len();
        // The config a link gives is the one its own link writes.
        let again = RunConfig::from_query_lenient(&config.to_query());
        assert_eq!(again, (config.clone(), vec![]), "{query:?}");
        accepted.push(config);
    }
    println!("queries: {notices} notices");
    assert!(notices > 1000);
    build_some(&accepted);
}

/// Builds trainers from a sample of accepted configs, largest first: each fits the limits.
fn build_some(accepted: &[RunConfig]) {
    let mut sample: Vec<&RunConfig> = accepted.iter().collect();
    let size = |c: &RunConfig| c.hidden * c.hidden * c.layers;
    sample.sort_by_key(|c| std::cmp::Reverse(size(c)));
    sample.dedup_by_key(|c| (c.hidden, c.layers, c.cell, c.bptt, c.batch_size));
    let mut largest = 0;
    let mut built = 0;
    for config in sample.into_iter().take(TRAINERS) {
        built += 1;
        let units = config.batch_size * config.bptt * config.hidden * config.layers;
        assert!(units <= MAX_ACTIVATION_UNITS);
        let trainer = no_panic("Trainer::new", &config.to_query(), || {
            Trainer::new(config.clone(), cpu_device())
        })
        .unwrap();
        largest = largest.max(trainer.param_count());
    }
    println!("trainers built: {built}, the largest with {largest} parameters");
    assert!(built >= 50, "only {built} distinct accepted configs");
    // hidden 512 x 4 LSTM layers is the largest model the limits allow: about 8.4M parameters,
    // 34 MB of weights (x4 with gradients and the optimizer's two averages).
    assert!(largest <= 8_500_000, "{largest} parameters");
}

#[test]
fn the_largest_model_the_limits_allow_stays_within_a_tab() {
    let config = RunConfig {
        hidden: 512,
        layers: 4,
        cell: rnn_playground::CellKind::Lstm,
        tie: false,
        batch_size: 8,
        bptt: 64,
        ..RunConfig::default()
    };
    config.validate().unwrap();
    let trainer = Trainer::new(config, cpu_device()).unwrap();
    assert!(
        trainer.param_count() < 8_500_000,
        "{}",
        trainer.param_count()
    );
    let too_much = RunConfig {
        batch_size: 512,
        bptt: 128,
        hidden: 512,
        ..RunConfig::default()
    };
    let error = too_much.validate().unwrap_err().to_string();
    assert!(error.contains("bs × bptt × hidden × layers"), "{error}");
}

#[test]
fn typed_text_is_encoded_or_refused_with_the_unknown_words() {
    let corpus = Corpus::human_numbers();
    let mut rng = SmallRng::seed_from_u64(5);
    let words = [
        "one", "two", "hundred", ".", "Thousand", "ninety", "zero", "1", "🦀", "",
    ];
    for _ in 0..2_000 {
        let text = if rng.random_bool(0.5) {
            (0..rng.random_range(0..20))
                .map(|_| *words.choose(&mut rng).unwrap())
                .collect::<Vec<_>>()
                .join(if rng.random_bool(0.5) { " " } else { "\t\n " })
        } else {
            hostile_text(&mut rng)
        };
        match no_panic("Corpus::encode", &text, || corpus.encode(&text)) {
            Ok(ids) => assert!(!ids.is_empty() && ids.iter().all(|&i| i < corpus.vocab.len())),
            Err(e) => {
                let e = e.to_string();
                assert!(e.contains("unknown word") || e.contains("empty"), "{e}")
            }
        }
    }
}
