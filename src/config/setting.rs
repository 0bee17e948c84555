//! What a setting is: its range, how its value is read from and written to a `RunConfig` as
//! text (the form URLs, JSON values and CLI strings all arrive in), and how it is checked. The
//! settings themselves are the table in `settings.rs`.

use serde::Serialize;

use super::{ConfigError, Preset, RunConfig};

/// What values a setting takes.
#[derive(Debug, Clone, Copy)]
pub enum Range {
    /// One of a list of names.
    Choice(fn() -> Vec<Choice>),
    /// A whole number from `min` to `max`.
    Int { min: u64, max: u64 },
    /// A number from `min` to `max`; `below` excludes `max` itself; `above` excludes `min`.
    /// `step` is the page's step between values.
    Number {
        min: f64,
        max: f64,
        above: bool,
        below: bool,
        step: f64,
    },
    /// On or off: `1`/`0` in URLs, `--key`/`--no-key` on the command line.
    Toggle,
}

/// One value of a `Range::Choice`: its name, its words, and whether the page offers it.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub page: bool,
}

/// Where a setting's value lives in `RunConfig`.
#[derive(Clone, Copy)]
pub(super) enum Field {
    Model,
    Cell,
    Backend,
    Size(fn(&mut RunConfig) -> &mut usize),
    Seed(fn(&mut RunConfig) -> &mut u64),
    Float(fn(&mut RunConfig) -> &mut f64),
    Flag(fn(&mut RunConfig) -> &mut bool),
}

/// One setting of a run.
#[derive(Clone, Copy)]
pub struct Setting {
    /// The URL key, the JSON key, and (with `_` as `-`) the CLI flag.
    pub key: &'static str,
    /// The page's group and label.
    pub group: &'static str,
    pub label: &'static str,
    /// One line on what it does, in the chapter's words.
    pub help: &'static str,
    pub range: Range,
    /// Other names the CLI accepts for the flag (and, for a toggle, for its `--no-` form).
    pub cli_aliases: &'static [&'static str],
    pub cli_off_aliases: &'static [&'static str],
    /// Whether it belongs to the book's recipe (the seed and the backend do not).
    pub recipe: bool,
    pub(super) field: Field,
}

pub(super) const fn setting(
    key: &'static str,
    group: &'static str,
    label: &'static str,
    help: &'static str,
    range: Range,
    field: Field,
) -> Setting {
    Setting {
        key,
        group,
        label,
        help,
        range,
        cli_aliases: &[],
        cli_off_aliases: &[],
        recipe: true,
        field,
    }
}

pub(super) const fn int(min: u64, max: usize) -> Range {
    Range::Int {
        min,
        max: max as u64,
    }
}

pub(super) const fn number(min: f64, max: f64, step: f64) -> Range {
    Range::Number {
        min,
        max,
        above: false,
        below: false,
        step,
    }
}

pub(super) const PROBABILITY: Range = number(0.0, 0.9, 0.05);
pub(super) const MOMENTUM: Range = Range::Number {
    min: 0.0,
    max: 1.0,
    above: false,
    below: true,
    step: 0.01,
};

/// Writes a number the way the page and the URL show it (no trailing `.0`).
pub(super) fn show(x: f64) -> String {
    x.to_string()
}

impl Range {
    /// The allowed values in words, as error messages name them.
    pub fn allowed(&self) -> String {
        match *self {
            Range::Choice(choices) => {
                let names: Vec<_> = choices().iter().map(|c| c.value).collect();
                format!("one of {}", names.join(", "))
            }
            Range::Int { min, max } => format!("a whole number from {min} to {max}"),
            Range::Number {
                min,
                max,
                above,
                below,
                ..
            } => {
                let (min, max) = (show(min), show(max));
                match (above, below) {
                    (false, false) => format!("a number from {min} to {max}"),
                    (false, true) => format!("a number from {min} to below {max}"),
                    (true, false) => format!("a number above {min}, at most {max}"),
                    (true, true) => format!("a number above {min} and below {max}"),
                }
            }
            Range::Toggle => "1 or 0 (true or false)".into(),
        }
    }

    fn admits_number(&self, x: f64) -> bool {
        match *self {
            Range::Number {
                min,
                max,
                above,
                below,
                ..
            } => {
                x.is_finite()
                    && (if above { x > min } else { x >= min })
                    && (if below { x < max } else { x <= max })
            }
            Range::Int { min, max } => x.fract() == 0.0 && x >= min as f64 && x <= max as f64,
            _ => false,
        }
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Some(true),
        "0" | "false" | "off" | "no" => Some(false),
        _ => None,
    }
}

impl Setting {
    fn error(&self, value: &str) -> ConfigError {
        ConfigError {
            field: self.key.into(),
            value: value.into(),
            allowed: self.range.allowed(),
        }
    }

    /// The text form of this setting's value in `config`, as the URL writes it.
    pub fn get(&self, config: &RunConfig) -> String {
        let mut c = config.clone();
        match self.field {
            Field::Model => c.model.name().into(),
            Field::Cell => c.cell.name().into(),
            Field::Backend => c.backend.key().into(),
            Field::Size(f) => f(&mut c).to_string(),
            Field::Seed(f) => f(&mut c).to_string(),
            Field::Float(f) => show(*f(&mut c)),
            Field::Flag(f) => if *f(&mut c) { "1" } else { "0" }.into(),
        }
    }

    /// Sets this setting from its text form, refusing a value outside its range. A model sets the
    /// book's whole recipe for it (keeping the seed and the backend).
    pub fn set(&self, config: &mut RunConfig, value: &str) -> Result<(), ConfigError> {
        let bad = || self.error(value);
        match self.field {
            Field::Model => {
                let preset: Preset = value.parse().map_err(|_| bad())?;
                *config = RunConfig {
                    seed: config.seed,
                    backend: config.backend,
                    ..RunConfig::preset(preset)
                };
            }
            Field::Cell => config.cell = value.parse().map_err(|_| bad())?,
            Field::Backend => config.backend = value.parse().map_err(|_| bad())?,
            Field::Size(f) => *f(config) = self.parse_int(value)? as usize,
            Field::Seed(f) => *f(config) = self.parse_int(value)?,
            Field::Float(f) => {
                let x: f64 = value.trim().parse().map_err(|_| bad())?;
                if !self.range.admits_number(x) {
                    return Err(bad());
                }
                *f(config) = x;
            }
            Field::Flag(f) => *f(config) = parse_bool(value).ok_or_else(bad)?,
        }
        Ok(())
    }

    fn parse_int(&self, value: &str) -> Result<u64, ConfigError> {
        let x: u64 = value.trim().parse().map_err(|_| self.error(value))?;
        if !self.range.admits_number(x as f64) {
            return Err(self.error(value));
        }
        Ok(x)
    }

    /// Whether `config`'s value is inside this setting's range.
    pub fn check(&self, config: &RunConfig) -> Result<(), ConfigError> {
        let value = self.get(config);
        match self.range {
            Range::Choice(_) | Range::Toggle => Ok(()),
            _ if self.range.admits_number(value.parse().unwrap_or(f64::NAN)) => Ok(()),
            _ => Err(self.error(&value)),
        }
    }
}
