//! The timeline: hours from the start date, local time of day per region, and the arrivals of one hour:
//! each customer's calls a Poisson count around its rate for the hour, arranged in sessions.
use chrono::{DateTime, NaiveDate, Utc};
use finops_core::pricing::PriceRow;
use finops_core::schema::{Feature, Region};
use rand::RngExt;
use rand_distr::{Distribution, Poisson};

use crate::call::{Call, CallFactory, HourEnv, StartSpan};
use crate::drift::DemandDrift;
use crate::plan::Plan;
use crate::population::Customer;
use crate::profile::Load;
use crate::profile::{HOUR_FACTOR_SUM, day_of_week_factor, hour_of_day_factor};
use crate::rng::{Stream, stream_rng};
use crate::scenario::{Draft, Effect, Runaway};

pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 86_400_000;

/// Cumulative distribution over catalog models, for one draw per call.
#[derive(Debug, Clone)]
pub(crate) struct ModelMix {
    cdf: Vec<f64>,
    models: Vec<u16>,
    /// For each of `MIX_CELLS` equal slices of [0, 1), the first model whose cumulative share
    /// exceeds the slice's lower end: `pick` steps on from there instead of a binary search per call.
    start: Vec<u16>,
}

const MIX_CELLS: usize = 256;

/// The model mix over time: a new mix from each day the set of models on offer changes (a model is
/// listed or shut down).
pub(crate) struct Mixes {
    /// (first millisecond, mix), sorted; the first starts at or before the timeline.
    epochs: Vec<(i64, ModelMix)>,
}

impl Mixes {
    pub fn new(epochs: Vec<(i64, ModelMix)>) -> Mixes {
        Mixes { epochs }
    }

    /// The mix in force at `ms`.
    pub fn at(&self, ms: i64) -> &ModelMix {
        let i = self.epochs.partition_point(|e| e.0 <= ms).saturating_sub(1);
        &self.epochs[i].1
    }
}

impl ModelMix {
    pub fn new(weights: &[(usize, f64)]) -> ModelMix {
        let total: f64 = weights.iter().map(|w| w.1).sum();
        let mut acc = 0.0;
        let mut cdf = Vec::with_capacity(weights.len());
        let mut models = Vec::with_capacity(weights.len());
        for &(m, w) in weights.iter().filter(|w| w.1 > 0.0) {
            acc += w / total;
            cdf.push(acc);
            models.push(m as u16);
        }
        if let Some(last) = cdf.last_mut() {
            *last = f64::INFINITY;
        }
        let last = models.len().saturating_sub(1);
        let start = (0..MIX_CELLS)
            .map(|k| {
                let lo = k as f64 / MIX_CELLS as f64;
                cdf.partition_point(|&c| c <= lo).min(last) as u16
            })
            .collect();
        ModelMix { cdf, models, start }
    }

    /// The model for a uniform draw `u` in [0, 1).
    pub fn pick(&self, u: f64) -> u16 {
        let last = self.models.len() - 1;
        let mut i = usize::from(self.start[((u * MIX_CELLS as f64) as usize).min(MIX_CELLS - 1)]);
        while i < last && self.cdf[i] <= u {
            i += 1;
        }
        self.models[i]
    }

    #[cfg(test)]
    pub fn models(&self) -> &[u16] {
        &self.models
    }
}

/// Local hour (0-23) and weekday (Monday = 0) of UTC instant `t_ms` in a region's business time zone.
pub fn local_hour_weekday(t_ms: i64, region: Region) -> (u32, u32) {
    let local = t_ms + i64::from(region.utc_offset_hours()) * HOUR_MS;
    let hour = local.div_euclid(HOUR_MS).rem_euclid(24) as u32;
    // 1970-01-01 was a Thursday (Monday = 0 makes it 3).
    let weekday = (local.div_euclid(DAY_MS) + 3).rem_euclid(7) as u32;
    (hour, weekday)
}

