//! The organization's own rates (`--rates FILE`): negotiated discounts and committed-use prices per
//! provider or model and date range, applied on top of the catalog's list prices. No public price
//! database can know them, so they live in their own file.
//!
//! A rule's rates replace the list rates it names; every rate it does not name is the list rate less
//! `discount_pct` (0 when not given). A model's rule wins over its provider's; two rules of the same
//! model (or provider) may not overlap in time.
//!
//! ```
//! use finops_core::negotiated::NegotiatedRates;
//! use finops_core::pricing::Catalog;
//! use finops_core::cost::{ServiceTier, Usage};
//!
//! let rates = NegotiatedRates::from_toml_str(r#"
//! [[rate]]
//! name = "Anthropic enterprise agreement"
//! provider = "anthropic"
//! discount_pct = 18
//! from = "2026-07-01"
//! "#, "rates.toml")?;
//! let list = Catalog::builtin();
//! let effective = list.with_negotiated(&rates);
//! let day = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
//! let usage = Usage { input: 100_000, ..Usage::default() };
//! let (_, row) = effective.price_at("anthropic", "claude-sonnet-4-5", day).unwrap();
//! assert_eq!(row.cost(&usage, ServiceTier::Standard).unwrap().to_string(), "0.246"); // 100k x 3.00 per 1M, less 18%
//! # Ok::<(), finops_core::negotiated::RatesError>(())
//! ```
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use toml::Spanned;

use crate::cost::Rate;
use crate::pricing::{LongContext, PriceRow, TierRates, TimeWindow, line_col};

/// A rates file that could not be used.
#[derive(Debug, Error)]
pub enum RatesError {
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file}:{line}:{column}: {message}")]
    Invalid { file: String, line: usize, column: usize, message: String },
}

/// Rates that replace list rates; `None` keeps the list rate (less the discount).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CustomRates {
    pub input: Option<Rate>,
    pub output: Option<Rate>,
    pub cached_input: Option<Rate>,
    pub cache_write: Option<Rate>,
    pub batch_input: Option<Rate>,
    pub batch_output: Option<Rate>,
}

impl CustomRates {
    /// Whether the rule names any rate of its own (then a call's cost is recomputed from its tokens
    /// rather than scaled).
    pub fn any(&self) -> bool {
        [self.input, self.output, self.cached_input, self.cache_write, self.batch_input, self.batch_output]
            .iter()
            .any(Option::is_some)
    }
}

/// One negotiated rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateRule {
    pub name: String,
    pub provider: String,
    /// `None`: every model of the provider.
    pub model: Option<String>,
    /// First and last day (UTC, inclusive); `None`: open-ended.
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// Discount on every list rate the rule does not replace, in basis points (1800 = 18%).
    pub discount_bp: u32,
    pub custom: CustomRates,
}

