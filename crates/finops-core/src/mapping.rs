//! Reading call logs in any layout (`--map FILE`): which input column holds each of our columns, the
//! units of cost and latency, the time format, and constant values for dimensions the log lacks.
//!
//! ```
//! use finops_core::mapping::{Mapping, TimeFormat};
//! let m = Mapping::from_toml_str(r#"
//! [columns]
//! timestamp = "created_at"
//! input_tokens = "prompt_tokens"
//! output_tokens = "completion_tokens"
//! cost_usd = "cost_cents"
//! latency_ms = "duration_s"
//!
//! [units]
//! cost_usd = "cents"
//! latency_ms = "seconds"
//!
//! [time]
//! format = "%d/%m/%Y %H:%M:%S"
//!
//! [constants]
//! environment = "production"
//! "#, "map.toml")?;
//! assert_eq!(m.source_of("input_tokens"), "prompt_tokens");
//! assert_eq!(m.source_of("provider"), "provider");
//! assert_eq!(m.cost_scale, 0.01);
//! assert_eq!(m.parse_time("25/09/2026 14:03:27"), Some(1_790_345_007_000));
//! # Ok::<(), finops_core::mapping::MappingError>(())
//! ```
use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use thiserror::Error;
use toml::Spanned;

use crate::pricing::line_col;
use crate::schema::COLUMNS;

/// A mapping file that could not be used.
#[derive(Debug, Error)]
pub enum MappingError {
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file}:{line}:{column}: {message}")]
    Invalid { file: String, line: usize, column: usize, message: String },
}

/// How timestamps are written in the input.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TimeFormat {
    /// ISO-8601 / RFC 3339 (the default; naive times are UTC).
    #[default]
    Iso,
    /// Unix seconds (decimals allowed).
    UnixSeconds,
    /// Unix milliseconds.
    UnixMillis,
    /// A chrono `strftime` format, read as UTC.
    Format(String),
}

/// A validated mapping.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping {
    /// Our column -> the input's column.
    pub columns: BTreeMap<String, String>,
    /// Our column -> the value every row gets (for columns the input lacks).
    pub constants: BTreeMap<String, String>,
    /// Multiplies the input's cost into USD (cents: 0.01).
    pub cost_scale: f64,
    /// Multiplies the input's latency and time to first token into milliseconds (seconds: 1000).
    pub latency_scale: f64,
    pub time: TimeFormat,
}

impl Mapping {
    /// The identity mapping (our own layout).
    pub fn identity() -> Mapping {
        Mapping { cost_scale: 1.0, latency_scale: 1.0, ..Mapping::default() }
    }

    /// The input column that holds our column `name`.
    pub fn source_of<'a>(&'a self, name: &'a str) -> &'a str {
        self.columns.get(name).map_or(name, String::as_str)
    }

    /// Whether values need more than a rename (units or a time format).
    pub fn converts(&self) -> bool {
        self.cost_scale != 1.0 || self.latency_scale != 1.0 || self.time != TimeFormat::Iso
    }

    /// Parses a timestamp of the input to Unix milliseconds (`None` when it does not fit the format).
    pub fn parse_time(&self, s: &str) -> Option<i64> {
        let s = s.trim();
        match &self.time {
            TimeFormat::Iso => crate::units::parse_iso_timestamp(s),
            TimeFormat::UnixSeconds => {
                s.parse::<f64>().ok().filter(|v| v.is_finite()).map(|v| (v * 1000.0).round() as i64)
            }
            TimeFormat::UnixMillis => s.parse::<i64>().ok(),
            TimeFormat::Format(f) => {
                chrono::NaiveDateTime::parse_from_str(s, f).ok().map(|t| t.and_utc().timestamp_millis())
            }
        }
    }

