//! Daily cost forecasts: the richest method the history supports, robust to the spikes and outages in
//! it, with prediction intervals whose coverage a rolling-origin backtest measures on the data itself.
//!
//! Every method works on `ln(cost + c)` (c = 1% of the median day), so weekly patterns and errors are
//! multiplicative and a day without cost does not break the logarithm.
use augurs::ets::AutoETS;
use augurs::mstl::MSTLModel;
use augurs::{Fit, Predict};
use finops_core::rules;
use finops_results::common::{Backtest, BacktestRow, ForecastMethod};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::common::median;

/// The forecast rules as plain numbers (see `rules.toml`, section `understanding`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub level_min_days: usize,
    pub weekday_min_days: usize,
    pub mstl_min_days: usize,
    pub outlier_mads: f64,
    /// Nominal interval coverage as a fraction (0.8).
    pub interval: f64,
    pub horizon_days: usize,
}

impl Settings {
    pub fn from_rules(r: &rules::Understanding) -> Settings {
        Settings {
            level_min_days: r.forecast_level_min_days as usize,
            weekday_min_days: r.forecast_weekday_min_days as usize,
            mstl_min_days: r.forecast_mstl_min_days as usize,
            outlier_mads: r.forecast_outlier_mads,
            interval: r.forecast_interval_pct / 100.0,
            horizon_days: r.forecast_backtest_horizon_days as usize,
        }
    }
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            level_min_days: 3,
            weekday_min_days: 7,
            mstl_min_days: 14,
            outlier_mads: 3.0,
            interval: 0.8,
            horizon_days: 7,
        }
    }
}

/// A forecast of a daily series: point, interval bounds and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub method: ForecastMethod,
    pub reason: String,
    pub point: Vec<f64>,
    pub low: Vec<f64>,
    pub high: Vec<f64>,
    /// Indexes of history days replaced as outliers before fitting.
    pub outliers: Vec<usize>,
    /// Per day, the distance from the point to the bounds (low, high) the model's own uncertainty
    /// alone gives (shared by all days: a wrong level is wrong every day) and the distance a day's own
    /// spread alone gives (independent from day to day).
    shared: Vec<(f64, f64)>,
    own: Vec<(f64, f64)>,
}

impl Projection {
    /// Whether the method gives an interval (the run rate does not).
    pub fn has_interval(&self) -> bool {
        !matches!(self.method, ForecastMethod::None | ForecastMethod::RunRate)
    }

    /// The forecast summed over days `range` with its interval: the shared parts of the days' widths
    /// add up, the independent parts add in quadrature (a spike on one day does not repeat the next).
    pub fn sum(&self, range: std::ops::Range<usize>) -> (f64, f64, f64) {
        let range = range.start.min(self.point.len())..range.end.min(self.point.len());
        let point: f64 = self.point[range.clone()].iter().sum();
        if !self.has_interval() {
            return (point, point, point);
        }
        let half = |side: fn(&(f64, f64)) -> f64| {
            let shared: f64 = self.shared[range.clone()].iter().map(side).sum();
            let own: f64 = self.own[range.clone()].iter().map(|w| side(w).powi(2)).sum();
            shared.hypot(own.sqrt())
        };
        (point, (point - half(|w| w.0)).max(0.0), point + half(|w| w.1))
    }
}

