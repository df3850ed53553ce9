//! Budgets: how much a scope (everything, an organization, a product, a provider or a model) may cost
//! in a month or a custom period, and the shares of it at which someone wants to hear (`--budgets
//! FILE`). The Real-Time report shows each budget's burn, period-end forecast, projected exceed date
//! and the thresholds that fired.
//!
//! ```
//! use finops_core::budgets::{Budgets, Scope};
//! let b = Budgets::from_toml_str(r#"
//! [[budget]]
//! name = "AI spend"
//! amount_usd = 12000
//!
//! [[budget]]
//! name = "Anthropic, launch window"
//! scope = "provider"
//! value = "anthropic"
//! amount_usd = 2500
//! start = "2026-09-01"
//! end = "2026-09-14"
//! thresholds_pct = [50, 90, 100]
//! "#, "budgets.toml")?;
//! assert_eq!(b.budgets[0].scope, Scope::Total);
//! assert_eq!(b.budgets[0].thresholds_pct, vec![50.0, 80.0, 100.0]);
//! assert!(b.budgets[1].start.is_some());
//! # Ok::<(), finops_core::budgets::BudgetsError>(())
//! ```
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A budgets file that could not be used.
#[derive(Debug, Error)]
pub enum BudgetsError {
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file}:{line}:{column}: {message}")]
    Invalid { file: String, line: usize, column: usize, message: String },
}

/// What a budget covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// All calls.
    #[default]
    Total,
    /// One `organization_id`.
    Organization,
    /// One `product_id`.
    Product,
    /// One `provider`.
    Provider,
    /// One model, as `provider/model` or just `model` (every provider serving it).
    Model,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Total => "total",
            Scope::Organization => "organization",
            Scope::Product => "product",
            Scope::Provider => "provider",
            Scope::Model => "model",
        }
    }
}

/// One budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    pub name: String,
    #[serde(default)]
    pub scope: Scope,
    /// The organization, product, provider or model; required unless the scope is `total`.
    #[serde(default)]
    pub value: Option<String>,
    pub amount_usd: f64,
    /// A custom period (both dates inclusive, UTC). Without them the budget is monthly: the calendar
    /// month of the data's last call.
    #[serde(default)]
    pub start: Option<NaiveDate>,
    #[serde(default)]
    pub end: Option<NaiveDate>,
    /// Shares of the amount that fire an alert, each once per period.
    #[serde(default = "default_thresholds")]
    pub thresholds_pct: Vec<f64>,
}

fn default_thresholds() -> Vec<f64> {
    vec![50.0, 80.0, 100.0]
}

/// The budgets of a file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budgets {
    #[serde(default, rename = "budget")]
    pub budgets: Vec<Budget>,
    /// The file they came from.
    #[serde(skip)]
    pub source: String,
}

impl Budgets {
    /// Reads and checks a budgets file.
    pub fn from_path(path: &Path) -> Result<Budgets, BudgetsError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| BudgetsError::Io { file: file.clone(), source })?;
        Budgets::from_toml_str(&text, &file)
    }

    /// Parses and checks budgets; `file` names the source in errors.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Budgets, BudgetsError> {
        let at = |offset: usize, message: String| {
            let (line, column) = crate::pricing::line_col(text, offset);
            BudgetsError::Invalid { file: file.to_string(), line, column, message }
        };
        let mut b: Budgets =
            toml::from_str(text).map_err(|e| at(e.span().map_or(0, |s| s.start), e.message().into()))?;
        // Positions of each [[budget]] header, to point at the one a check rejects.
        let headers: Vec<usize> = text.match_indices("[[budget]]").map(|(i, _)| i).collect();
        for (i, budget) in b.budgets.iter_mut().enumerate() {
            let here = |m: String| at(headers.get(i).copied().unwrap_or(0), format!("budget `{}`: {m}", budget.name));
            if !(budget.amount_usd.is_finite() && budget.amount_usd > 0.0) {
                return Err(here(format!("amount_usd must be a positive number, not {}", budget.amount_usd)));
            }
            match (budget.scope, &budget.value) {
                (Scope::Total, Some(v)) => {
                    return Err(here(format!("scope `total` takes no value (got `{v}`); set scope to what `{v}` is")));
                }
                (s, None) if s != Scope::Total => {
                    return Err(here(format!("scope `{}` needs a value: which {}", s.as_str(), s.as_str())));
                }
                _ => {}
            }
            match (budget.start, budget.end) {
                (Some(s), Some(e)) if s > e => return Err(here(format!("start {s} is after end {e}"))),
                (Some(_), None) | (None, Some(_)) => {
                    return Err(here("a custom period needs both start and end (or neither, for monthly)".into()));
                }
                _ => {}
            }
            if budget.thresholds_pct.is_empty() {
                return Err(here("thresholds_pct is empty: give at least one share, such as [80, 100]".into()));
            }
            if let Some(t) = budget.thresholds_pct.iter().find(|t| !(t.is_finite() && **t > 0.0 && **t <= 1000.0)) {
                return Err(here(format!("threshold {t}% is not between 0 and 1000")));
            }
            budget.thresholds_pct.sort_by(f64::total_cmp);
            budget.thresholds_pct.dedup();
        }
        b.source = file.to_string();
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_reads() {
        let b = Budgets::from_toml_str(include_str!("../../../examples/budgets.toml"), "examples/budgets.toml")
            .expect("the example is valid");
        assert_eq!(b.budgets.len(), 4);
        assert_eq!(b.budgets[3].scope, Scope::Model);
    }

    #[test]
    fn mistakes_name_the_budget_and_line() {
        let bad = |text: &str| Budgets::from_toml_str(text, "b.toml").expect_err("invalid").to_string();
        let e = bad("[[budget]]\nname = \"x\"\namount_usd = 10\n\n[[budget]]\nname = \"y\"\namount_usd = -1\n");
        assert!(e.starts_with("b.toml:5:1: budget `y`: amount_usd must be a positive"), "{e}");
        let e = bad("[[budget]]\nname = \"x\"\nscope = \"provider\"\namount_usd = 10\n");
        assert!(e.contains("needs a value"), "{e}");
        let e = bad("[[budget]]\nname = \"x\"\nscope = \"team\"\namount_usd = 10\n");
        assert!(e.starts_with("b.toml:3:"), "{e}");
        let e = bad("[[budget]]\nname = \"x\"\namount_usd = 10\nstart = \"2026-09-10\"\nend = \"2026-09-01\"\n");
        assert!(e.contains("after end"), "{e}");
        let e = bad("[[budget]]\nname = \"x\"\namount = 10\n");
        assert!(e.contains("unknown field `amount`"), "{e}");
    }
}
