//! Detection quality: what the analyses found in simulated data, scored against the simulator's answer
//! key (computed by `finops_analytics::evaluate`; shown by `finops evaluate` and on the index when an
//! answer key lies beside the data).
use serde::{Deserialize, Serialize};

/// A set of injected changes against the reported ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SetScore {
    pub class: String,
    /// Injected and detectable.
    pub injected: usize,
    pub reported: usize,
    /// Injected and reported.
    pub found: usize,
    pub recall: Option<f64>,
    /// Reported that were injected (of any kind this class covers).
    pub precision: Option<f64>,
    pub missed: Vec<String>,
    pub not_injected: Vec<String>,
}

/// One injected surge and what the detector made of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventScore {
    pub class: String,
    pub organization_id: String,
    pub customer_id: Option<String>,
    pub start: String,
    pub onset_ms: i64,
    pub end_ms: i64,
    pub found_by: Option<String>,
    /// Incident start minus the reference onset.
    pub onset_error_minutes: Option<f64>,
    pub root_cause_right: Option<bool>,
}

/// Scores of one class of events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassScore {
    pub class: String,
    pub events: usize,
    pub found: usize,
    pub recall: Option<f64>,
    pub onset_within_hour: usize,
    pub median_abs_onset_error_minutes: Option<f64>,
    pub max_abs_onset_error_minutes: Option<f64>,
    pub root_cause_right: usize,
}

/// The whole evaluation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub incidents: usize,
    /// Incidents overlapping an injected surge of their organization.
    pub matched_incidents: usize,
    pub precision: Option<f64>,
    /// Of the others, those another injected change explains: their organization's traffic rose by at
    /// least the detector's ratio then (a multi-tenant level ramping in or back), or their root customer
    /// had just signed up.
    #[serde(default)]
    pub explained_incidents: usize,
    pub classes: Vec<ClassScore>,
    pub events: Vec<EventScore>,
    /// Incidents matching no injected surge: (incident id, organization, start, what else was injected
    /// for that organization in the window, if anything).
    pub unmatched: Vec<(String, String, String, Option<String>)>,
    /// Churned and new customers, migrations, cost optimizations, launches.
    pub changes: Vec<SetScore>,
}