    /// Loads and validates a mapping file.
    pub fn from_path(path: &Path) -> Result<Mapping, MappingError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| MappingError::Io { file: file.clone(), source })?;
        Mapping::from_toml_str(&text, &file)
    }

    /// Parses and validates mapping TOML; `file` names the source in error messages.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Mapping, MappingError> {
        let at = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            MappingError::Invalid { file: file.to_string(), line, column, message }
        };
        let raw: RawMapping =
            toml::from_str(text).map_err(|e| at(e.span().map_or(0, |s| s.start), e.message().into()))?;
        let known = |name: &str| COLUMNS.iter().any(|c| c.name == name);
        let mut m = Mapping::identity();
        for (ours, theirs) in &raw.columns {
            if !known(ours.get_ref()) {
                return Err(at(
                    ours.span().start,
                    format!("`{}` is not one of our columns (see the README's data schema)", ours.get_ref()),
                ));
            }
            m.columns.insert(ours.get_ref().clone(), theirs.clone());
        }
        for (ours, value) in &raw.constants {
            if !known(ours.get_ref()) {
                return Err(at(ours.span().start, format!("`{}` is not one of our columns", ours.get_ref())));
            }
            m.constants.insert(ours.get_ref().clone(), value.clone());
        }
        for (ours, unit) in &raw.units {
            let scale = match (ours.get_ref().as_str(), unit.get_ref().as_str()) {
                ("cost_usd", "usd") | ("latency_ms", "ms") => 1.0,
                ("cost_usd", "cents") => 0.01,
                ("cost_usd", "micro_usd") => 1e-6,
                ("latency_ms", "seconds") => 1000.0,
                ("latency_ms", "microseconds") => 0.001,
                ("cost_usd" | "latency_ms", u) => {
                    return Err(at(
                        unit.span().start,
                        format!(
                            "unknown unit `{u}` for {} (cost_usd: usd, cents, micro_usd; latency_ms: ms, seconds, microseconds)",
                            ours.get_ref()
                        ),
                    ));
                }
                (other, _) => {
                    return Err(at(
                        ours.span().start,
                        format!("units apply to cost_usd and latency_ms, not `{other}`"),
                    ));
                }
            };
            if ours.get_ref() == "cost_usd" {
                m.cost_scale = scale;
            } else {
                m.latency_scale = scale;
            }
        }
        if let Some(t) = &raw.time {
            m.time = match t.format.get_ref().as_str() {
                "iso" | "" => TimeFormat::Iso,
                "unix_s" => TimeFormat::UnixSeconds,
                "unix_ms" => TimeFormat::UnixMillis,
                f => {
                    // A format that cannot print a time cannot read one either.
                    use std::fmt::Write;
                    let mut probe = String::new();
                    if write!(probe, "{}", chrono::DateTime::UNIX_EPOCH.format(f)).is_err() {
                        return Err(at(
                            t.format.span().start,
                            format!("time format {f:?} is not a valid strftime format"),
                        ));
                    }
                    TimeFormat::Format(f.to_string())
                }
            };
        }
        Ok(m)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    #[serde(default)]
    columns: BTreeMap<Spanned<String>, String>,
    #[serde(default)]
    units: BTreeMap<Spanned<String>, Spanned<String>>,
    time: Option<RawTime>,
    #[serde(default)]
    constants: BTreeMap<Spanned<String>, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTime {
    format: Spanned<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_format() {
        let mut m = Mapping::identity();
        assert_eq!(m.parse_time("2026-09-01T00:00:01Z"), Some(1_788_220_801_000));
        m.time = TimeFormat::UnixSeconds;
        assert_eq!(m.parse_time("1788220801.5"), Some(1_788_220_801_500));
        m.time = TimeFormat::UnixMillis;
        assert_eq!(m.parse_time("1788220801500"), Some(1_788_220_801_500));
        m.time = TimeFormat::Format("%Y/%m/%d %H:%M".into());
        assert_eq!(m.parse_time("2026/09/01 00:01"), Some(1_788_220_860_000));
        assert_eq!(m.parse_time("yesterday"), None);
    }

    #[test]
    fn mistakes_name_the_line() {
        let e = Mapping::from_toml_str("[columns]\ninput_tokenz = \"x\"\n", "m.toml").unwrap_err().to_string();
        assert!(e.starts_with("m.toml:2:1") && e.contains("input_tokenz"), "{e}");
        let e = Mapping::from_toml_str("[units]\ncost_usd = \"yen\"\n", "m.toml").unwrap_err().to_string();
        assert!(e.starts_with("m.toml:2:") && e.contains("yen"), "{e}");
        let e = Mapping::from_toml_str("[time]\nformat = \"%Q\"\n", "m.toml").unwrap_err().to_string();
        assert!(e.contains("strftime"), "{e}");
        let e = Mapping::from_toml_str("[colums]\n", "m.toml").unwrap_err().to_string();
        assert!(e.contains("colums"), "{e}");
    }
}