/// Forecasts `horizon` days after the daily series `y`, whose first day has weekday `first_weekday`
/// (Monday = 0).
///
/// ```
/// use finops_analytics::forecast::{Settings, project};
/// // Three weeks of weekdays at 100 and weekends at 40, one outage day at 5.
/// let mut y: Vec<f64> = (0..21).map(|i| if i % 7 >= 5 { 40.0 } else { 100.0 }).collect();
/// y[9] = 5.0;
/// let p = project(&y, 0, 7, &Settings::default());
/// assert!((p.point[0] - 100.0).abs() < 5.0 && (p.point[5] - 40.0).abs() < 5.0);
/// assert_eq!(p.outliers, vec![9]);
/// ```
pub fn project(y: &[f64], first_weekday: usize, horizon: usize, s: &Settings) -> Projection {
    let n = y.len();
    let flat = |method, reason: String, v: f64| Projection {
        method,
        reason,
        point: vec![v; horizon],
        low: vec![v; horizon],
        high: vec![v; horizon],
        outliers: Vec::new(),
        shared: vec![(0.0, 0.0); horizon],
        own: vec![(0.0, 0.0); horizon],
    };
    if n == 0 {
        return flat(ForecastMethod::None, "no complete day of history".into(), 0.0);
    }
    if n < s.level_min_days {
        let mean = y.iter().sum::<f64>() / n as f64;
        return flat(
            ForecastMethod::RunRate,
            format!("{n} day(s) of history (under {}): the average day, without an interval", s.level_min_days),
            mean,
        );
    }
    let logs = LogScale::new(y);
    let z: Vec<f64> = y.iter().map(|v| logs.to(*v)).collect();
    let weekday = |i: usize| (first_weekday + i) % 7;
    if n >= s.mstl_min_days
        && let Some(p) = mstl(&z, weekday, horizon, s, &logs)
    {
        return p;
    }
    if n >= s.weekday_min_days
        && let Some(mut p) = weekday_ets(&z, weekday, horizon, s, &logs)
    {
        if n >= s.mstl_min_days {
            p.reason = format!("{n} days of history, but MSTL failed to fit: {}", p.reason);
        }
        return p;
    }
    let mut p = level(&z, horizon, s, &logs);
    if n >= s.weekday_min_days {
        p.reason = format!("{n} days of history, but ETS failed to fit: {}", p.reason);
    }
    p
}

/// `ln(v + c)` and back, with `c` 1% of the median day (at least a micro-dollar).
struct LogScale {
    c: f64,
}

impl LogScale {
    fn new(y: &[f64]) -> LogScale {
        LogScale { c: (median(y) * 0.01).max(1e-6) }
    }
    fn to(&self, v: f64) -> f64 {
        (v.max(0.0) + self.c).ln()
    }
    fn from(&self, z: f64) -> f64 {
        (z.exp() - self.c).max(0.0)
    }
}

/// AutoETS without a season, additive errors (the series is already on the log scale, where a
/// multiplicative error would be a second logarithm), choosing between no trend, a trend and a damped
/// trend by AICc.
fn trend_model() -> Option<AutoETS> {
    AutoETS::new(1, "AZN").ok()
}

/// z quantile of a two-sided interval of coverage `level`.
fn normal_q(level: f64) -> f64 {
    Normal::standard().inverse_cdf(0.5 + level / 2.0)
}

/// Half-width of a prediction interval for a new value from `r`'s spread: Student's t with n-1
/// degrees of freedom, times sqrt(1 + 1/n) for the uncertainty of the centre.
fn spread_half_width(r: &[f64], level: f64) -> f64 {
    let n = r.len();
    if n < 2 {
        return 0.0;
    }
    let mean = r.iter().sum::<f64>() / n as f64;
    let sd = (r.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).map_or(normal_q(level), |d| d.inverse_cdf(0.5 + level / 2.0));
    sd * t * (1.0 + 1.0 / n as f64).sqrt()
}

/// Hampel filter: values further than `mads` scaled MADs from the median of the 7 days around them are
/// replaced by that median. The last value is never replaced: a new level cannot be told from a spike
/// yet. Returns the cleaned series and the replaced indexes.
fn hampel(x: &[f64], mads: f64) -> (Vec<f64>, Vec<usize>) {
    let n = x.len();
    let mut out = x.to_vec();
    let mut replaced = Vec::new();
    for i in 0..n.saturating_sub(1) {
        let w = &x[i.saturating_sub(3)..(i + 4).min(n)];
        let med = median(w);
        let dev: Vec<f64> = w.iter().map(|v| (v - med).abs()).collect();
        // A floor of 5% (on the log scale) keeps a perfectly flat week from flagging noise.
        let mad = (1.4826 * median(&dev)).max(0.05);
        if (x[i] - med).abs() > mads * mad {
            out[i] = med;
            replaced.push(i);
        }
    }
    (out, replaced)
}

