//! The human numbers dataset of chapter 12, built in memory exactly as the book's files, and the
//! two ways the chapter batches it: independent sequences (models 1-2) and `group_chunks`, which
//! lines batches up so that row j of batch k+1 continues the text of row j of batch k (models 3-7).
//!
//! One file (about 500 lines, 160 of them tests): text, sequences and batches are one pipeline,
//! read top to bottom, and the tests check the book's counts along it.

use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use serde::Serialize;

/// The book's training file holds 1..=7999, its validation file 8001..=9999.
const TRAIN_RANGE: std::ops::RangeInclusive<u32> = 1..=7_999;
const VALID_RANGE: std::ops::RangeInclusive<u32> = 8_001..=9_999;

/// Share of the sequences that trains; the rest validates (the notebook's `int(len * 0.8)`).
const TRAIN_FRACTION: f64 = 0.8;

const ONES: [&str; 20] = [
    "",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// Spells 1..=9999 the way the dataset does: no "and", no hyphens ("one thousand ten").
pub fn spell_number(n: u32) -> String {
    assert!(
        (1..=9_999).contains(&n),
        "human numbers run from 1 to 9999, got {n}"
    );
    let mut words: Vec<&str> = Vec::new();
    let (thousands, rest) = (n / 1000, n % 1000);
    let (hundreds, below_hundred) = (rest / 100, rest % 100);
    if thousands > 0 {
        words.extend([ONES[thousands as usize], "thousand"]);
    }
    if hundreds > 0 {
        words.extend([ONES[hundreds as usize], "hundred"]);
    }
    if below_hundred >= 20 {
        words.push(TENS[(below_hundred / 10) as usize]);
        if below_hundred % 10 > 0 {
            words.push(ONES[(below_hundred % 10) as usize]);
        }
    } else if below_hundred > 0 {
        words.push(ONES[below_hundred as usize]);
    }
    words.join(" ")
}

/// Token ids of the whole corpus and the vocabulary, in first-appearance order.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub vocab: Vec<String>,
    pub tokens: Vec<usize>,
}

impl Corpus {
    /// All lines (train then valid) joined with " . " and split on spaces, as the notebook does.
    pub fn human_numbers() -> Self {
        let text = TRAIN_RANGE
            .chain(VALID_RANGE)
            .map(spell_number)
            .collect::<Vec<_>>()
            .join(" . ");
        let mut vocab: Vec<String> = Vec::new();
        let mut tokens = Vec::new();
        for word in text.split(' ') {
            let id = match vocab.iter().position(|v| v == word) {
                Some(id) => id,
                None => {
                    vocab.push(word.to_string());
                    vocab.len() - 1
                }
            };
            tokens.push(id);
        }
        Corpus { vocab, tokens }
    }

    /// The id of a word, if the vocabulary has it.
    pub fn token_id(&self, word: &str) -> Option<usize> {
        self.vocab.iter().position(|v| v == word)
    }

    /// Turns typed text into token ids; unknown words are reported, all of them at once.
    pub fn encode(&self, text: &str) -> Result<Vec<usize>, EncodeError> {
        let mut ids = Vec::new();
        let mut unknown = Vec::new();
        for word in text.split_whitespace() {
            let word = word.to_lowercase();
            match self.token_id(&word) {
                Some(id) => ids.push(id),
                None => unknown.push(word),
            }
        }
        if !unknown.is_empty() {
            return Err(EncodeError::UnknownWords(unknown));
        }
        if ids.is_empty() {
            return Err(EncodeError::Empty);
        }
        Ok(ids)
    }

    /// Sequences of `len` tokens, starting every `len` tokens. Each has `len` targets shifted by one
    /// token (the chapter's sequence stage); the three-token stage keeps only the last target.
    /// Same range as the notebook: starts i = 0, len, 2 len, ... while i < tokens - len - 1.
    pub fn sequences(&self, len: usize) -> Vec<Sequence> {
        let end = self.tokens.len().saturating_sub(len + 1);
        (0..end)
            .step_by(len.max(1))
            .map(|i| Sequence {
                input: self.tokens[i..i + len].to_vec(),
                target: self.tokens[i + 1..i + len + 1].to_vec(),
            })
            .collect()
    }
}

