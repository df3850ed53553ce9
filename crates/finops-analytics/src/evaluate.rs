//! Detection quality: the incidents found, scored against the simulator's answer key.
//!
//! An injected surge (a runaway client of `burst_traffic`, the organization of `viral_spike`) is found
//! when an incident of its organization overlaps it. Its reference onset is the moment its traffic
//! reaches the detector's minimum ratio (`realtime.incident_min_ratio`): the ramp start plus the share
//! of the ramp needed for a runaway, the point of the quadratic rise where `1 + 49 x^2` reaches it for a
//! viral spike. The root cause is right when the incident names the runaway's customer (for a viral
//! spike, whose traffic comes from all of the organization's customers, the organization). Precision is
//! the share of incidents that overlap an injected surge of their organization; the others are listed
//! with the injected regime change of their organization, if any, that may explain them.
use serde::Serialize;
use serde_json::Value;

use finops_results::realtime::Incident;

/// Minutes after the surge's end during which an incident still belongs to it (the fall, retries).
const TAIL_MS: i64 = 30 * 60_000;

/// One injected surge and what the detector made of it.
#[derive(Debug, Clone, Serialize)]
pub struct EventScore {
    pub class: &'static str,
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
#[derive(Debug, Clone, Serialize)]
pub struct ClassScore {
    pub class: &'static str,
    pub events: usize,
    pub found: usize,
    pub recall: Option<f64>,
    pub onset_within_hour: usize,
    pub median_abs_onset_error_minutes: Option<f64>,
    pub max_abs_onset_error_minutes: Option<f64>,
    pub root_cause_right: usize,
}

/// The whole evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub incidents: usize,
    /// Incidents overlapping an injected surge of their organization.
    pub matched_incidents: usize,
    pub precision: Option<f64>,
    pub classes: Vec<ClassScore>,
    pub events: Vec<EventScore>,
    /// Incidents matching no injected surge: (incident id, organization, start, what else was injected
    /// for that organization in the window, if anything).
    pub unmatched: Vec<(String, String, String, Option<String>)>,
}

fn ms(v: &Value) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(v.as_str()?).ok().map(|t| t.timestamp_millis())
}

/// The injected surges of an answer key that start before `until_ms` (the data's end).
pub fn injected_surges(key: &Value, min_ratio: f64, until_ms: i64) -> Vec<EventScore> {
    let mut out = Vec::new();
    for w in key["windows"].as_array().into_iter().flatten() {
        match w["scenario"].as_str() {
            Some("burst_traffic") => {
                for b in w["truth"]["bursts"].as_array().into_iter().flatten() {
                    let (Some(start), Some(full), Some(end)) = (ms(&b["start"]), ms(&b["full_rate_at"]), ms(&b["end"]))
                    else {
                        continue;
                    };
                    if start >= until_ms {
                        continue;
                    }
                    // Extra traffic (m - 1) x normal on top of normal: the ratio reaches min_ratio once
                    // the ramp has reached (min_ratio - 1) / (m - 1) of its height.
                    let m = b["multiplier"].as_f64().unwrap_or(1.0);
                    let share = if m > 1.0 { ((min_ratio - 1.0) / (m - 1.0)).clamp(0.0, 1.0) } else { 1.0 };
                    out.push(EventScore {
                        class: "burst",
                        organization_id: b["organization_id"].as_str().unwrap_or_default().to_string(),
                        customer_id: b["customer_id"].as_str().map(str::to_string),
                        start: b["start"].as_str().unwrap_or_default().to_string(),
                        onset_ms: start + ((full - start) as f64 * share) as i64,
                        end_ms: end,
                        found_by: None,
                        onset_error_minutes: None,
                        root_cause_right: None,
                    });
                }
            }
            Some("viral_spike") => {
                let t = &w["truth"];
                let (Some(start), Some(peak)) = (ms(&t["start"]), ms(&t["peak"])) else { continue };
                if start >= until_ms {
                    continue;
                }
                let peak_m = t["peak_multiplier"].as_f64().unwrap_or(50.0);
                // 1 + (peak - 1) x^2 over the rise: x where it reaches min_ratio.
                let x = ((min_ratio - 1.0) / (peak_m - 1.0)).clamp(0.0, 1.0).sqrt();
                out.push(EventScore {
                    class: "viral_spike",
                    organization_id: t["organization_id"].as_str().unwrap_or_default().to_string(),
                    customer_id: None,
                    start: t["start"].as_str().unwrap_or_default().to_string(),
                    onset_ms: start + ((peak - start) as f64 * x) as i64,
                    end_ms: w["end_ms"].as_i64().unwrap_or(peak),
                    found_by: None,
                    onset_error_minutes: None,
                    root_cause_right: None,
                });
            }
            _ => {}
        }
    }
    out
}

