//! The forms a config travels in, all read off the table of settings: key/value pairs (the CLI),
//! a JSON object (the JS API) and a URL query (the page's links).

use super::settings::{self, SETTINGS};
use super::{ConfigError, RunConfig};

impl RunConfig {
    /// Builds a config from key/value pairs: `model` first (it picks the recipe), then the rest in
    /// order, then validation. Any bad pair is an error naming its field.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ConfigError> {
        let pairs: Vec<_> = pairs.into_iter().collect();
        let mut config = RunConfig::default();
        for (k, v) in pairs.iter().filter(|(k, _)| *k == "model") {
            config.set(k, v)?;
        }
        for (k, v) in pairs.iter().filter(|(k, _)| *k != "model") {
            config.set(k, v)?;
        }
        config.validate()?;
        Ok(config)
    }

    /// Builds a config from a JSON object of settings (the JS API's form). Unknown keys, wrong
    /// types and out-of-range values are rejected, naming the field.
    pub fn from_json(json: &str) -> Result<Self, ConfigError> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| ConfigError {
            field: "config".into(),
            value: json.chars().take(80).collect(),
            allowed: format!("a JSON object of settings ({e})"),
        })?;
        let object = value.as_object().ok_or_else(|| ConfigError {
            field: "config".into(),
            value: value.to_string().chars().take(80).collect(),
            allowed: "an object such as {\"model\": \"m7\", \"epochs\": 2}".into(),
        })?;
        let mut pairs = Vec::new();
        for (key, value) in object {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => (if *b { "1" } else { "0" }).to_string(),
                other => {
                    return Err(ConfigError {
                        field: field_name(key),
                        value: other.to_string(),
                        allowed: "a number, a string or a boolean".into(),
                    });
                }
            };
            pairs.push((key.clone(), text));
        }
        Self::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Fields whose value differs from the book's recipe for `self.model`.
    pub fn differences_from_book(&self) -> Vec<&'static str> {
        let book = RunConfig::preset(self.model);
        SETTINGS
            .iter()
            .filter(|s| s.recipe && s.get(self) != s.get(&book))
            .map(|s| s.key)
            .collect()
    }

    /// The URL query form of every setting (the page's share link).
    pub fn to_query(&self) -> String {
        SETTINGS
            .iter()
            .map(|s| format!("{}={}", s.key, s.get(self)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads a URL query string leniently, as the page must: keys that are not settings are left to
    /// the page (`autostart`, `embed`, `controls`); a bad value keeps the default and is reported.
    pub fn from_query_lenient(query: &str) -> (Self, Vec<ConfigError>) {
        let pairs: Vec<(String, String)> = query
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .filter(|(k, _)| settings::find(k).is_some())
            .collect();
        let mut notices = Vec::new();
        let mut config = RunConfig::default();
        for (k, v) in pairs.iter().filter(|(k, _)| k == "model") {
            if let Err(e) = config.set(k, v) {
                notices.push(e);
            }
        }
        for (k, v) in pairs.iter().filter(|(k, _)| k != "model") {
            let before = config.clone();
            let result = config.set(k, v).and_then(|_| config.validate());
            if let Err(e) = result {
                config = before;
                notices.push(e);
            }
        }
        (config, notices)
    }
}

/// A key as an error names it: a blank one gets words, since an empty name reads as nothing.
pub(super) fn field_name(key: &str) -> String {
    if key.trim().is_empty() {
        "(a setting with no name)".into()
    } else {
        key.into()
    }
}

/// Decodes %XX escapes and '+' in a URL query component; malformed escapes are kept as text.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes_decode() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
