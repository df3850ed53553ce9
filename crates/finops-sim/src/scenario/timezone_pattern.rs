//! Timezone Pattern: follow-the-sun peaks: the Americas at 14:00, Europe at 09:00, Asia-Pacific at 01:00 UTC.
use finops_core::schema::Region;
use serde_json::json;

use super::{Effect, PlanCtx, Planned, Scenario, Window};
use crate::population::Customer;
use crate::timeline::{DAY_MS, HOUR_MS, activity_share, local_hour_weekday};

pub struct TimezonePattern;

/// Peak UTC hour of each region's customers (the seed's values).
pub fn peak_hour(r: Region) -> u32 {
    match r {
        Region::UsEast1 | Region::UsWest2 => 14,
        Region::EuWest1 => 9,
        Region::ApSoutheast1 => 1,
    }
}

/// 1 at the peak hour, falling linearly to 0.3 twelve hours away.
pub fn peak_factor(utc_hour: u32, peak: u32) -> f64 {
    let d = (utc_hour as i32 - peak as i32).rem_euclid(24);
    let distance = d.min(24 - d) as f64;
    1.0 - 0.7 * distance / 12.0
}

struct Timezones(Window);

impl Effect for Timezones {
    fn influence(&self) -> (i64, i64) {
        (self.0.start_ms, self.0.end_ms)
    }
    fn varies_by_customer(&self) -> bool {
        true
    }
    fn rate(&self, t: i64, c: &Customer) -> f64 {
        let hour = t.div_euclid(HOUR_MS).rem_euclid(24) as u32;
        peak_factor(hour, peak_hour(c.home_region))
    }
}

impl Scenario for TimezonePattern {
    fn id(&self) -> &'static str {
        "timezone_pattern"
    }
    fn title(&self) -> &'static str {
        "Timezone Pattern"
    }
    fn description(&self) -> &'static str {
        "Global 24-hour coverage: each region's customers peak at a fixed UTC hour and fall to 0.3x twelve hours away."
    }
    fn parameters(&self) -> &'static str {
        "peaks (UTC): Americas (us-east-1, us-west-2) 14:00, Europe (eu-west-1) 09:00, Asia-Pacific (ap-southeast-1) 01:00; factor 1 - 0.7 d/12"
    }
    fn hours(&self) -> u64 {
        72
    }
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
        let peaks: serde_json::Map<String, serde_json::Value> =
            Region::ALL.iter().map(|r| (r.as_str().to_string(), json!(peak_hour(*r)))).collect();
        // The factor multiplies each customer's own working-day rhythm in local time, so the busiest UTC
        // hour in a region's data is where the product of the two peaks, not always the factor's peak.
        let data_peaks: serde_json::Map<String, serde_json::Value> =
            Region::ALL.iter().map(|r| (r.as_str().to_string(), json!(data_peak_hour(ctx.window, *r)))).collect();
        let truth = json!({
            "segment": "customers by home region",
            "peak_utc_hour": peaks,
            "data_peak_utc_hour": data_peaks,
            "data_peak_on": "the window's first weekday: the UTC hour with the most expected calls per region",
            "floor_factor": 0.3,
        });
        Ok(Planned { effect: Box::new(Timezones(ctx.window)), truth })
    }
}

/// The UTC hour with the most expected calls of `region`'s customers on the window's first weekday (in
/// their local time): the factor times the customers' hour-of-day profile.
fn data_peak_hour(w: Window, region: Region) -> u32 {
    let first_day = w.start_ms.div_euclid(DAY_MS) * DAY_MS;
    let day = (0..7)
        .map(|d| first_day + d * DAY_MS)
        .find(|&d| local_hour_weekday(d + 12 * HOUR_MS, region).1 < 5)
        .unwrap_or(first_day);
    (0..24u32)
        .max_by(|&a, &b| {
            let expected = |h: u32| {
                let mid = day + i64::from(h) * HOUR_MS + HOUR_MS / 2;
                activity_share(mid, region) * peak_factor(h, peak_hour(region))
            };
            expected(a).total_cmp(&expected(b))
        })
        .unwrap_or(0)
}
