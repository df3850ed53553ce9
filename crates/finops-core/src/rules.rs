//! The rules behind every finding: each threshold that decides an anomaly, a spike, churn, a saving or
//! a plan mismatch, as data. The built-in `rules/rules.toml` gives every rule its value, unit, bounds
//! and one line on why; a user file (`--rules FILE`) overrides values on top of it. Analyses read the
//! typed sections (`rules.abuse_detection.spike_ratio`), and each report lists the values it used
//! ([`Rules::applied`]).
//!
//! ```
//! use finops_core::rules::Rules;
//! let rules = Rules::from_toml_str("[abuse_detection]\nspike_ratio = 5\n", "my.toml")?;
//! assert_eq!(rules.abuse_detection.spike_ratio, 5.0);
//! assert_eq!(rules.abuse_detection.burst_calls_per_minute, 30); // the built-in value
//! let applied = rules.applied("abuse_detection");
//! assert_eq!(applied[0].name, "spike_ratio");
//! assert_eq!(applied[0].source, "my.toml");
//! # Ok::<(), finops_core::rules::RulesError>(())
//! ```
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use toml::Spanned;

/// The rules compiled into the binary.
pub const BUILTIN_RULES_TOML: &str = include_str!("../rules/rules.toml");
const BUILTIN_NAME: &str = "built-in rules.toml";
/// How [`AppliedRule::source`] names a value that no user file changed.
pub const BUILTIN_SOURCE: &str = "built-in";

/// A rules file that could not be used.
#[derive(Debug, Error)]
pub enum RulesError {
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file}:{line}:{column}: {message}")]
    Invalid { file: String, line: usize, column: usize, message: String },
}

/// A rule's value as the rules file gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RuleValue {
    Integer(i64),
    Number(f64),
    Text(String),
    Numbers(Vec<f64>),
    Texts(Vec<String>),
}

impl fmt::Display for RuleValue {
    /// `30`, `1,024`, `0.25`, `summarize, extract`, `1,000, 5,000, 10,000`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn number(x: f64) -> String {
            if x.fract() == 0.0 && x.abs() < 1e15 { crate::units::thousands_signed(x as i64) } else { format!("{x}") }
        }
        match self {
            RuleValue::Integer(n) => f.write_str(&crate::units::thousands_signed(*n)),
            RuleValue::Number(x) => f.write_str(&number(*x)),
            RuleValue::Text(s) => f.write_str(s),
            RuleValue::Numbers(v) => f.write_str(&v.iter().map(|x| number(*x)).collect::<Vec<_>>().join(", ")),
            RuleValue::Texts(v) => f.write_str(&v.join(", ")),
        }
    }
}

/// One rule as a report shows it: which value decided the finding, in what unit, why, and where the
/// value came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedRule {
    pub name: String,
    pub value: RuleValue,
    pub unit: String,
    pub why: String,
    /// `built-in`, or the rules file that set the value.
    pub source: String,
}

/// One rule of the catalog, with its bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleEntry {
    pub section: String,
    pub name: String,
    pub value: RuleValue,
    /// The built-in value.
    pub default: RuleValue,
    pub unit: String,
    pub why: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub source: String,
}

/// Every rule: the typed sections the analyses read, and the catalog the reports and `finops rules` show.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub dataset_overview: DatasetOverview,
    pub understanding: Understanding,
    pub performance: Performance,
    pub realtime: Realtime,
    pub optimization: Optimization,
    pub alignment: Alignment,
    pub profitability: Profitability,
    pub pricing: Pricing,
    pub features: Features,
    pub token_economics: TokenEconomics,
    pub geographic_latency: GeographicLatency,
    pub churn_growth: ChurnGrowth,
    pub abuse_detection: AbuseDetection,
    /// Budgets to track (`--budgets FILE`); none by default.
    #[serde(skip)]
    pub budgets: crate::budgets::Budgets,
    #[serde(skip)]
    entries: Vec<RuleEntry>,
}