/// Why typed text cannot be turned into token ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// Words the vocabulary does not have, every one of them, lowercased.
    UnknownWords(Vec<String>),
    /// The text has no words.
    Empty,
}

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EncodeError::UnknownWords(words) => {
                let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
                write!(
                    f,
                    "unknown word{} {}: the vocabulary is the 30 tokens of human numbers (\"one\" .. \"nineteen\", \"twenty\" .. \"ninety\", \"hundred\", \"thousand\", \".\")",
                    if words.len() > 1 { "s" } else { "" },
                    quoted.join(", ")
                )
            }
            EncodeError::Empty => write!(
                f,
                "the text is empty: type a few words, e.g. \"four thousand one hundred\""
            ),
        }
    }
}

impl std::error::Error for EncodeError {}

/// One training example: `input[t]` is followed by `target[t]` in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequence {
    pub input: Vec<usize>,
    pub target: Vec<usize>,
}

/// Tokens in the corpus: `Corpus::human_numbers().tokens.len()`, known without building it.
pub const CORPUS_TOKENS: usize = 63_095;

/// How many sequences of `len` tokens the corpus gives (see [`Corpus::sequences`]).
pub fn sequence_count(len: usize) -> usize {
    let end = CORPUS_TOKENS.saturating_sub(len + 1);
    end.div_ceil(len.max(1))
}

/// Training and validation counts at the 80% cut.
pub fn split_sizes(count: usize) -> (usize, usize) {
    let cut = (count as f64 * TRAIN_FRACTION) as usize;
    (cut, count - cut)
}

/// Splits sequences at the notebook's 80% cut (no shuffling: the valid part is the end of the text).
pub fn split_train_valid<T: Clone>(items: &[T]) -> (Vec<T>, Vec<T>) {
    let (cut, _) = split_sizes(items.len());
    (items[..cut].to_vec(), items[cut..].to_vec())
}

/// Reorders items so that batch k, row j holds item `k + m * j` with m = len / bs: each row of
/// consecutive batches then walks through one contiguous stretch of the text. The remainder
/// (len mod bs items) is dropped, as in the book.
pub fn group_chunks<T: Clone>(items: &[T], bs: usize) -> Vec<T> {
    let m = items.len() / bs;
    let mut out = Vec::with_capacity(m * bs);
    for i in 0..m {
        for j in 0..bs {
            out.push(items[i + m * j].clone());
        }
    }
    out
}

/// A batch as flat row-major token ids: `inputs` is [rows, seq_len], `targets` likewise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub rows: usize,
    pub seq_len: usize,
    pub inputs: Vec<usize>,
    pub targets: Vec<usize>,
}

/// Cuts items into batches of `bs`; the last partial batch is kept unless `drop_last`.
pub fn batches(items: &[Sequence], bs: usize, drop_last: bool) -> Vec<Batch> {
    items
        .chunks(bs)
        .filter(|chunk| !drop_last || chunk.len() == bs)
        .map(|chunk| Batch {
            rows: chunk.len(),
            seq_len: chunk[0].input.len(),
            inputs: chunk.iter().flat_map(|s| s.input.iter().copied()).collect(),
            targets: chunk
                .iter()
                .flat_map(|s| s.target.iter().copied())
                .collect(),
        })
        .collect()
}

/// How a run's data is laid out: the sequence length, and whether batches are lined up for a
/// stateful model (`group_chunks`, both halves drop their partial batch) or independent (only the
/// training half drops its partial batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataLayout {
    pub seq_len: usize,
    pub batch_size: usize,
    pub stateful: bool,
}

/// The training and validation sequences of a run, ready to batch.
#[derive(Debug, Clone)]
pub struct DataSplits {
    pub layout: DataLayout,
    pub train: Vec<Sequence>,
    pub valid: Vec<Sequence>,
    pub valid_batches: Vec<Batch>,
}

impl DataSplits {
    pub fn new(corpus: &Corpus, layout: DataLayout) -> Self {
        let (train, valid) = split_train_valid(&corpus.sequences(layout.seq_len));
        let valid = if layout.stateful {
            group_chunks(&valid, layout.batch_size)
        } else {
            valid
        };
        let valid_batches = batches(&valid, layout.batch_size, layout.stateful);
        DataSplits {
            layout,
            train,
            valid,
            valid_batches,
        }
    }

