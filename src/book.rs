//! The book's own per-epoch tables (from the chapter's notebook), shipped so the CLI and the page
//! can put the book's figures beside ours.

use serde::Deserialize;

use crate::config::Preset;

const BOOK_RESULTS: &str = include_str!("../assets/book_results.json");

#[derive(Debug, Clone, Deserialize)]
pub struct BookModel {
    pub name: String,
    /// Rows of [epoch, train_loss, valid_loss, accuracy].
    pub epochs: Vec<[f64; 4]>,
}

#[derive(Deserialize)]
struct BookResults {
    models: std::collections::HashMap<String, BookModel>,
}

/// The book's table for a preset.
pub fn book_model(preset: Preset) -> BookModel {
    let results: BookResults =
        serde_json::from_str(BOOK_RESULTS).expect("assets/book_results.json is valid");
    results
        .models
        .get(preset.name())
        .cloned()
        .expect("every preset has a book table")
}

/// The book's final validation accuracy for a preset.
pub fn book_accuracy(preset: Preset) -> f64 {
    book_model(preset)
        .epochs
        .last()
        .expect("at least one epoch")[3]
}

/// The raw JSON, for the page.
pub fn book_results_json() -> &'static str {
    BOOK_RESULTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn book_tables_load_for_every_preset() {
        let expected = [0.494, 0.470, 0.589, 0.640, 0.488, 0.758, 0.869];
        for (preset, acc) in Preset::ALL.into_iter().zip(expected) {
            assert!((book_accuracy(preset) - acc).abs() < 1e-3, "{preset:?}");
            assert_eq!(
                book_model(preset).epochs.len(),
                crate::RunConfig::preset(preset).epochs
            );
        }
    }
}