impl RateRule {
    /// Whether the rule covers calls on `date`.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| date >= f) && self.until.is_none_or(|u| date <= u)
    }

    /// The share of the list cost that is paid, when the rule is a plain discount.
    pub fn factor(&self) -> f64 {
        1.0 - f64::from(self.discount_bp) / 10_000.0
    }

    /// The scope as written: `provider` or `provider/model`.
    pub fn scope(&self) -> String {
        match &self.model {
            Some(m) => format!("{}/{m}", self.provider),
            None => self.provider.clone(),
        }
    }

    /// The terms as written, e.g. `18% off list` or `input 2.00, output 8.00 per 1M; 10% off the rest`.
    pub fn terms(&self) -> String {
        let c = &self.custom;
        let named: Vec<String> = [
            ("input", c.input),
            ("output", c.output),
            ("cached input", c.cached_input),
            ("cache write", c.cache_write),
            ("batch input", c.batch_input),
            ("batch output", c.batch_output),
        ]
        .iter()
        .filter_map(|(k, r)| r.map(|r| format!("{k} {}", r.usd_per_million())))
        .collect();
        let pct = f64::from(self.discount_bp) / 100.0;
        match (named.is_empty(), self.discount_bp) {
            (true, _) => format!("{pct}% off list"),
            (false, 0) => format!("{} USD per 1M tokens; list for the rest", named.join(", ")),
            (false, _) => format!("{} USD per 1M tokens; {pct}% off list for the rest", named.join(", ")),
        }
    }

    fn scale(&self, r: Rate) -> Rate {
        // Round half up to the nearest pico-dollar per token: exact for whole-percent discounts of
        // every catalog price.
        let paid = u128::from(r.0) * u128::from(10_000 - self.discount_bp);
        Rate(((paid + 5_000) / 10_000) as u64)
    }

    fn scale_tier(&self, t: TierRates) -> TierRates {
        let s = |r: Rate| self.scale(r);
        TierRates {
            input: s(t.input),
            output: s(t.output),
            cached_input: t.cached_input.map(s),
            long_input: t.long_input.map(s),
            long_output: t.long_output.map(s),
            long_cached_input: t.long_cached_input.map(s),
        }
    }

    /// The effective price row: the rule's own rates where it names them, every other list rate less
    /// the discount. Long-context rates are the list ones less the discount.
    pub fn apply(&self, list: &PriceRow) -> PriceRow {
        let s = |r: Rate| self.scale(r);
        let c = &self.custom;
        let long_context = list.long_context.map(|l| LongContext {
            above_input_tokens: l.above_input_tokens,
            input: s(l.input),
            output: s(l.output),
            cached_input: l.cached_input.map(s),
            cache_write: l.cache_write.map(s),
            cache_write_1h: l.cache_write_1h.map(s),
            batch_input: l.batch_input.map(s),
            batch_output: l.batch_output.map(s),
            batch_cached_input: l.batch_cached_input.map(s),
        });
        PriceRow {
            effective_from: list.effective_from,
            input: c.input.unwrap_or(s(list.input)),
            output: c.output.unwrap_or(s(list.output)),
            cached_input: c.cached_input.or(list.cached_input.map(s)),
            cache_write: c.cache_write.or(list.cache_write.map(s)),
            cache_write_1h: list.cache_write_1h.map(s),
            batch_input: c.batch_input.or(list.batch_input.map(s)),
            batch_output: c.batch_output.or(list.batch_output.map(s)),
            batch_cached_input: list.batch_cached_input.map(s),
            batch_cache_write: list.batch_cache_write.map(s),
            long_context,
            flex: list.flex.map(|t| self.scale_tier(t)),
            priority: list.priority.map(|t| self.scale_tier(t)),
            time_of_day: list
                .time_of_day
                .iter()
                .map(|w| TimeWindow {
                    input: s(w.input),
                    output: s(w.output),
                    cached_input: w.cached_input.map(s),
                    ..*w
                })
                .collect(),
            source: format!("negotiated: {} (list: {})", self.name, list.source),
        }
    }
}

/// Every negotiated rate of an organization.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NegotiatedRates {
    pub rules: Vec<RateRule>,
}

impl NegotiatedRates {
    /// Loads and validates a rates file.
    pub fn from_path(path: &Path) -> Result<NegotiatedRates, RatesError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| RatesError::Io { file: file.clone(), source })?;
        NegotiatedRates::from_toml_str(&text, &file)
    }

    /// Parses and validates rates TOML; `file` names the source in error messages.
    pub fn from_toml_str(text: &str, file: &str) -> Result<NegotiatedRates, RatesError> {
        let at = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            RatesError::Invalid { file: file.to_string(), line, column, message }
        };
        let raw: RawRates =
            toml::from_str(text).map_err(|e| at(e.span().map_or(0, |s| s.start), e.message().into()))?;
        let mut rules: Vec<RateRule> = Vec::with_capacity(raw.rate.len());
        for r in &raw.rate {
            let span = r.span().start;
            let rule = r.get_ref().validate().map_err(|m| at(span, m))?;
            if let Some(other) =
                rules.iter().find(|o| o.provider == rule.provider && o.model == rule.model && overlap(o, &rule))
            {
                return Err(at(
                    span,
                    format!(
                        "rate `{}` overlaps rate `{}` for {} (give them disjoint from/until)",
                        rule.name,
                        other.name,
                        rule.scope()
                    ),
                ));
            }
            rules.push(rule);
        }
        Ok(NegotiatedRates { rules })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule in force for a call of `provider`/`model` on `date`: the model's own, else the
    /// provider's.
    pub fn rule_for(&self, provider: &str, model: &str, date: NaiveDate) -> Option<&RateRule> {
        self.index_for(provider, model, date).map(|i| &self.rules[i])
    }

    /// The position in [`NegotiatedRates::rules`] of [`NegotiatedRates::rule_for`]'s rule.
    pub fn index_for(&self, provider: &str, model: &str, date: NaiveDate) -> Option<usize> {
        let own = |r: &RateRule| r.provider == provider && r.covers(date);
        let by_model = self.rules.iter().position(|r| own(r) && r.model.as_deref() == Some(model));
        by_model.or_else(|| self.rules.iter().position(|r| own(r) && r.model.is_none()))
    }

    /// Every day on which the rule in force for `provider`/`model` may change.
    pub(crate) fn boundaries(&self, provider: &str, model: &str) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        for r in self.rules.iter().filter(|r| r.provider == provider && r.model.as_deref().is_none_or(|m| m == model)) {
            out.extend(r.from);
            out.extend(r.until.and_then(|u| u.succ_opt()));
        }
        out.sort();
        out.dedup();
        out
    }
}

