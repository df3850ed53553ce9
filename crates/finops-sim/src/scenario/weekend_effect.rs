//! Weekend Effect: deep weekend and (mid-week) holiday dips, a quiet Friday afternoon and a slow Monday morning.
use chrono::{Datelike, Duration, NaiveDate};
use rand::RngExt;
use serde_json::json;

use super::{Effect, PlanCtx, Planned, Scenario, Window};
use crate::population::Customer;
use crate::timeline::{DAY_MS, HOUR_MS, local_hour_weekday, utc_date};

pub struct WeekendEffect;

const WEEKEND: f64 = 0.6;
const FRIDAY_AFTERNOON: f64 = 0.6;
const MONDAY_MORNING: f64 = 0.7;
const HOLIDAY: f64 = 0.25;

struct Weekend {
    window: Window,
    /// The holiday as days since 1970-01-01 (local calendar).
    holiday_day: Option<i64>,
}

impl Effect for Weekend {
    fn influence(&self) -> (i64, i64) {
        (self.window.start_ms, self.window.end_ms)
    }
    fn varies_by_customer(&self) -> bool {
        true
    }
    fn rate(&self, t: i64, c: &Customer) -> f64 {
        let (hour, weekday) = local_hour_weekday(t, c.home_region);
        let local_day = (t + i64::from(c.home_region.utc_offset_hours()) * HOUR_MS).div_euclid(DAY_MS);
        let mut m = 1.0;
        if weekday >= 5 {
            m *= WEEKEND;
        }
        if weekday == 4 && hour >= 15 {
            m *= FRIDAY_AFTERNOON;
        }
        if weekday == 0 && hour < 10 {
            m *= MONDAY_MORNING;
        }
        if Some(local_day) == self.holiday_day {
            m *= HOLIDAY;
        }
        m
    }
}

impl Scenario for WeekendEffect {
    fn id(&self) -> &'static str {
        "weekend_effect"
    }
    fn title(&self) -> &'static str {
        "Weekend Effect"
    }
    fn description(&self) -> &'static str {
        "Pronounced weekend and holiday reductions: weekends x0.6 on top of the calendar, Friday from 15:00 x0.6, Monday before 10:00 x0.7, one holiday x0.25 (local time)."
    }
    fn parameters(&self) -> &'static str {
        "weekend 0.6, Friday >= 15:00 0.6, Monday < 10:00 0.7, one weekday holiday 0.25, in each customer's local time"
    }
    fn hours(&self) -> u64 {
        168
    }
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
        let w = ctx.window;
        // A weekday whose whole UTC day lies inside the window, away from the edges.
        let first = utc_date(w.start_ms + DAY_MS);
        let days = ((w.end_ms - w.start_ms) / DAY_MS - 2).max(0);
        let candidates: Vec<NaiveDate> =
            // Mid-week, so the holiday does not blur the Friday and Monday effects.
            (0..days).map(|k| first + Duration::days(k)).filter(|d| (1..=3).contains(&d.weekday().num_days_from_monday())).collect();
        let holiday = (!candidates.is_empty()).then(|| candidates[ctx.rng.random_range(0..candidates.len())]);
        let truth = json!({
            "segment": "everyone, in local time",
            "weekend_factor": WEEKEND,
            "friday_from_15h_factor": FRIDAY_AFTERNOON,
            "monday_before_10h_factor": MONDAY_MORNING,
            "holiday": holiday.map(|d| d.to_string()),
            "holiday_factor": HOLIDAY,
        });
        let holiday_day = holiday.map(|d| (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days());
        Ok(Planned { effect: Box::new(Weekend { window: w, holiday_day }), truth })
    }
}