/// Median day of the cleaned history; interval from the raw days' spread around it.
fn level(z: &[f64], horizon: usize, s: &Settings, logs: &LogScale) -> Projection {
    let n = z.len();
    let (clean, outliers) = hampel(z, s.outlier_mads);
    let centre = median(&clean);
    let resid: Vec<f64> = z.iter().map(|v| v - centre).collect();
    let half = spread_half_width(&resid, s.interval);
    // Of the spread's sqrt(1 + 1/n), the 1/n part is the centre's own error, shared by all days.
    let shared_half = half / ((n as f64 + 1.0).sqrt());
    let (p, lo, hi) = (logs.from(centre), logs.from(centre - half), logs.from(centre + half));
    let shared = (p - logs.from(centre - shared_half), logs.from(centre + shared_half) - p);
    Projection {
        method: ForecastMethod::Level,
        reason: format!(
            "{n} days of history (under {}): the median day, outliers replaced, no weekly pattern yet",
            s.weekday_min_days
        ),
        point: vec![p; horizon],
        low: vec![lo; horizon],
        high: vec![hi; horizon],
        outliers,
        shared: vec![shared; horizon],
        own: vec![(p - lo, hi - p); horizon],
    }
}

/// Weekday class: 0 = Monday to Friday, 1 = Saturday, 2 = Sunday.
fn class(weekday: usize) -> usize {
    match weekday {
        5 => 1,
        6 => 2,
        _ => 0,
    }
}

/// Weekdays, Saturdays and Sundays as three levels (medians of the log days, centred on a week), the
/// adjusted series cleaned and forecast by AutoETS.
fn weekday_ets(
    z: &[f64],
    weekday: impl Fn(usize) -> usize,
    horizon: usize,
    s: &Settings,
    logs: &LogScale,
) -> Option<Projection> {
    let n = z.len();
    let base = median(&(0..n).filter(|i| class(weekday(*i)) == 0).map(|i| z[i]).collect::<Vec<_>>());
    let mut effect = [0.0f64; 3];
    for (k, e) in effect.iter_mut().enumerate().skip(1) {
        let v: Vec<f64> = (0..n).filter(|i| class(weekday(*i)) == k).map(|i| z[i] - base).collect();
        if !v.is_empty() {
            *e = median(&v);
        }
    }
    let mean = (5.0 * effect[0] + effect[1] + effect[2]) / 7.0;
    effect.iter_mut().for_each(|e| *e -= mean);
    let eff = |i: usize| effect[class(weekday(i))];
    let adjusted: Vec<f64> = (0..n).map(|i| z[i] - eff(i)).collect();
    let (clean, outliers) = hampel(&adjusted, s.outlier_mads);
    let fit = trend_model()?.fit(&clean).ok()?;
    let model = fit.model().model_type().to_string();
    let ahead = fit.predict(horizon, s.interval).ok()?;
    let in_sample = fit.predict_in_sample(None).ok()?.point;
    let resid: Vec<f64> = (0..n).map(|i| adjusted[i] - in_sample.get(i).copied().unwrap_or(adjusted[i])).collect();
    let seasonal: Vec<f64> = (n..n + horizon).map(eff).collect();
    Some(combine(
        ForecastMethod::WeekdayEts,
        format!(
            "{n} days of history (a week, under {}): weekdays, Saturdays and Sundays as three levels, the rest by ETS {model}",
            s.mstl_min_days
        ),
        &ahead,
        &seasonal,
        &resid,
        s,
        logs,
        outliers,
    ))
}

/// MSTL with a weekly season on the cleaned log series; AutoETS forecasts its trend.
fn mstl(
    z: &[f64],
    weekday: impl Fn(usize) -> usize,
    horizon: usize,
    s: &Settings,
    logs: &LogScale,
) -> Option<Projection> {
    let n = z.len();
    // Take each weekday's typical deviation from its week out before looking for outliers, so weekends
    // are not outliers.
    let mut by_day: [Vec<f64>; 7] = Default::default();
    for i in 0..n {
        by_day[weekday(i)].push(z[i] - median(&z[i.saturating_sub(3)..(i + 4).min(n)]));
    }
    let effect: Vec<f64> = by_day.iter().map(|v| if v.is_empty() { 0.0 } else { median(v) }).collect();
    let adjusted: Vec<f64> = (0..n).map(|i| z[i] - effect[weekday(i)]).collect();
    let (clean_adj, outliers) = hampel(&adjusted, s.outlier_mads);
    let clean: Vec<f64> = (0..n).map(|i| clean_adj[i] + effect[weekday(i)]).collect();
    let fit = MSTLModel::new(vec![7], trend_model()?.into_trend_model()).fit(&clean).ok()?;
    let ahead = fit.predict(horizon, s.interval).ok()?;
    let in_sample = fit.predict_in_sample(None).ok()?.point;
    let resid: Vec<f64> = (0..n).map(|i| z[i] - in_sample.get(i).copied().unwrap_or(z[i])).collect();
    Some(combine(
        ForecastMethod::MstlEts,
        format!("{n} days of history (two weeks or more): MSTL with a weekly season, its trend by AutoETS"),
        &ahead,
        &vec![0.0; horizon],
        &resid,
        s,
        logs,
        outliers,
    ))
}

