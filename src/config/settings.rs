//! The table of settings: every setting of a run once, with its URL key (also its JSON key and its
//! CLI flag), its allowed range, its help and where the page shows it. Validation, the URL and
//! JSON forms, the CLI's flags and the page's controls are all read off this table.

use super::setting::{Choice, Field, MOMENTUM, PROBABILITY, Range, Setting, int, number, setting};
use super::{BackendChoice, CellKind, Preset};

/// Limits that keep a run inside a browser tab (memory grows with hidden^2, bptt and batch size).
pub const MAX_HIDDEN: usize = 512;
pub const MAX_LAYERS: usize = 4;
pub const MAX_BPTT: usize = 128;
pub const MAX_EPOCHS: usize = 200;
pub const MAX_BATCH: usize = 512;
/// The largest seed a JS number carries exactly (2^53 - 1): the page and the CLI agree on it.
pub const MAX_SEED: u64 = (1 << 53) - 1;

fn model_choices() -> Vec<Choice> {
    Preset::ALL
        .into_iter()
        .map(|p| Choice {
            value: p.name(),
            label: format!("{} · {}", p.name(), p.description()),
            page: true,
        })
        .collect()
}

fn cell_choices() -> Vec<Choice> {
    CellKind::ALL
        .into_iter()
        .map(|c| Choice {
            value: c.name(),
            label: c.label().into(),
            page: true,
        })
        .collect()
}

fn backend_choices() -> Vec<Choice> {
    BackendChoice::ALL
        .into_iter()
        .map(|b| Choice {
            value: b.key(),
            label: b.label().into(),
            page: b.in_browser(),
        })
        .collect()
}

use Field::{Flag, Float, Size};