/// Declares a section's typed rules; each field's doc is in `rules/rules.toml` (its `why`).
macro_rules! section {
    ($(#[$meta:meta])* $name:ident { $($field:ident: $ty:ty),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(missing_docs)]
        pub struct $name { $(pub $field: $ty),+ }
    };
}

section!(
    /// Dataset Overview.
    DatasetOverview {
        provider_share_pct: f64,
        region_spread_points: f64,
        cost_per_call_usd: f64,
        feature_share_pct: f64,
        min_success_pct: f64,
    }
);
section!(
    /// Understanding Usage & Cost.
    Understanding {
        efficiency_min_calls: u64,
        provider_cost_share_pct: f64,
        efficiency_spread_ratio: f64,
        top_customers: u64,
        top_customers_share_pct: f64,
        week_over_week_pct: f64,
        forecast_level_min_days: u64,
        forecast_weekday_min_days: u64,
        forecast_mstl_min_days: u64,
        forecast_outlier_mads: f64,
        forecast_partial_min_share_pct: f64,
        forecast_interval_pct: f64,
        forecast_backtest_horizon_days: u64,
        forecast_groups: u64,
    }
);
section!(
    /// Performance Tracking.
    Performance {
        sla_ttft_ms: f64,
        sla_target_pct: f64,
        min_calls: u64,
        efficiency_gap_ratio: f64,
        slow_call_ms: f64,
        slow_share_pct: f64,
        error_min_calls: u64,
        error_rate_pct: f64,
    }
);
section!(
    /// Real-Time Decision Making.
    Realtime {
        incident_bin_minutes: u64,
        incident_baseline_hours: u64,
        incident_baseline_gap_hours: u64,
        incident_adapt_hours: u64,
        incident_z: f64,
        incident_min_ratio: f64,
        incident_merge_gap_minutes: u64,
        incident_min_excess_calls: u64,
        incident_runaway_share_pct: f64,
        incident_min_spread_excess_calls: u64,
        incident_critical_usd: f64,
        incident_warning_usd: f64,
        model_shift_window_share: f64,
        model_shift_min_pct: f64,
        model_shift_p: f64,
        model_shift_dispersion: f64,
        model_shift_min_calls: u64,
        model_shift_min_price_pct: f64,
        risk_medium_pct: f64,
        risk_high_pct: f64,
        risk_critical_pct: f64,
        error_spike_min_calls: u64,
        error_spike_rate_pct: f64,
        daily_alert_ratio: f64,
        hhi_high: f64,
        health_min_pct: f64,
    }
);
section!(
    /// Rate Optimization.
    Optimization {
        sibling_max_price_share: f64,
        blend_input_weight: f64,
        batch_features: Vec<String>,
        batch_environments: Vec<String>,
        cache_min_prompt_tokens: u64,
        cacheable_share: f64,
        cache_ttl_minutes: u64,
        commit_discount: f64,
        commit_min_days: u64,
        commit_percentile: f64,
        volume_tiers_usd: Vec<f64>,
        volume_discounts_pct: Vec<f64>,
        switch_min_share_pct: f64,
        batch_min_share_pct: f64,
        caching_min_share_pct: f64,
        volume_tier_close_pct: f64,
    }
);
section!(
    /// Organizational Alignment.
    Alignment {
        efficiency_min_calls: u64,
        gap_significant_ratio: f64,
        gap_moderate_ratio: f64,
        org_share_pct: f64,
        niche_adoption_pct: f64,
        niche_cost_share_pct: f64,
    }
);
section!(
    /// Customer Profitability.
    Profitability {
        high_margin_pct: f64,
        medium_margin_pct: f64,
        thin_tier_margin_pct: f64,
        low_margin_share_pct: f64,
        target_margin_pct: f64,
    }
);
section!(
    /// Pricing Strategy.
    Pricing {
        allowance_tokens_per_usd: f64,
        overage_usd_per_1k: f64,
        usage_usd_per_1k: f64,
        hybrid_plan_share: f64,
        hybrid_cost_multiple: f64,
        light_max_cost_share: f64,
        heavy_min_cost_share: f64,
        better_model_points: f64,
        heavy_margin_pct: f64,
        light_margin_pct: f64,
        hybrid_margin_ratio: f64,
    }
);
section!(
    /// Feature Economics.
    Features {
        quadrant_adoption_pct: f64,
        adoption_high_pct: f64,
        adoption_medium_pct: f64,
        growth_window_share: f64,
        bundle_min_pct: f64,
        launch_after_share: f64,
        top_features: u64,
        top_features_share_pct: f64,
    }
);
section!(
    /// Token Economics.
    TokenEconomics {
        ranking_min_calls: u64,
        min_calls: u64,
        score_price_weight: f64,
        score_balance_penalty: f64,
        balanced_min_ratio: f64,
        balanced_max_ratio: f64,
        excessive_input_ratio: f64,
        excessive_input_min_tokens: u64,
        simple_task_features: Vec<String>,
        simple_task_max_usd: f64,
        low_output_min_total_tokens: u64,
        low_output_max_output_tokens: u64,
        input_heavy_ratio: f64,
        wasteful_min_share_pct: f64,
        reasoning_share_pct: f64,
        price_spread_ratio: f64,
    }
);
section!(
    /// Geographic & Latency.
    GeographicLatency {
        heatmap_min_calls: u64,
        routing_min_calls: u64,
        imbalance_balance_pct: f64,
        slow_region_ratio: f64,
        slow_region_min_calls: u64,
        routing_gain_pct: f64,
    }
);
section!(
    /// Churn & Growth.
    ChurnGrowth {
        churn_min_expected_hours: f64,
        churn_min_calls: u64,
        new_min_expected_hours: f64,
        trend_min_calls: u64,
        trend_change_pct: f64,
        trend_z: f64,
        trend_dispersion: f64,
        retention_window_share: f64,
        expansion_cost_share_pct: f64,
        oversubscribed_max_calls_per_day: f64,
        undersubscribed_min_calls_per_day: f64,
        engagement_calls_per_day: f64,
        engagement_features: f64,
        engagement_monthly_usd: f64,
        engagement_high: f64,
        engagement_medium: f64,
    }
);
section!(
    /// Abuse Detection.
    AbuseDetection {
        spike_ratio: f64,
        spike_min_calls: u64,
        burst_calls_per_minute: u64,
        hammering_min_rate_limited: u64,
        hammering_share_pct: f64,
        cost_spike_ratio: f64,
        cost_spike_min_usd: f64,
        cost_spike_min_days: u64,
        night_start_hour: u64,
        night_end_hour: u64,
        night_min_calls: u64,
        night_share_pct: f64,
        plan_abuse_tiers: Vec<String>,
        plan_abuse_ratio: f64,
        peer_factor: f64,
        peer_min_group: u64,
        peer_fast_latency_ms: f64,
        peer_flag_score: f64,
    }
);

/// A rule as the built-in file declares it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BuiltinRule {
    value: toml::Value,
    unit: String,
    why: String,
    min: Option<f64>,
    max: Option<f64>,
}