fn overlap(a: &RateRule, b: &RateRule) -> bool {
    let starts_before_end = |x: &RateRule, y: &RateRule| match (x.from, y.until) {
        (Some(f), Some(u)) => f <= u,
        _ => true,
    };
    starts_before_end(a, b) && starts_before_end(b, a)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRates {
    #[serde(default)]
    rate: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    provider: String,
    model: Option<String>,
    from: Option<String>,
    until: Option<String>,
    discount_pct: Option<f64>,
    input: Option<f64>,
    output: Option<f64>,
    cached_input: Option<f64>,
    cache_write: Option<f64>,
    batch_input: Option<f64>,
    batch_output: Option<f64>,
}

impl RawRule {
    fn validate(&self) -> Result<RateRule, String> {
        let name = &self.name;
        if name.trim().is_empty() || self.provider.trim().is_empty() {
            return Err("a rate needs a name and a provider".into());
        }
        let date = |field: &str, v: &Option<String>| {
            v.as_deref()
                .map(|s| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map_err(|e| format!("rate `{name}`: {field} = {s:?} is not a YYYY-MM-DD date ({e})"))
                })
                .transpose()
        };
        let (from, until) = (date("from", &self.from)?, date("until", &self.until)?);
        if let (Some(f), Some(u)) = (from, until)
            && u < f
        {
            return Err(format!("rate `{name}`: until ({u}) is before from ({f})"));
        }
        let discount_bp = match self.discount_pct {
            None => 0,
            Some(p)
                if p.is_finite() && (0.0..=100.0).contains(&p) && ((p * 100.0).round() - p * 100.0).abs() < 1e-9 =>
            {
                (p * 100.0).round() as u32
            }
            Some(p) => return Err(format!("rate `{name}`: discount_pct = {p} must be 0-100 with at most 2 decimals")),
        };
        let rate = |field: &str, v: Option<f64>| {
            v.map(|v| {
                Rate::from_usd_per_million(v).ok_or_else(|| {
                    format!(
                        "rate `{name}`: {field} = {v}: a price must be >= 0 USD per 1M tokens with at most 6 decimals"
                    )
                })
            })
            .transpose()
        };
        let custom = CustomRates {
            input: rate("input", self.input)?,
            output: rate("output", self.output)?,
            cached_input: rate("cached_input", self.cached_input)?,
            cache_write: rate("cache_write", self.cache_write)?,
            batch_input: rate("batch_input", self.batch_input)?,
            batch_output: rate("batch_output", self.batch_output)?,
        };
        if discount_bp == 0 && !custom.any() {
            return Err(format!("rate `{name}`: give discount_pct or at least one rate (input, output, ...)"));
        }
        if custom.any() && self.model.is_none() {
            return Err(format!("rate `{name}`: custom rates need a model (a provider-wide rate takes discount_pct)"));
        }
        Ok(RateRule {
            name: name.clone(),
            provider: self.provider.clone(),
            model: self.model.clone(),
            from,
            until,
            discount_bp,
            custom,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::{ServiceTier, Usage};
    use crate::pricing::Catalog;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const FILE: &str = r#"
[[rate]]
name = "Anthropic EA"
provider = "anthropic"
discount_pct = 18
from = "2026-08-01"

[[rate]]
name = "gpt-4o commit"
provider = "openai"
model = "gpt-4o"
from = "2026-09-10"
until = "2026-09-19"
input = 2.0
"#;

    #[test]
    fn rules_apply_by_scope_and_date() {
        let r = NegotiatedRates::from_toml_str(FILE, "r.toml").unwrap();
        assert_eq!(r.rule_for("anthropic", "claude-haiku-4-5", d("2026-08-01")).unwrap().discount_bp, 1800);
        assert!(r.rule_for("anthropic", "claude-haiku-4-5", d("2026-07-31")).is_none());
        assert!(r.rule_for("openai", "gpt-4o", d("2026-09-09")).is_none());
        assert_eq!(r.rule_for("openai", "gpt-4o", d("2026-09-19")).unwrap().name, "gpt-4o commit");
        assert!(r.rule_for("openai", "gpt-4o", d("2026-09-20")).is_none());
        assert!(r.rule_for("openai", "gpt-4o-mini", d("2026-09-15")).is_none());
    }

    #[test]
    fn effective_catalog_prices_hand_computed() {
        let r = NegotiatedRates::from_toml_str(FILE, "r.toml").unwrap();
        let list = Catalog::builtin();
        let eff = list.with_negotiated(&r);
        // gpt-4o: 2.50 list, 2.00 committed from 2026-09-10 to 09-19, list again after; output stays 10.
        let u = Usage { input: 1_000_000, output: 100_000, ..Usage::default() };
        let cost =
            |day: &str| eff.price_at("openai", "gpt-4o", d(day)).unwrap().1.cost(&u, ServiceTier::Standard).unwrap();
        assert_eq!(cost("2026-09-09").to_string(), "3.5");
        assert_eq!(cost("2026-09-10").to_string(), "3");
        assert_eq!(cost("2026-09-19").to_string(), "3");
        assert_eq!(cost("2026-09-20").to_string(), "3.5");
        // Sonnet 4.5 long context less 18%: 250k prompt x 6 x 0.82 + 1k x 22.5 x 0.82 = 1.23 + 0.01845.
        let long = Usage { input: 250_000, output: 1_000, ..Usage::default() };
        let (_, row) = eff.price_at("anthropic", "claude-sonnet-4-5", d("2026-09-01")).unwrap();
        assert_eq!(row.cost(&long, ServiceTier::Standard).unwrap().to_string(), "1.24845");
        assert!(row.source.starts_with("negotiated: Anthropic EA"));
        // Before the agreement: list.
        let (_, row) = eff.price_at("anthropic", "claude-sonnet-4-5", d("2026-07-31")).unwrap();
        assert_eq!(row.cost(&long, ServiceTier::Standard).unwrap().to_string(), "1.5225");
    }

    #[test]
    fn bad_files_name_the_line() {
        let overlap = "[[rate]]\nname = \"a\"\nprovider = \"openai\"\ndiscount_pct = 5\n\n[[rate]]\nname = \"b\"\nprovider = \"openai\"\ndiscount_pct = 7\nfrom = \"2026-01-01\"\n";
        let e = NegotiatedRates::from_toml_str(overlap, "r.toml").unwrap_err().to_string();
        assert!(e.starts_with("r.toml:6:") && e.contains("overlaps"), "{e}");
        let nothing = "[[rate]]\nname = \"a\"\nprovider = \"openai\"\n";
        let e = NegotiatedRates::from_toml_str(nothing, "r.toml").unwrap_err().to_string();
        assert!(e.starts_with("r.toml:1:") && e.contains("discount_pct"), "{e}");
        let pct = "[[rate]]\nname = \"a\"\nprovider = \"openai\"\ndiscount_pct = 120\n";
        assert!(NegotiatedRates::from_toml_str(pct, "r.toml").unwrap_err().to_string().contains("0-100"));
        let typo = "[[rate]]\nname = \"a\"\nprovider = \"openai\"\ndiscont_pct = 10\n";
        let e = NegotiatedRates::from_toml_str(typo, "r.toml").unwrap_err().to_string();
        assert!(e.starts_with("r.toml:4:") && e.contains("discont_pct"), "{e}");
        let dates = "[[rate]]\nname = \"a\"\nprovider = \"openai\"\ndiscount_pct = 1\nfrom = \"2026-02-01\"\nuntil = \"2026-01-01\"\n";
        assert!(NegotiatedRates::from_toml_str(dates, "r.toml").unwrap_err().to_string().contains("before"));
    }
}