    /// The training batches of one epoch. In the book's order unless `shuffle_seed` is given, in
    /// which case the sequences are shuffled first (the "why must text be in order?" experiment).
    pub fn train_batches(&self, shuffle_seed: Option<u64>) -> Vec<Batch> {
        let mut items = self.train.clone();
        if let Some(seed) = shuffle_seed {
            items.shuffle(&mut SmallRng::seed_from_u64(seed));
        }
        let items = if self.layout.stateful {
            group_chunks(&items, self.layout.batch_size)
        } else {
            items
        };
        batches(&items, self.layout.batch_size, true)
    }

    /// Number of training batches per epoch.
    pub fn train_batch_count(&self) -> usize {
        let items = if self.layout.stateful {
            (self.train.len() / self.layout.batch_size) * self.layout.batch_size
        } else {
            self.train.len()
        };
        items / self.layout.batch_size
    }
}

/// The facts `rnn-playground data` prints.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetFacts {
    pub tokens: usize,
    pub vocab_size: usize,
    pub vocab: Vec<String>,
    pub three_token_sequences: usize,
    pub three_token_train: usize,
    pub three_token_valid: usize,
    pub bptt: usize,
    pub sequences: usize,
    pub train_sequences: usize,
    pub valid_sequences: usize,
    pub batch_size: usize,
    pub train_batches: usize,
    pub valid_batches: usize,
    pub baseline_accuracy: f64,
}

/// Computes the dataset facts for a sequence length and batch size (the book: 16 and 64).
pub fn dataset_facts(corpus: &Corpus, bptt: usize, batch_size: usize) -> DatasetFacts {
    let (three_train, three_valid) = split_sizes(sequence_count(3));
    let (train, valid) = split_sizes(sequence_count(bptt));
    let layout = DataLayout {
        seq_len: bptt,
        batch_size,
        stateful: true,
    };
    let splits = DataSplits::new(corpus, layout);
    DatasetFacts {
        tokens: corpus.tokens.len(),
        vocab_size: corpus.vocab.len(),
        vocab: corpus.vocab.clone(),
        three_token_sequences: three_train + three_valid,
        three_token_train: three_train,
        three_token_valid: three_valid,
        bptt,
        sequences: train + valid,
        train_sequences: train,
        valid_sequences: valid,
        batch_size,
        train_batches: splits.train_batch_count(),
        valid_batches: splits.valid_batches.len(),
        baseline_accuracy: baseline_accuracy(corpus),
    }
}