/// Other injected changes of an organization around `t` (a multi-tenant level, a migration...).
fn other_injection(key: &Value, org: &str, t: i64) -> Option<String> {
    for w in key["windows"].as_array().into_iter().flatten() {
        let (Some(a), Some(b)) = (w["start_ms"].as_i64(), w["end_ms"].as_i64()) else { continue };
        if t < a || t >= b {
            continue;
        }
        let truth = &w["truth"];
        match w["scenario"].as_str() {
            Some("multi_tenant") if truth["multipliers"][org].as_f64().is_some_and(|m| m > 1.5) => {
                return Some(format!("multi_tenant x{:.2}", truth["multipliers"][org].as_f64().unwrap_or(1.0)));
            }
            Some(s @ ("model_migration" | "cost_optimization"))
                if truth["organizations"].as_array().is_some_and(|o| o.iter().any(|x| x == org)) =>
            {
                return Some(s.to_string());
            }
            _ => {}
        }
    }
    None
}

/// Scores `incidents` against the answer key `key` for data ending at `until_ms`.
pub fn evaluate(incidents: &[Incident], key: &Value, min_ratio: f64, until_ms: i64) -> Evaluation {
    let mut events = injected_surges(key, min_ratio, until_ms);
    let overlaps = |i: &Incident, e: &EventScore| {
        i.organization_id == e.organization_id && i.start_ms < e.end_ms + TAIL_MS && i.end_ms > e.onset_ms.min(e.end_ms)
    };
    for e in &mut events {
        // The earliest incident overlapping the event answers for it.
        if let Some(i) = incidents.iter().filter(|i| overlaps(i, e)).min_by_key(|i| i.start_ms) {
            e.found_by = Some(i.id.clone());
            e.onset_error_minutes = Some((i.start_ms - e.onset_ms) as f64 / 60_000.0);
            e.root_cause_right = Some(match &e.customer_id {
                Some(c) => incidents.iter().filter(|i| overlaps(i, e)).any(|i| &i.root_customer_id == c),
                None => true,
            });
        }
    }
    let matched = incidents.iter().filter(|i| events.iter().any(|e| overlaps(i, e))).count();
    let unmatched = incidents
        .iter()
        .filter(|i| !events.iter().any(|e| overlaps(i, e)))
        .map(|i| {
            (
                i.id.clone(),
                i.organization_id.clone(),
                i.start.clone(),
                other_injection(key, &i.organization_id, i.start_ms),
            )
        })
        .collect();
    let classes = ["burst", "viral_spike"]
        .iter()
        .map(|class| {
            let of: Vec<&EventScore> = events.iter().filter(|e| e.class == *class).collect();
            let mut errors: Vec<f64> = of.iter().filter_map(|e| e.onset_error_minutes.map(f64::abs)).collect();
            errors.sort_by(f64::total_cmp);
            let found = of.iter().filter(|e| e.found_by.is_some()).count();
            ClassScore {
                class,
                events: of.len(),
                found,
                recall: (!of.is_empty()).then(|| found as f64 / of.len() as f64),
                onset_within_hour: errors.iter().filter(|e| **e <= 60.0).count(),
                median_abs_onset_error_minutes: (!errors.is_empty()).then(|| errors[errors.len() / 2]),
                max_abs_onset_error_minutes: errors.last().copied(),
                root_cause_right: of.iter().filter(|e| e.root_cause_right == Some(true)).count(),
            }
        })
        .collect();
    Evaluation {
        incidents: incidents.len(),
        matched_incidents: matched,
        precision: (!incidents.is_empty()).then(|| matched as f64 / incidents.len() as f64),
        classes,
        events,
        unmatched,
    }
}

impl Evaluation {
    /// The scores as a Markdown table, then the events and the unmatched incidents.
    pub fn to_markdown(&self) -> String {
        let mut s = String::from(
            "| class | injected | found | recall | onset within 1 h | median / max onset error (min) | root cause right |\n|---|---|---|---|---|---|---|\n",
        );
        let opt = |x: Option<f64>, d: usize| x.map_or("-".to_string(), |v| format!("{v:.d$}"));
        for c in &self.classes {
            s += &format!(
                "| {} | {} | {} | {} | {} | {} / {} | {} |\n",
                c.class,
                c.events,
                c.found,
                opt(c.recall, 2),
                c.onset_within_hour,
                opt(c.median_abs_onset_error_minutes, 0),
                opt(c.max_abs_onset_error_minutes, 0),
                c.root_cause_right
            );
        }
        s += &format!(
            "\nincidents {}, matching an injected surge {}, precision {}\n",
            self.incidents,
            self.matched_incidents,
            opt(self.precision, 2)
        );
        for e in &self.events {
            s += &format!(
                "\n{} {} {} from {}: {}",
                e.class,
                e.organization_id,
                e.customer_id.as_deref().unwrap_or(""),
                e.start,
                match &e.found_by {
                    Some(id) => format!(
                        "{id}, onset error {} min, root cause {}",
                        opt(e.onset_error_minutes, 0),
                        if e.root_cause_right == Some(true) { "right" } else { "wrong" }
                    ),
                    None => "missed".to_string(),
                }
            );
        }
        for (id, org, start, why) in &self.unmatched {
            s += &format!(
                "\nunmatched {id} {org} from {start}{}",
                why.as_ref().map(|w| format!(" ({w})")).unwrap_or_default()
            );
        }
        s.push('\n');
        s
    }
}