/// Point = model + seasonal; the interval's half-width on the log scale adds the model's own and the
/// spread of its in-sample errors on the raw days in quadrature: the model was fitted on cleaned days,
/// so its own interval alone would ignore the spikes a real day can bring.
#[allow(clippy::too_many_arguments)]
fn combine(
    method: ForecastMethod,
    reason: String,
    ahead: &augurs::Forecast,
    seasonal: &[f64],
    resid: &[f64],
    s: &Settings,
    logs: &LogScale,
    outliers: Vec<usize>,
) -> Projection {
    let spread = spread_half_width(resid, s.interval);
    let h = seasonal.len();
    let (mut point, mut low, mut high) = (Vec::with_capacity(h), Vec::with_capacity(h), Vec::with_capacity(h));
    let (mut shared, mut own) = (Vec::with_capacity(h), Vec::with_capacity(h));
    for (k, season) in seasonal.iter().enumerate() {
        let p = ahead.point.get(k).copied().unwrap_or(0.0) + season;
        let (lo_w, hi_w) = match &ahead.intervals {
            Some(iv) => (
                (ahead.point[k] - iv.lower.get(k).copied().unwrap_or(ahead.point[k])).max(0.0),
                (iv.upper.get(k).copied().unwrap_or(ahead.point[k]) - ahead.point[k]).max(0.0),
            ),
            None => (0.0, 0.0),
        };
        let v = logs.from(p);
        point.push(v);
        low.push(logs.from(p - lo_w.hypot(spread)));
        high.push(logs.from(p + hi_w.hypot(spread)));
        shared.push((v - logs.from(p - lo_w), logs.from(p + hi_w) - v));
        own.push((v - logs.from(p - spread), logs.from(p + spread) - v));
    }
    Projection { method, reason, point, low, high, outliers, shared, own }
}