/// A user file: sections of rules, each a plain value or `{ value = ..., why = "..." }`.
type UserFile = BTreeMap<Spanned<String>, Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>>;

impl Rules {
    /// The built-in rules (parsed once per process). They are validated by the test suite, so this
    /// cannot fail at run time.
    pub fn builtin() -> Rules {
        static BUILTIN: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| Rules::from_toml_str("", BUILTIN_SOURCE).expect("built-in rules are valid")).clone()
    }

    /// The built-in rules with the overrides of a user file.
    pub fn from_path(path: &Path) -> Result<Rules, RulesError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Io { file: file.clone(), source })?;
        Rules::from_toml_str(&text, &file)
    }

    /// The built-in rules with the overrides in `text`; `file` names it in errors and in
    /// [`AppliedRule::source`].
    pub fn from_toml_str(text: &str, file: &str) -> Result<Rules, RulesError> {
        let mut entries = builtin_entries()?;
        let at = |offset: usize, message: String| {
            let (line, column) = crate::pricing::line_col(text, offset);
            RulesError::Invalid { file: file.to_string(), line, column, message }
        };
        let user: UserFile =
            toml::from_str(text).map_err(|e| at(e.span().map_or(0, |s| s.start), e.message().into()))?;
        // Where each overridden rule was set, for errors found once all values are known.
        let mut spans: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (section, rules) in &user {
            let (section_span, section) = (section.span(), section.get_ref().as_str());
            if !entries.iter().any(|e| e.section == section) {
                let known: Vec<&str> = sections(&entries);
                return Err(at(
                    section_span.start,
                    format!("unknown analysis `{section}` (the rules are grouped by: {})", known.join(", ")),
                ));
            }
            for (name, value) in rules.get_ref() {
                let (name_span, name) = (name.span(), name.get_ref().as_str());
                let Some(entry) = entries.iter_mut().find(|e| e.section == section && e.name == name) else {
                    return Err(at(
                        name_span.start,
                        format!("unknown rule `{name}` in [{section}]{}", suggestion(name, &entries, section)),
                    ));
                };
                let user = user_value(value.get_ref()).map_err(|m| at(value.span().start, m))?;
                check_fixed(entry, &user.fixed).map_err(|m| at(value.span().start, m))?;
                entry.value = convert(&user.value, &entry.default)
                    .map_err(|m| at(value.span().start, format!("{}.{}: {m}", entry.section, entry.name)))?;
                bounds(entry).map_err(|m| at(value.span().start, m))?;
                if let Some(why) = user.why.filter(|w| *w != entry.why) {
                    entry.why = why;
                    entry.source = file.to_string();
                }
                if entry.value != entry.default {
                    entry.source = file.to_string();
                }
                spans.insert((entry.section.clone(), entry.name.clone()), value.span().start);
            }
        }
        let mut rules = typed(&entries).map_err(|m| at(0, m))?;
        rules.entries = entries;
        if let Err(v) = rules.check() {
            let set_here = |rule: &&str| spans.get(&(v.section.to_string(), rule.to_string())).copied();
            return Err(at(v.rules.iter().find_map(set_here).unwrap_or(0), v.message));
        }
        Ok(rules)
    }

    /// The rules of one analysis (`abuse_detection`), in file order, with the values in force.
    pub fn applied(&self, section: &str) -> Vec<AppliedRule> {
        self.entries
            .iter()
            .filter(|e| e.section == section)
            .map(|e| AppliedRule {
                name: e.name.clone(),
                value: e.value.clone(),
                unit: e.unit.clone(),
                why: e.why.clone(),
                source: e.source.clone(),
            })
            .collect()
    }

    /// Every rule, grouped by analysis in file order.
    pub fn entries(&self) -> &[RuleEntry] {
        &self.entries
    }

    /// Relations between rules that single bounds cannot express.
    fn check(&self) -> Result<(), Violation> {
        let (r, p, pr) = (&self.realtime, &self.profitability, &self.pricing);
        order("realtime", ("risk_medium_pct", r.risk_medium_pct), ("risk_high_pct", r.risk_high_pct), false)?;
        order("realtime", ("risk_high_pct", r.risk_high_pct), ("risk_critical_pct", r.risk_critical_pct), false)?;
        order(
            "profitability",
            ("medium_margin_pct", p.medium_margin_pct),
            ("high_margin_pct", p.high_margin_pct),
            false,
        )?;
        // Equal bounds leave no medium segment, which is allowed.
        let (light, heavy) = (pr.light_max_cost_share, pr.heavy_min_cost_share);
        order("pricing", ("light_max_cost_share", light), ("heavy_min_cost_share", heavy), true)?;
        let f = &self.features;
        order(
            "features",
            ("adoption_medium_pct", f.adoption_medium_pct),
            ("adoption_high_pct", f.adoption_high_pct),
            false,
        )?;
        let t = &self.token_economics;
        let (lo, hi) = (t.balanced_min_ratio, t.balanced_max_ratio);
        order("token_economics", ("balanced_min_ratio", lo), ("balanced_max_ratio", hi), false)?;
        let c = &self.churn_growth;
        order(
            "churn_growth",
            ("engagement_medium", c.engagement_medium),
            ("engagement_high", c.engagement_high),
            false,
        )?;
        let a = &self.alignment;
        let (moderate, significant) = (a.gap_moderate_ratio, a.gap_significant_ratio);
        order("alignment", ("gap_moderate_ratio", moderate), ("gap_significant_ratio", significant), true)?;
        let o = &self.optimization;
        if o.volume_tiers_usd.len() != o.volume_discounts_pct.len() {
            return Err(Violation {
                section: "optimization",
                rules: ["volume_discounts_pct", "volume_tiers_usd"],
                message: format!(
                    "optimization.volume_discounts_pct has {} values for {} volume_tiers_usd",
                    o.volume_discounts_pct.len(),
                    o.volume_tiers_usd.len()
                ),
            });
        }
        if o.volume_tiers_usd.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Violation {
                section: "optimization",
                rules: ["volume_tiers_usd", "volume_tiers_usd"],
                message: "optimization.volume_tiers_usd must be ascending".into(),
            });
        }
        let b = &self.abuse_detection;
        if b.night_start_hour == b.night_end_hour {
            return Err(Violation {
                section: "abuse_detection",
                rules: ["night_end_hour", "night_start_hour"],
                message: "abuse_detection.night_end_hour equals night_start_hour: the night would be empty".into(),
            });
        }
        Ok(())
    }

    /// The rules as a Markdown table per analysis (the README's rule reference).
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for section in sections(&self.entries) {
            out.push_str(&format!("\n#### `[{section}]`\n\n| rule | default | unit | why |\n|---|---|---|---|\n"));
            for e in self.entries.iter().filter(|e| e.section == section) {
                out.push_str(&format!(
                    "| `{}` | {} | {} | {} |\n",
                    e.name,
                    e.default,
                    e.unit,
                    e.why.replace('|', "\\|")
                ));
            }
        }
        out
    }
}