/// Expected share of a customer's calls per weekday that falls in the hour containing `t_ms`, for a
/// customer living in `region`.
pub fn activity_share(t_ms: i64, region: Region) -> f64 {
    let (h, d) = local_hour_weekday(t_ms, region);
    hour_of_day_factor(h) * day_of_week_factor(d) / HOUR_FACTOR_SUM
}

/// The UTC date of `t_ms`.
pub fn utc_date(t_ms: i64) -> NaiveDate {
    DateTime::<Utc>::from_timestamp_millis(t_ms).map_or(NaiveDate::MIN, |t| t.date_naive())
}

/// Everything needed to draw the calls of any hour; shared read-only by all worker threads.
pub(crate) struct HourGenerator<'a> {
    pub seed: u64,
    pub start_ms: i64,
    pub plan: &'a Plan,
    pub factory: &'a CallFactory,
    pub mixes: &'a Mixes,
    pub drift: &'a DemandDrift,
    pub catalog_models: &'a [finops_core::pricing::Model],
}

impl HourGenerator<'_> {
    pub fn hour_start(&self, h: u64) -> i64 {
        self.start_ms + h as i64 * HOUR_MS
    }

    /// The calls of hour `h`, sorted by time. Depends only on the seed, the configuration, the plan
    /// and `h`.
    pub fn generate(&self, h: u64) -> Vec<Call> {
        let start = self.hour_start(h);
        let mid = start + HOUR_MS / 2;
        let mut rng = stream_rng(self.seed, Stream::Hour, h);
        let date = utc_date(mid);
        let prices: Vec<Option<&PriceRow>> = self.catalog_models.iter().map(|m| m.price_on(date)).collect();
        let env = HourEnv { prices: &prices };
        let mut share = [0.0; 4];
        for r in Region::ALL {
            share[r.index()] = activity_share(mid, *r);
        }
        let effects: Vec<&dyn Effect> =
            self.plan.effects.iter().filter(|e| e.from <= mid && mid < e.until).map(|e| &*e.effect).collect();
        let adjusters: Vec<&dyn Effect> = effects.iter().copied().filter(|e| e.adjusts_calls()).collect();
        let (smooth, per_customer): (Vec<&dyn Effect>, Vec<&dyn Effect>) =
            effects.iter().copied().filter(|e| e.varies_by_customer()).partition(|e| e.varies_within_hour());
        let minute_cdf = self.drift.minute_cdf(start);
        let mix = self.mixes.at(start);
        // Customers whose rate changes within the hour start their sessions by their own minute shares.
        let mut own_cdf: Vec<(u32, [f64; 60])> = Vec::new();
        let hour_rate: f64 = effects.iter().map(|e| e.hour_rate(mid)).product();

        // Expected calls per customer, and each organization's traffic relative to its normal level
        // (rate limits are per organization, so bursts raise errors where they happen).
        let pop = &self.plan.population;
        let mut lambdas = Vec::with_capacity(pop.customers.len());
        let mut org_normal = vec![0.0; pop.organizations.len()];
        let mut org_actual = vec![0.0; pop.organizations.len()];
        let end = start + HOUR_MS;
        for c in &pop.customers {
            // Customers who sign up or churn during the hour call only while active.
            let active_ms = (end.min(c.active_until_ms) - start.max(c.active_from_ms)).max(0);
            if active_ms == 0 {
                lambdas.push(0.0);
                continue;
            }
            let normal = c.calls_per_day * share[c.home_region.index()] * (active_ms as f64 / HOUR_MS as f64);
            let mut lambda = per_customer.iter().fold(normal * hour_rate, |l, e| l * e.rate(mid, c));
            if !smooth.is_empty() {
                let (factor, cdf) = within_hour(&smooth, c, start, &minute_cdf);
                lambda *= factor;
                if let Some(cdf) = cdf {
                    own_cdf.push((c.index, cdf));
                }
            }
            org_normal[c.org as usize] += normal;
            org_actual[c.org as usize] += lambda;
            lambdas.push(lambda);
        }
        // Runaway clients add their extra calls to their organization's load (and so to its 429s).
        let runaways: Vec<&Runaway> =
            effects.iter().flat_map(|e| e.runaways()).filter(|r| r.start_ms < end && r.stop_ms > start).collect();
        for r in &runaways {
            org_actual[r.org as usize] += r.expected_between(start, end);
        }
        let (normal_sum, actual_sum): (f64, f64) = (org_normal.iter().sum(), org_actual.iter().sum());
        let global = if normal_sum > 0.0 { actual_sum / normal_sum } else { 1.0 };
        let load: Vec<Load> = org_normal
            .iter()
            .zip(&org_actual)
            .map(|(n, a)| Load { org: if *n > 0.0 { a / n } else { 1.0 }, global })
            .collect();

        // Room for the expected calls and a margin, so that the hour's vector does not move as it grows.
        let expected: f64 = lambdas.iter().sum();
        let mut calls = Vec::with_capacity((expected * 1.1 + 4.0 * expected.sqrt() + 16.0) as usize);
        let mut drafts: Vec<Draft> = Vec::new();
        let mut grouped: Vec<Draft> = Vec::new();
        let mut scratch = Vec::new();
        for (c, &lambda) in pop.customers.iter().zip(&lambdas) {
            if lambda <= 0.0 {
                continue;
            }
            let n = match Poisson::new(lambda) {
                Ok(p) => p.sample(&mut rng) as u64,
                Err(_) => 0,
            };
            if n == 0 {
                continue;
            }
            drafts.clear();
            for _ in 0..n {
                let mut draft = Draft { feature: c.pick_feature(&mut rng), model: mix.pick(rng.random()) };
                for e in &adjusters {
                    e.adjust(mid, c, &mut draft, &mut rng);
                }
                drafts.push(draft);
            }
            // The hour's calls, grouped by feature, form the customer's sessions (crate::session). The
            // grouping keeps the drafts of one feature in their draw order: a pass per feature drawn
            // (a few) costs less than a sort.
            let mut drawn = [0u32; Feature::COUNT];
            drafts.iter().for_each(|d| drawn[d.feature.index()] += 1);
            grouped.clear();
            for (f, _) in drawn.iter().enumerate().filter(|(_, n)| **n > 0) {
                grouped.extend(drafts.iter().filter(|d| d.feature.index() == f));
            }
            let span = StartSpan {
                lo: start.max(c.active_from_ms),
                hi: end.min(c.active_until_ms),
                hour_start: start,
                minute_cdf: own_cdf.binary_search_by_key(&c.index, |(i, _)| *i).map_or(&minute_cdf, |i| &own_cdf[i].1),
            };
            for group in grouped.chunk_by(|a, b| a.feature == b.feature) {
                let mut rest = group;
                while let Some(first) = rest.first() {
                    // A lone draft is a session of one whatever length is drawn: skip the draw.
                    let len = match rest.len() {
                        1 => 1,
                        n => self.factory.session_length(&mut rng, first.feature).min(n),
                    };
                    let (session, tail) = rest.split_at(len);
                    let load = load[c.org as usize];
                    self.factory.session(&mut rng, c, session, &span, load, &env, &mut scratch, &mut calls);
                    rest = tail;
                }
            }
        }
        let mut times = Vec::new();
        for r in &runaways {
            let c = &pop.customers[r.customer as usize];
            let (lo, hi) = (start.max(c.active_from_ms).max(r.start_ms), end.min(c.active_until_ms).min(r.stop_ms));
            if lo >= hi {
                continue;
            }
            times.clear();
            let mut minute = lo.div_euclid(60_000) * 60_000;
            while minute < hi {
                let (a, b) = (minute.max(lo), (minute + 60_000).min(hi));
                let expected = r.expected_in_minute(minute) * (b - a) as f64 / 60_000.0;
                let n = Poisson::new(expected).map_or(0, |p| p.sample(&mut rng) as u64);
                times.extend((0..n).map(|_| rng.random_range(a..b)));
                minute += 60_000;
            }
            times.sort_unstable();
            // The key's limit applies to everything it sends: the runaway and the customer's own calls.
            let own_per_minute = lambdas[r.customer as usize] / 60.0;
            let limited = |t: i64| r.limited_share(r.per_minute * r.level(t) + own_per_minute);
            self.factory.runaway(&mut rng, c, r, &times, limited, hi, load[r.org as usize], &env, &mut calls);
        }
        // By time, then customer: one u64 per call (every call starts within the hour, less than 2^32
        // ms after its start), cheaper to compare than the pair.
        calls.sort_unstable_by_key(|c| ((c.ts_ms - start) as u64) << 32 | u64::from(c.customer));
        calls
    }
}