/// Rolling-origin backtest of [`project`] beside the naive run rate (average day so far) and the
/// seasonal naive (the same weekday last week).
pub fn backtest(y: &[f64], first_weekday: usize, s: &Settings) -> Option<Backtest> {
    let n = y.len();
    let min = s.level_min_days.max(1);
    if n <= min {
        return None;
    }
    #[derive(Default)]
    struct Score {
        ape: f64,
        ape_n: u64,
        ae: f64,
        n: u64,
        inside: u64,
        with_interval: u64,
    }
    impl Score {
        fn add(&mut self, forecast: f64, actual: f64, interval: Option<(f64, f64)>) {
            self.n += 1;
            self.ae += (forecast - actual).abs();
            if actual > 0.0 {
                self.ape += ((forecast - actual) / actual).abs();
                self.ape_n += 1;
            }
            if let Some((lo, hi)) = interval {
                self.with_interval += 1;
                self.inside += u64::from(actual >= lo && actual <= hi);
            }
        }
        fn row(&self, method: &str) -> BacktestRow {
            BacktestRow {
                method: method.to_string(),
                forecasts: self.n,
                mape_pct: if self.ape_n == 0 { 0.0 } else { 100.0 * self.ape / self.ape_n as f64 },
                mae_usd: if self.n == 0 { 0.0 } else { self.ae / self.n as f64 },
                coverage_pct: (self.with_interval > 0).then(|| 100.0 * self.inside as f64 / self.with_interval as f64),
            }
        }
    }
    let (mut ours, mut run_rate) = (Score::default(), Score::default());
    let (mut ours_w, mut run_rate_w, mut seasonal) = (Score::default(), Score::default(), Score::default());
    for t in min..n {
        let h = s.horizon_days.min(n - t);
        let p = project(&y[..t], first_weekday, h, s);
        let mean = y[..t].iter().sum::<f64>() / t as f64;
        for k in 0..h {
            let actual = y[t + k];
            let interval = p.has_interval().then(|| (p.low[k], p.high[k]));
            ours.add(p.point[k], actual, interval);
            run_rate.add(mean, actual, None);
            if t >= 7 {
                ours_w.add(p.point[k], actual, interval);
                run_rate_w.add(mean, actual, None);
                seasonal.add(y[t - 7 + k % 7], actual, None);
            }
        }
    }
    let mut rows = vec![ours.row("ours"), run_rate.row("naive run rate")];
    if seasonal.n > 0 {
        if seasonal.n < ours.n {
            rows.push(ours_w.row("ours (origins with a week of history)"));
            rows.push(run_rate_w.row("naive run rate (origins with a week of history)"));
        }
        rows.push(seasonal.row("seasonal naive (same weekday last week)"));
    }
    Some(Backtest { horizon_days: s.horizon_days, origins: n - min, min_history_days: min, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weekly(days: usize, weekday: f64, weekend: f64) -> Vec<f64> {
        (0..days).map(|i| if i % 7 >= 5 { weekend } else { weekday }).collect()
    }

    #[test]
    fn methods_follow_the_history_length() {
        let s = Settings::default();
        let y = weekly(28, 100.0, 40.0);
        let method = |n: usize| project(&y[..n], 0, 7, &s).method;
        assert_eq!(method(0), ForecastMethod::None);
        assert_eq!(method(2), ForecastMethod::RunRate);
        assert_eq!(method(5), ForecastMethod::Level);
        assert_eq!(method(10), ForecastMethod::WeekdayEts);
        assert_eq!(method(28), ForecastMethod::MstlEts);
    }

    #[test]
    fn a_weekly_pattern_is_forecast_and_a_spike_is_not() {
        let s = Settings::default();
        let mut y = weekly(28, 100.0, 40.0);
        y[16] = 900.0; // a viral Wednesday
        let p = project(&y, 0, 7, &s);
        assert_eq!(p.method, ForecastMethod::MstlEts);
        assert!(p.outliers.contains(&16), "{:?}", p.outliers);
        for k in 0..7 {
            let want = if k >= 5 { 40.0 } else { 100.0 };
            assert!((p.point[k] - want).abs() / want < 0.1, "day {k}: {} vs {want}", p.point[k]);
            assert!(p.low[k] <= p.point[k] && p.point[k] <= p.high[k]);
        }
        // The same on a week and a half: three levels.
        let p = project(&y[..10], 0, 7, &s);
        assert_eq!(p.method, ForecastMethod::WeekdayEts);
        // Day 10 is a Thursday.
        assert!((p.point[0] - 100.0).abs() < 10.0 && (p.point[2] - 40.0).abs() < 6.0, "{:?}", p.point);
    }

    #[test]
    fn the_backtest_scores_every_origin_against_the_baselines() {
        let s = Settings::default();
        let y = weekly(21, 100.0, 40.0);
        let b = backtest(&y, 0, &s).expect("enough days");
        assert_eq!(b.origins, 18);
        let (ours, naive) = (&b.rows[0], &b.rows[1]);
        assert_eq!(ours.forecasts, naive.forecasts);
        // Origins 3..21, each up to 7 days ahead.
        assert_eq!(ours.forecasts, (3..21).map(|t| 7.min(21 - t) as u64).sum::<u64>());
        let seasonal = b.rows.last().expect("seasonal naive");
        assert!(seasonal.mape_pct < 1e-9, "a perfectly weekly series is its own last week");
        assert!(naive.mape_pct > 20.0 && naive.coverage_pct.is_none());
        assert!(ours.coverage_pct.is_some());
    }

    #[test]
    fn a_month_is_less_uncertain_than_thirty_bad_days() {
        let mut y = weekly(28, 100.0, 40.0);
        y[3] = 160.0;
        y[17] = 70.0;
        let p = project(&y, 0, 30, &Settings::default());
        let (point, low, high) = p.sum(0..30);
        assert!((point - p.point.iter().sum::<f64>()).abs() < 1e-9);
        let (lows, highs): (f64, f64) = (p.low.iter().sum(), p.high.iter().sum());
        assert!(low > lows && high < highs, "{low} > {lows}, {high} < {highs}");
        assert!(low < point && point < high);
    }

    #[test]
    fn days_without_cost_do_not_break_the_logarithm() {
        let y = [0.0, 0.0, 5.0, 0.0, 7.0, 0.0, 0.0, 6.0];
        let p = project(&y, 0, 3, &Settings::default());
        assert!(p.point.iter().chain(&p.low).chain(&p.high).all(|v| v.is_finite() && *v >= 0.0), "{p:?}");
    }
}