impl Default for Rules {
    /// The built-in rules.
    fn default() -> Rules {
        Rules::builtin()
    }
}

/// Two or more rules that contradict each other.
struct Violation {
    section: &'static str,
    /// The rules involved; an error points at the first the user's file set.
    rules: [&'static str; 2],
    message: String,
}

/// `lo` must be below `hi` (or equal, with `equal_ok`).
fn order(
    section: &'static str,
    lo: (&'static str, f64),
    hi: (&'static str, f64),
    equal_ok: bool,
) -> Result<(), Violation> {
    if lo.1 < hi.1 || (lo.1 == hi.1 && equal_ok) {
        return Ok(());
    }
    let relation = if equal_ok { "must not exceed" } else { "must be below" };
    Err(Violation {
        section,
        rules: [hi.0, lo.0],
        message: format!("{section}.{} ({}) {relation} {section}.{} ({})", lo.0, lo.1, hi.0, hi.1),
    })
}

/// Section names in file order.
fn sections(entries: &[RuleEntry]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for e in entries {
        if !out.contains(&e.section.as_str()) {
            out.push(&e.section);
        }
    }
    out
}

/// " (did you mean `x`?)" for a misspelt rule name, from the rules of the same section.
fn suggestion(name: &str, entries: &[RuleEntry], section: &str) -> String {
    let close = entries
        .iter()
        .filter(|e| e.section == section)
        .map(|e| (edit_distance(name, &e.name), &e.name))
        .filter(|(d, _)| *d <= 3)
        .min();
    close.map(|(_, n)| format!(" (did you mean `{n}`?)")).unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The built-in rules in file order.
fn builtin_entries() -> Result<Vec<RuleEntry>, RulesError> {
    let at = |offset: usize, message: String| {
        let (line, column) = crate::pricing::line_col(BUILTIN_RULES_TOML, offset);
        RulesError::Invalid { file: BUILTIN_NAME.into(), line, column, message }
    };
    let table: toml::Table =
        toml::from_str(BUILTIN_RULES_TOML).map_err(|e| at(e.span().map_or(0, |s| s.start), e.message().into()))?;
    let mut entries = Vec::new();
    for (section, rules) in &table {
        let rules = rules.as_table().ok_or_else(|| at(0, format!("`{section}` is not a table of rules")))?;
        for (name, rule) in rules {
            let rule: BuiltinRule = rule
                .clone()
                .try_into()
                .map_err(|e: toml::de::Error| at(0, format!("{section}.{name}: {}", e.message())))?;
            let value = rule_value(&rule.value).map_err(|m| at(0, format!("{section}.{name}: {m}")))?;
            let entry = RuleEntry {
                section: section.clone(),
                name: name.clone(),
                default: value.clone(),
                value,
                unit: rule.unit,
                why: rule.why,
                min: rule.min,
                max: rule.max,
                source: BUILTIN_SOURCE.into(),
            };
            bounds(&entry).map_err(|m| at(0, m))?;
            entries.push(entry);
        }
    }
    Ok(entries)
}

/// A TOML value as a rule value: integers, numbers, text, and lists of numbers or of text.
fn rule_value(v: &toml::Value) -> Result<RuleValue, String> {
    Ok(match v {
        toml::Value::Integer(n) => RuleValue::Integer(*n),
        toml::Value::Float(x) => RuleValue::Number(*x),
        toml::Value::String(s) => RuleValue::Text(s.clone()),
        toml::Value::Array(items) if items.iter().all(toml::Value::is_str) => {
            RuleValue::Texts(items.iter().filter_map(|i| i.as_str().map(String::from)).collect())
        }
        toml::Value::Array(items) if items.iter().all(|i| i.is_integer() || i.is_float()) => RuleValue::Numbers(
            items.iter().filter_map(|i| i.as_float().or_else(|| i.as_integer().map(|n| n as f64))).collect(),
        ),
        toml::Value::Array(_) => return Err("a list must hold only numbers or only text".into()),
        other => return Err(format!("a rule cannot be a {}", other.type_str())),
    })
}

/// A user's entry: the value and, if given, the reason and the fixed fields (which must repeat the
/// built-in ones, so that `finops rules --toml` output can be edited and given back).
struct UserRule {
    value: RuleValue,
    why: Option<String>,
    fixed: Vec<(&'static str, toml::Value)>,
}

fn user_value(v: &toml::Value) -> Result<UserRule, String> {
    match v {
        toml::Value::Table(t) => {
            if let Some(k) = t.keys().find(|k| !matches!(k.as_str(), "value" | "why" | "unit" | "min" | "max")) {
                return Err(format!("unknown key `{k}` in a rule (a rule has `value` and may have `why`)"));
            }
            let value = t.get("value").ok_or("a rule given as a table needs a `value`")?;
            let why = match t.get("why") {
                Some(toml::Value::String(s)) => Some(s.clone()),
                Some(_) => return Err("`why` must be text".into()),
                None => None,
            };
            let fixed = ["unit", "min", "max"].into_iter().filter_map(|k| t.get(k).map(|v| (k, v.clone()))).collect();
            Ok(UserRule { value: rule_value(value)?, why, fixed })
        }
        other => Ok(UserRule { value: rule_value(other)?, why: None, fixed: Vec::new() }),
    }
}

/// Checks that a user's `unit`, `min` or `max` repeats the built-in one.
fn check_fixed(entry: &RuleEntry, fixed: &[(&'static str, toml::Value)]) -> Result<(), String> {
    for (k, v) in fixed {
        let same = match *k {
            "unit" => v.as_str() == Some(entry.unit.as_str()),
            "min" => number(v) == entry.min,
            _ => number(v) == entry.max,
        };
        if !same {
            return Err(format!(
                "`{k}` of {}.{} is fixed; only `value` and `why` can be changed",
                entry.section, entry.name
            ));
        }
    }
    Ok(())
}

fn number(v: &toml::Value) -> Option<f64> {
    v.as_float().or_else(|| v.as_integer().map(|n| n as f64))
}

/// `new` in the type of the built-in value (an integer where a number is expected is fine).
fn convert(new: &RuleValue, default: &RuleValue) -> Result<RuleValue, String> {
    use RuleValue::*;
    Ok(match (default, new) {
        (Integer(_), Integer(n)) => Integer(*n),
        (Integer(_), Number(x)) => return Err(format!("expected a whole number, found {x}")),
        (Number(_), Integer(n)) => Number(*n as f64),
        (Number(_), Number(x)) => Number(*x),
        (Numbers(_), Numbers(v)) => Numbers(v.clone()),
        (Texts(_), Texts(v)) => Texts(v.clone()),
        // An empty list parses as text; it is an empty list of either kind.
        (Numbers(_), Texts(v)) if v.is_empty() => Numbers(Vec::new()),
        (Texts(_), Numbers(v)) if v.is_empty() => Texts(Vec::new()),
        (Text(_), Text(s)) => Text(s.clone()),
        (want, _) => {
            let kind = match want {
                Integer(_) => "a whole number",
                Number(_) => "a number",
                Text(_) => "text",
                Numbers(_) => "a list of numbers",
                Texts(_) => "a list of text values",
            };
            return Err(format!("expected {kind}, found {new:?}"));
        }
    })
}

/// Checks an entry's value against its bounds.
fn bounds(e: &RuleEntry) -> Result<(), String> {
    let values: Vec<f64> = match &e.value {
        RuleValue::Integer(n) => vec![*n as f64],
        RuleValue::Number(x) => vec![*x],
        RuleValue::Numbers(v) => v.clone(),
        _ => Vec::new(),
    };
    for x in values {
        if !x.is_finite() {
            return Err(format!("{}.{} must be a finite number", e.section, e.name));
        }
        if let Some(min) = e.min.filter(|m| x < *m) {
            return Err(format!("{}.{} must be at least {min} {} (found {x})", e.section, e.name, e.unit));
        }
        if let Some(max) = e.max.filter(|m| x > *m) {
            return Err(format!("{}.{} must be at most {max} {} (found {x})", e.section, e.name, e.unit));
        }
    }
    Ok(())
}

/// The typed sections from the entries' values.
fn typed(entries: &[RuleEntry]) -> Result<Rules, String> {
    let mut table = toml::Table::new();
    for e in entries {
        let section = table.entry(e.section.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let value = match &e.value {
            RuleValue::Integer(n) => toml::Value::Integer(*n),
            RuleValue::Number(x) => toml::Value::Float(*x),
            RuleValue::Text(s) => toml::Value::String(s.clone()),
            RuleValue::Numbers(v) => toml::Value::Array(v.iter().map(|x| toml::Value::Float(*x)).collect()),
            RuleValue::Texts(v) => toml::Value::Array(v.iter().map(|s| toml::Value::String(s.clone())).collect()),
        };
        if let toml::Value::Table(t) = section {
            t.insert(e.name.clone(), value);
        }
    }
    table
        .try_into()
        .map_err(|e: toml::de::Error| format!("the rules do not match this version of finops: {}", e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_are_complete_and_typed() {
        let r = Rules::builtin();
        assert_eq!(r.abuse_detection.burst_calls_per_minute, 30);
        assert_eq!(r.optimization.batch_features, ["summarize", "extract"]);
        assert_eq!(r.realtime.incident_z, 7.0);
        assert!(r.entries().len() > 100, "{}", r.entries().len());
        assert!(r.entries().iter().all(|e| !e.why.is_empty() && !e.unit.is_empty() && e.source == "built-in"));
        // Every rule of the file is a typed field and the reverse (deny_unknown_fields and missing
        // fields both fail `typed`), and the sections come in file order.
        assert_eq!(sections(r.entries())[0], "dataset_overview");
        assert_eq!(sections(r.entries()).len(), 13);
    }

    fn err(text: &str) -> String {
        Rules::from_toml_str(text, "my.toml").unwrap_err().to_string()
    }

    #[test]
    fn overrides_apply_and_name_their_source() {
        let r = Rules::from_toml_str(
            "[realtime]\nincident_z = 3\n\n[optimization]\nbatch_features = [\"chat\"]\ncommit_discount = { value = 0.3, why = \"our contract\" }\n",
            "my.toml",
        )
        .unwrap();
        assert_eq!(r.realtime.incident_z, 3.0);
        assert_eq!(r.optimization.batch_features, ["chat"]);
        assert_eq!(r.optimization.commit_discount, 0.3);
        let applied = r.applied("optimization");
        let c = applied.iter().find(|a| a.name == "commit_discount").unwrap();
        assert_eq!((c.why.as_str(), c.source.as_str(), c.value.to_string()), ("our contract", "my.toml", "0.3".into()));
        assert_eq!(applied.iter().find(|a| a.name == "cacheable_share").unwrap().source, "built-in");
        let z = r.entries().iter().find(|e| e.name == "incident_z").unwrap();
        assert_eq!((z.value.to_string(), z.default.to_string()), ("3".into(), "7".into()));
    }

    #[test]
    fn mistakes_are_named_with_file_line_and_column() {
        assert_eq!(
            err("[realtime]\nincident_zz = 3\n"),
            "my.toml:2:1: unknown rule `incident_zz` in [realtime] (did you mean `incident_z`?)"
        );
        assert!(
            err("[realtim]\nincident_z = 3\n").starts_with("my.toml:1:2: unknown analysis `realtim`"),
            "{}",
            err("[realtim]\n")
        );
        assert_eq!(
            err("[abuse_detection]\nburst_calls_per_minute = 2.5\n"),
            "my.toml:2:26: abuse_detection.burst_calls_per_minute: expected a whole number, found 2.5"
        );
        assert_eq!(
            err("[realtime]\n\nincident_z = \"high\"\n"),
            "my.toml:3:14: realtime.incident_z: expected a number, found Text(\"high\")"
        );
        assert_eq!(
            err("[features]\nadoption_high_pct = 140\n"),
            "my.toml:2:21: features.adoption_high_pct must be at most 100 % (found 140)"
        );
        assert_eq!(
            err("[realtime]\nrisk_high_pct = 40\n"),
            "my.toml:2:17: realtime.risk_medium_pct (50) must be below realtime.risk_high_pct (40)"
        );
        // The error points at the rule the file set, whichever side of the relation it is on.
        assert_eq!(
            err("[pricing]\nbetter_model_points = 3\nlight_max_cost_share = 0.8\n"),
            "my.toml:3:24: pricing.light_max_cost_share (0.8) must not exceed pricing.heavy_min_cost_share (0.7)"
        );
        assert!(
            err("[realtime]\nincident_z = { value = 3, unit = \"z\" }\n")
                .contains("`unit` of realtime.incident_z is fixed")
        );
        // The built-in file itself is a valid user file that changes nothing.
        let same = Rules::from_toml_str(BUILTIN_RULES_TOML, "copy.toml").unwrap();
        assert_eq!(same, Rules::builtin());
        assert!(err("[realtime\n").starts_with("my.toml:1:"), "{}", err("[realtime\n"));
        assert!(err("realtime = 3\n").starts_with("my.toml:1:"), "{}", err("realtime = 3\n"));
        assert!(
            err("[optimization]\nvolume_tiers_usd = [10, 5]\nvolume_discounts_pct = [1, 2]\n").contains("ascending")
        );
    }

    #[test]
    fn the_readme_documents_every_rule() {
        let readme = include_str!("../../../README.md");
        let (start, end) = ("<!-- rules:start -->", "<!-- rules:end -->");
        let section = readme.find(start).and_then(|a| readme.find(end).map(|b| &readme[a + start.len()..b]));
        assert_eq!(
            section.map(str::trim),
            Some(Rules::builtin().markdown().trim()),
            "the README's rule tables are out of date: paste `finops rules --markdown` between the markers"
        );
    }

    #[test]
    fn markdown_lists_every_rule() {
        let r = Rules::builtin();
        let md = r.markdown();
        for e in r.entries() {
            assert!(md.contains(&format!("| `{}` | {} |", e.name, e.default)), "{}", e.name);
        }
    }
}