/// The mean over the hour's minutes of the product of `effects`' rates for customer `c` (each minute
/// weighted by the demand drift's share of it), and, when that product changes within the hour, the
/// minute cdf its sessions start by.
fn within_hour(effects: &[&dyn Effect], c: &Customer, start: i64, drift: &[f64; 60]) -> (f64, Option<[f64; 60]>) {
    let rate = |minute: i64| effects.iter().map(|e| e.rate(start + minute * 60_000 + 30_000, c)).product::<f64>();
    let (first, last) = (rate(0), rate(59));
    if first == last && rate(30) == first {
        return (first, None);
    }
    let mut cdf = [0.0; 60];
    let (mut acc, mut before) = (0.0, 0.0);
    for (minute, (out, shared)) in cdf.iter_mut().zip(drift).enumerate() {
        acc += (shared - before) * rate(minute as i64);
        before = *shared;
        *out = acc;
    }
    if acc <= 0.0 {
        return (0.0, None);
    }
    cdf.iter_mut().for_each(|x| *x /= acc);
    (acc / drift[59].max(f64::MIN_POSITIVE), Some(cdf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_time_uses_region_offsets() {
        // 2026-09-01T14:00Z is a Tuesday.
        let t = DateTime::parse_from_rfc3339("2026-09-01T14:00:00Z").unwrap().timestamp_millis();
        assert_eq!(local_hour_weekday(t, Region::EuWest1), (14, 1));
        assert_eq!(local_hour_weekday(t, Region::UsEast1), (9, 1));
        assert_eq!(local_hour_weekday(t, Region::ApSoutheast1), (22, 1));
        // 03:00Z Tuesday is still Monday evening on the US west coast.
        let t = DateTime::parse_from_rfc3339("2026-09-01T03:00:00Z").unwrap().timestamp_millis();
        assert_eq!(local_hour_weekday(t, Region::UsWest2), (19, 0));
    }

    #[test]
    fn weekday_shares_sum_to_one_day() {
        let monday = DateTime::parse_from_rfc3339("2026-08-31T00:00:00Z").unwrap().timestamp_millis();
        let total: f64 = (0..24).map(|h| activity_share(monday + h * HOUR_MS + HOUR_MS / 2, Region::EuWest1)).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }

    #[test]
    fn mix_picks_by_cdf() {
        let mix = ModelMix::new(&[(3, 0.5), (7, 0.0), (9, 0.5)]);
        assert_eq!(mix.pick(0.0), 3);
        assert_eq!(mix.pick(0.49), 3);
        assert_eq!(mix.pick(0.5), 9);
        assert_eq!(mix.pick(0.999_999), 9);
        assert_eq!(mix.models(), &[3, 9]);
        // The guide table finds what a binary search over the cumulative shares finds.
        let weights: Vec<(usize, f64)> = (0..40).map(|m| (m, ((m * 7919) % 13) as f64 / 13.0)).collect();
        let mix = ModelMix::new(&weights);
        for k in 0..100_000 {
            let u = k as f64 / 100_000.0;
            let expected = mix.models[mix.cdf.partition_point(|&c| c <= u).min(mix.models.len() - 1)];
            assert_eq!(mix.pick(u), expected, "u = {u}");
        }
    }
}
