//! The typed results of the 13 analyses: the one contract between the analyses that compute them, the
//! JSON files that serialise them (`reports/data/<id>.json`), the report pages, the executive summary
//! and the live viewer. The crate holds no query engine, so everything that only reads results
//! (rendering, its tests) builds in seconds; a renamed or removed field is a compile error in every
//! reader instead of a silent zero on a page.
//!
//! ```
//! use finops_results::{AnalysisId, AnalysisResult, Category};
//!
//! let id: AnalysisId = "churn_growth".parse()?;
//! assert_eq!((id.title(), id.category()), ("Churn & Growth", Category::Advanced));
//! assert_eq!(id.file_name(), "churn_growth.html");
//! // A stored result reads back into its type (here a made-up, empty one).
//! let json = serde_json::to_value(finops_results::pricing::Pricing::default())?;
//! let back = AnalysisResult::from_json(AnalysisId::Pricing, json)?;
//! assert_eq!(back.id(), AnalysisId::Pricing);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
pub mod abuse_detection;
pub mod alignment;
pub mod churn_growth;
pub mod common;
pub mod dataset_overview;
pub mod detection;
pub mod features;
pub mod geographic_latency;
pub mod optimization;
pub mod performance;
pub mod pricing;
pub mod profitability;
pub mod realtime;
pub mod token_economics;
pub mod understanding;

pub use common::{Recommendation, Severity};
pub use finops_core::rules::{AppliedRule, RuleValue};

use serde::{Deserialize, Serialize};

/// Where an analysis sits on the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Core,
    Finops,
    Revenue,
    Advanced,
}

impl Category {
    /// In index order.
    pub const ALL: [Category; 4] = [Category::Core, Category::Finops, Category::Revenue, Category::Advanced];

    /// `core`, `finops`, `revenue` or `advanced`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Core => "core",
            Category::Finops => "finops",
            Category::Revenue => "revenue",
            Category::Advanced => "advanced",
        }
    }

    /// The index heading.
    pub fn title(self) -> &'static str {
        match self {
            Category::Core => "Core",
            Category::Finops => "FinOps",
            Category::Revenue => "Revenue",
            Category::Advanced => "Advanced",
        }
    }
}

/// An id that names no analysis.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown analysis `{0}` (expected one of: {list})", list = AnalysisId::ALL.map(AnalysisId::as_str).join(", "))]
pub struct UnknownAnalysis(pub String);

/// Declares the analyses once: their ids, titles, categories and descriptions, and the result type of
/// each. Adding an analysis is one line here plus its module (the compiler then points at every
/// `match` that needs the new case: the runner, the page layout).
macro_rules! analyses {
    ($($variant:ident($ty:ty) = $id:literal, $title:literal, $category:ident, $description:literal;)+) => {
        /// One of the analyses, in report order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum AnalysisId {
            $(#[serde(rename = $id)] $variant),+
        }

        impl AnalysisId {
            /// Every analysis, in report order.
            pub const ALL: [AnalysisId; [$($id),+].len()] = [$(AnalysisId::$variant),+];

            /// The stable id, also the file name of the JSON result and the page: `understanding`.
            pub fn as_str(self) -> &'static str {
                match self { $(AnalysisId::$variant => $id),+ }
            }

            pub fn title(self) -> &'static str {
                match self { $(AnalysisId::$variant => $title),+ }
            }

            pub fn category(self) -> Category {
                match self { $(AnalysisId::$variant => Category::$category),+ }
            }

            /// One sentence for the index card and `finops analyze --list`.
            pub fn description(self) -> &'static str {
                match self { $(AnalysisId::$variant => $description),+ }
            }
        }

        /// The result of one analysis.
        #[derive(Debug, Clone, PartialEq)]
        pub enum AnalysisResult {
            $($variant($ty)),+
        }

        impl AnalysisResult {
            pub fn id(&self) -> AnalysisId {
                match self { $(AnalysisResult::$variant(_) => AnalysisId::$variant),+ }
            }

            /// The recommendations every analysis ends with.
            pub fn recommendations(&self) -> &[Recommendation] {
                match self { $(AnalysisResult::$variant(r) => &r.recommendations),+ }
            }

            /// The rule values the analysis used.
            pub fn rules_applied(&self) -> &[AppliedRule] {
                match self { $(AnalysisResult::$variant(r) => &r.rules_applied),+ }
            }

            /// The JSON form (the `reports/data/<id>.json` file), with every `-0.0` written as `0.0`:
            /// Rust's float sum of nothing is -0.0, and no report should show "-$0.00". (The pages'
            /// number formats print -0.0 as 0 too, so the typed result need not be rewritten.)
            pub fn to_json(&self) -> serde_json::Result<serde_json::Value> {
                let mut json = match self { $(AnalysisResult::$variant(r) => serde_json::to_value(r)?),+ };
                positive_zeros(&mut json);
                Ok(json)
            }

            /// Reads a result of analysis `id` back from its JSON form.
            pub fn from_json(id: AnalysisId, json: serde_json::Value) -> serde_json::Result<AnalysisResult> {
                Ok(match id { $(AnalysisId::$variant => AnalysisResult::$variant(serde_json::from_value(json)?)),+ })
            }

            /// The same result with every `-0.0` turned into `0.0`, for callers that compare signs: the
            /// JSON form is normalised and read back, so every float field of every result is covered
            /// without a list of fields to keep up to date.
            pub fn without_negative_zeros(self) -> serde_json::Result<AnalysisResult> {
                let id = self.id();
                AnalysisResult::from_json(id, self.to_json()?)
            }
        }

        $(impl From<$ty> for AnalysisResult {
            fn from(r: $ty) -> AnalysisResult {
                AnalysisResult::$variant(r)
            }
        })+
    };
}