/// Every setting, in the order the URL writes them and the page shows them.
pub static SETTINGS: [Setting; 24] = [
    setting(
        "model",
        "Model",
        "Model",
        "A rung of the chapter's ladder (LMModel1..7): sets the book's recipe for it.",
        Range::Choice(model_choices),
        Field::Model,
    ),
    setting(
        "cell",
        "Model",
        "Cell",
        "What each step computes. An LSTM keeps a cell state beside the hidden state.",
        Range::Choice(cell_choices),
        Field::Cell,
    ),
    setting(
        "hidden",
        "Model",
        "Hidden size",
        "Numbers in the hidden state (and in each word's embedding).",
        int(1, MAX_HIDDEN),
        Size(|c| &mut c.hidden),
    ),
    setting(
        "layers",
        "Model",
        "Layers",
        "Stacked RNNs: each layer reads the outputs of the one below.",
        int(1, MAX_LAYERS),
        Size(|c| &mut c.layers),
    ),
    setting(
        "bptt",
        "Sequence",
        "BPTT length",
        "Tokens per sequence: how far back gradients flow before the state is detached.",
        int(1, MAX_BPTT),
        Size(|c| &mut c.bptt),
    ),
    Setting {
        cli_aliases: &["every-token"],
        cli_off_aliases: &["last-token"],
        ..setting(
            "every",
            "Sequence",
            "Predict every token",
            "One prediction per token (m4+) instead of one per sequence: more signal per batch.",
            Range::Toggle,
            Flag(|c| &mut c.every_token),
        )
    },
    setting(
        "stateful",
        "Sequence",
        "Keep hidden state",
        "Carry the hidden state from batch to batch (m3+), detached after each batch.",
        Range::Toggle,
        Flag(|c| &mut c.stateful),
    ),
    setting(
        "reset",
        "Sequence",
        "Reset state (ModelResetter)",
        "Zero the hidden state at each epoch start and before validation.",
        Range::Toggle,
        Flag(|c| &mut c.reset_state),
    ),
    setting(
        "dropout",
        "Regularization",
        "Dropout p",
        "Zero a share p of the last layer's outputs in training (scaled by 1/(1-p)); off in eval.",
        PROBABILITY,
        Float(|c| &mut c.dropout),
    ),
    setting(
        "ar",
        "Regularization",
        "AR α",
        "Activation regularization: α · mean(dropped output²) keeps activations small.",
        number(0.0, 100.0, 0.5),
        Float(|c| &mut c.ar),
    ),
    setting(
        "tar",
        "Regularization",
        "TAR β",
        "Temporal AR: β · mean((h[t+1] − h[t])²) on the raw output keeps the state from jumping.",
        number(0.0, 100.0, 0.5),
        Float(|c| &mut c.tar),
    ),
    setting(
        "tie",
        "Regularization",
        "Tie weights",
        "The output layer uses the embedding matrix: one parameter, used twice.",
        Range::Toggle,
        Flag(|c| &mut c.tie),
    ),
    Setting {
        cli_aliases: &["embed-dropout"],
        ..setting(
            "edrop",
            "Regularization",
            "Embedding dropout",
            "AWD-LSTM extra: drop whole words' embeddings in training.",
            PROBABILITY,
            Float(|c| &mut c.embed_dropout),
        )
    },
    Setting {
        cli_aliases: &["weight-dropout"],
        ..setting(
            "wdrop",
            "Regularization",
            "Weight dropout",
            "AWD-LSTM extra: DropConnect on the hidden-to-hidden weights.",
            PROBABILITY,
            Float(|c| &mut c.weight_dropout),
        )
    },
    setting(
        "lr",
        "Training",
        "Learning rate",
        "Peak of the one-cycle schedule (warm up 25%, then anneal).",
        Range::Number {
            min: 0.0,
            max: 100.0,
            above: true,
            below: false,
            step: 0.0001,
        },
        Float(|c| &mut c.lr),
    ),
    setting(
        "wd",
        "Regularization",
        "Weight decay",
        "Shrinks weights each step (decoupled, as fastai does; not Linear biases); m7 uses 0.1.",
        number(0.0, 10.0, 0.01),
        Float(|c| &mut c.wd),
    ),
    setting(
        "epochs",
        "Training",
        "Epochs",
        "Passes over the 80% of the text that trains.",
        int(1, MAX_EPOCHS),
        Size(|c| &mut c.epochs),
    ),
    Setting {
        cli_aliases: &["batch-size"],
        ..setting(
            "bs",
            "Training",
            "Batch size",
            "Sequences per batch: also the number of parallel streams of text.",
            int(1, MAX_BATCH),
            Size(|c| &mut c.batch_size),
        )
    },
    setting(
        "mom_high",
        "Training",
        "Momentum, ends",
        "Adam's β1 at the start and end of the one-cycle schedule.",
        MOMENTUM,
        Float(|c| &mut c.mom_high),
    ),
    setting(
        "mom_low",
        "Training",
        "Momentum, middle",
        "Adam's β1 at the peak learning rate, in the middle of the schedule.",
        MOMENTUM,
        Float(|c| &mut c.mom_low),
    ),
    setting(
        "clip",
        "Training",
        "Gradient clipping",
        "Cap the global gradient norm (0 = off): a cure for exploding gradients.",
        number(0.0, 1e6, 0.1),
        Float(|c| &mut c.grad_clip),
    ),
    setting(
        "shuffle",
        "Sequence",
        "Shuffle batches",
        "Feed the text out of order: a stateful model then carries the wrong context.",
        Range::Toggle,
        Flag(|c| &mut c.shuffle),
    ),
    Setting {
        recipe: false,
        ..setting(
            "seed",
            "Training",
            "Seed",
            "Same seed, same settings, same backend: the same numbers.",
            Range::Int {
                min: 0,
                max: MAX_SEED,
            },
            Field::Seed(|c| &mut c.seed),
        )
    },
    Setting {
        recipe: false,
        ..setting(
            "backend",
            "Training",
            "Backend",
            "Where the math runs. Backends round differently: results can differ slightly.",
            Range::Choice(backend_choices),
            Field::Backend,
        )
    },
];

/// The setting with this key, if there is one.
pub fn find(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// Every key, in the table's order.
pub fn keys() -> impl Iterator<Item = &'static str> {
    SETTINGS.iter().map(|s| s.key)
}