/// Accuracy of always predicting "thousand" on the three-token validation targets.
pub fn baseline_accuracy(corpus: &Corpus) -> f64 {
    let thousand = corpus
        .token_id("thousand")
        .expect("human numbers have \"thousand\"");
    let (_, valid) = split_train_valid(&corpus.sequences(3));
    let hits = valid
        .iter()
        .filter(|s| *s.target.last().unwrap() == thousand)
        .count();
    hits as f64 / valid.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_follows_the_dataset_rules() {
        assert_eq!(spell_number(1), "one");
        assert_eq!(spell_number(21), "twenty one");
        assert_eq!(spell_number(101), "one hundred one");
        assert_eq!(spell_number(1010), "one thousand ten");
        assert_eq!(spell_number(1100), "one thousand one hundred");
        assert_eq!(spell_number(8001), "eight thousand one");
        assert_eq!(spell_number(9999), "nine thousand nine hundred ninety nine");
    }

    #[test]
    fn corpus_matches_the_book() {
        let corpus = Corpus::human_numbers();
        assert_eq!(corpus.tokens.len(), 63_095);
        assert_eq!(corpus.tokens.len(), CORPUS_TOKENS);
        for len in [1, 3, 7, 16, 64] {
            assert_eq!(corpus.sequences(len).len(), sequence_count(len));
        }
        let expected = "one . two three four five six seven eight nine ten eleven twelve thirteen \
            fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty \
            seventy eighty ninety hundred thousand";
        assert_eq!(corpus.vocab.join(" "), expected);
        assert_eq!(corpus.token_id("thousand"), Some(29));
    }

    #[test]
    fn sequence_counts_match_the_book() {
        let corpus = Corpus::human_numbers();
        assert_eq!(corpus.sequences(3).len(), 21_031);
        let seqs = corpus.sequences(16);
        assert_eq!(seqs.len(), 3_943);
        let (train, valid) = split_train_valid(&seqs);
        assert_eq!((train.len(), valid.len()), (3_154, 789));
        // Targets are the inputs shifted by one token.
        assert_eq!(seqs[1].input[1..], seqs[1].target[..15]);
    }

    #[test]
    fn batch_counts_match_the_book() {
        let corpus = Corpus::human_numbers();
        let seq = DataSplits::new(
            &corpus,
            DataLayout {
                seq_len: 16,
                batch_size: 64,
                stateful: true,
            },
        );
        assert_eq!(seq.train_batches(None).len(), 49);
        assert_eq!(seq.train_batch_count(), 49);
        assert_eq!(seq.valid_batches.len(), 12);
        // Models 1-2: independent batches, the validation half keeps its partial batch.
        let three = DataSplits::new(
            &corpus,
            DataLayout {
                seq_len: 3,
                batch_size: 64,
                stateful: false,
            },
        );
        assert_eq!(three.train_batches(None).len(), 262);
        assert_eq!(three.valid_batches.len(), 66);
        assert_eq!(three.valid_batches.last().unwrap().rows, 4_207 - 65 * 64);
    }

    #[test]
    fn group_chunks_lines_rows_up_with_the_text_that_follows() {
        let items: Vec<usize> = (0..10).collect();
        // m = 5: batch 0 = [0, 5], batch 1 = [1, 6], ...
        assert_eq!(group_chunks(&items, 2), vec![0, 5, 1, 6, 2, 7, 3, 8, 4, 9]);
        let corpus = Corpus::human_numbers();
        let seq = DataSplits::new(
            &corpus,
            DataLayout {
                seq_len: 16,
                batch_size: 64,
                stateful: true,
            },
        );
        let b = seq.train_batches(None);
        // Row 3 of batch 1 starts where row 3 of batch 0 ended: the two rows, joined, are 32
        // consecutive tokens of the text.
        let next_start = b[1].inputs[3 * 16];
        assert_eq!(b[0].targets[3 * 16 + 15], next_start);
        let joined = [&b[0].inputs[3 * 16..4 * 16], &b[1].inputs[3 * 16..4 * 16]].concat();
        assert!(corpus.tokens.windows(32).any(|w| w == joined.as_slice()));
    }

    #[test]
    fn baseline_is_always_thousand() {
        let corpus = Corpus::human_numbers();
        assert!((baseline_accuracy(&corpus) - 0.151652).abs() < 1e-5);
    }

    #[test]
    fn shuffle_reorders_but_keeps_the_sequences() {
        let corpus = Corpus::human_numbers();
        let seq = DataSplits::new(
            &corpus,
            DataLayout {
                seq_len: 16,
                batch_size: 64,
                stateful: true,
            },
        );
        let ordered = seq.train_batches(None);
        let shuffled = seq.train_batches(Some(7));
        assert_eq!(ordered.len(), shuffled.len());
        assert_ne!(ordered[0].inputs, shuffled[0].inputs);
        assert_eq!(
            seq.train_batches(Some(7)),
            shuffled,
            "the same seed shuffles the same way"
        );
    }

    #[test]
    fn unknown_words_are_reported_by_name() {
        let corpus = Corpus::human_numbers();
        assert_eq!(corpus.encode("Four thousand").unwrap(), vec![4, 29]);
        let err = corpus.encode("four zillion blorp").unwrap_err();
        assert_eq!(
            err,
            EncodeError::UnknownWords(vec!["zillion".into(), "blorp".into()])
        );
        let message = err.to_string();
        assert!(
            message.contains("\"zillion\"") && message.contains("\"blorp\""),
            "{message}"
        );
        assert_eq!(corpus.encode("   "), Err(EncodeError::Empty));
    }
}
