//! Seasonal Pattern: weekly and monthly business cycles on top of the calendar.
use std::f64::consts::TAU;

use serde_json::json;

use super::{Effect, PlanCtx, Planned, Scenario, Window, iso};
use crate::timeline::HOUR_MS;

pub struct SeasonalPattern;

const WEEKLY_AMPLITUDE: f64 = 0.3;
const WEEKLY_PERIOD_H: f64 = 168.0;
const MONTHLY_AMPLITUDE: f64 = 0.2;
const MONTHLY_PERIOD_H: f64 = 720.0;

/// The multiplier `h` hours after the phase origin (the seed's curve).
pub fn seasonal_factor(h: f64) -> f64 {
    (1.0 + WEEKLY_AMPLITUDE * (TAU * h / WEEKLY_PERIOD_H).sin())
        * (1.0 + MONTHLY_AMPLITUDE * (TAU * h / MONTHLY_PERIOD_H).sin())
}

/// The waves over a window, with their phase counted from the slot's start in the first cycle: the
/// curve runs on from one cycle into the next instead of restarting (a 192-hour cycle would otherwise
/// drop from 1.43 to 1.04 in one hour at every cycle start).
struct Seasonal {
    window: Window,
    origin_ms: i64,
}

impl Effect for Seasonal {
    fn influence(&self) -> (i64, i64) {
        (self.window.start_ms, self.window.end_ms)
    }
    fn hour_rate(&self, t: i64) -> f64 {
        seasonal_factor((t - self.origin_ms) as f64 / HOUR_MS as f64)
    }
}

impl Scenario for SeasonalPattern {
    fn id(&self) -> &'static str {
        "seasonal_pattern"
    }
    fn title(&self) -> &'static str {
        "Seasonal Pattern"
    }
    fn description(&self) -> &'static str {
        "Cyclical demand: a weekly wave (+-30%) times a monthly wave (+-20%) over everyone's traffic."
    }
    fn parameters(&self) -> &'static str {
        "weekly amplitude 0.3, period 168 h; monthly amplitude 0.2, period 720 h; phase from the window start of the first cycle, so the waves run on across cycles"
    }
    fn hours(&self) -> u64 {
        168
    }
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
        let w = ctx.window;
        let origin_ms = ctx.first_cycle_window_start_ms();
        // Weekly peaks (sin = 1) at h = 42 + 168 k: those inside this window.
        let first_k = ((w.start_ms - origin_ms) as f64 / HOUR_MS as f64 - 42.0).div_euclid(168.0) as i64;
        let weekly_peaks: Vec<String> = (first_k..)
            .map(|k| origin_ms + ((42.0 + 168.0 * k as f64) * HOUR_MS as f64) as i64)
            .skip_while(|t| *t < w.start_ms)
            .take_while(|t| *t < w.end_ms)
            .map(iso)
            .collect();
        let truth = json!({
            "segment": "everyone",
            "formula": "(1 + 0.3 sin(2 pi h / 168)) x (1 + 0.2 sin(2 pi h / 720)), h = hours since phase_origin",
            "phase_origin": iso(origin_ms),
            "weekly_amplitude": WEEKLY_AMPLITUDE,
            "weekly_period_hours": WEEKLY_PERIOD_H,
            "monthly_amplitude": MONTHLY_AMPLITUDE,
            "monthly_period_hours": MONTHLY_PERIOD_H,
            "weekly_peaks": weekly_peaks,
        });
        Ok(Planned { effect: Box::new(Seasonal { window: w, origin_ms }), truth })
    }
}