analyses! {
    DatasetOverview(dataset_overview::DatasetOverview) = "dataset_overview", "Dataset Overview", Core,
        "What the data holds: files, volume, period, distributions and data quality.";
    Understanding(understanding::Understanding) = "understanding", "Understanding Usage & Cost", Core,
        "Cost allocation by provider, model, customer, feature and organization; daily trend and 30-day forecast.";
    Performance(performance::Performance) = "performance", "Performance Tracking", Core,
        "Latency percentiles, time to first token, throughput, SLA compliance and the best model per task.";
    Realtime(realtime::Realtime) = "realtime", "Real-Time Decision Making", Finops,
        "Cost anomalies against each organization's, model's and feature's own baseline; budget risk; error spikes.";
    Optimization(optimization::Optimization) = "optimization", "Rate Optimization", Finops,
        "Savings from a cheaper model of the same class, prompt caching and the batch API, alone and combined on the same calls; commitment what-ifs.";
    Alignment(alignment::Alignment) = "alignment", "Organizational Alignment", Finops,
        "Cost by organization, product and feature; chargeback and showback; efficiency gaps between tenants.";
    Profitability(profitability::Profitability) = "profitability", "Customer Profitability", Revenue,
        "Plan revenue prorated to the period against AI cost, per customer and tier.";
    Pricing(pricing::Pricing) = "pricing", "Pricing Strategy", Revenue,
        "Flat plans against tiered-with-overage, pure usage and hybrid pricing, replayed on actual usage.";
    Features(features::Features) = "features", "Feature Economics", Revenue,
        "Cost, adoption and growth per feature; investment quadrants; bundles; launches with their adoption curve.";
    TokenEconomics(token_economics::TokenEconomics) = "token_economics", "Token Economics", Advanced,
        "Input, cached, output and reasoning tokens; input/output balance; wasteful call patterns.";
    GeographicLatency(geographic_latency::Geographic) = "geographic_latency", "Geographic & Latency", Advanced,
        "Load and latency by region, region x model latency, each region's busiest UTC hour, fastest region per model.";
    ChurnGrowth(churn_growth::ChurnGrowth) = "churn_growth", "Churn & Growth", Advanced,
        "New, growing, declining and churned customers; expansion candidates; plan mismatches; cohorts and retention.";
    AbuseDetection(abuse_detection::Abuse) = "abuse_detection", "Abuse Detection", Advanced,
        "Usage spikes, minute bursts, rate-limit hammering, cost spikes, night-time automation and plan abuse per customer.";
}

impl AnalysisId {
    /// The report page: `understanding.html`.
    pub fn file_name(self) -> String {
        format!("{}.html", self.as_str())
    }

    /// The JSON result: `understanding.json`.
    pub fn json_name(self) -> String {
        format!("{}.json", self.as_str())
    }
}

impl std::fmt::Display for AnalysisId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AnalysisId {
    type Err = UnknownAnalysis;
    fn from_str(s: &str) -> Result<AnalysisId, UnknownAnalysis> {
        AnalysisId::ALL.into_iter().find(|a| a.as_str() == s).ok_or_else(|| UnknownAnalysis(s.to_string()))
    }
}

impl Serialize for AnalysisResult {
    /// As the analysis's own result type: the JSON files carry no wrapper.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().map_err(serde::ser::Error::custom)?.serialize(s)
    }
}

fn positive_zeros(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() && n.as_f64() == Some(0.0) => *v = serde_json::Value::from(0.0),
        serde_json::Value::Array(items) => items.iter_mut().for_each(positive_zeros),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(positive_zeros),
        _ => {}
    }
}

/// Declares a closed set of labels a result uses (a risk level, a margin band): serialised as the
/// snake-case text the JSON always had, matched as an enum by the pages.
macro_rules! labels {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            /// Every label, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Position in [`Self::ALL`].
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use labels;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_defined_once_and_parse_back() {
        assert_eq!(AnalysisId::ALL.len(), 13);
        for id in AnalysisId::ALL {
            assert_eq!(id.as_str().parse::<AnalysisId>().unwrap(), id);
            assert_eq!(serde_json::to_value(id).unwrap(), id.as_str());
            assert!(!id.title().is_empty() && id.description().ends_with('.'));
        }
        let e = "pricin".parse::<AnalysisId>().unwrap_err().to_string();
        assert!(e.starts_with("unknown analysis `pricin` (expected one of: dataset_overview, understanding"), "{e}");
    }

    #[test]
    fn negative_zeros_become_positive() {
        let r = pricing::Pricing {
            current: pricing::ModelResult { margin_usd: -0.0, ..pricing::ModelResult::default() },
            ..pricing::Pricing::default()
        };
        let fixed = AnalysisResult::from(r).without_negative_zeros().unwrap();
        let AnalysisResult::Pricing(p) = &fixed else { panic!("{fixed:?}") };
        assert!(p.current.margin_usd.is_sign_positive());
        assert_eq!(fixed.to_json().unwrap()["current"]["margin_usd"].to_string(), "0.0");
    }
}
