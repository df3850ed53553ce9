//! Demand drift within the hour: the whole traffic's rate wanders on a scale of minutes.
//!
//! The daily and weekly rhythm sets each hour's volume; within an hour, real demand is not flat. In
//! the one hour of the Azure LLM inference trace 2023 (`shared/data/azure-llm-trace-2023`), the
//! conversation service's requests per minute climb from 191 to 507 and fall back to 225: its
//! per-minute counts vary with a CV of 0.22 and its 5-minute counts with 0.18, where a Poisson stream
//! at that rate would give 0.055 and 0.024. That variation is slow (the 5-minute CV is most of the
//! 1-minute one): the rate drifts. Sessions add the fast part (see [`crate::session`]).
//!
//! The drift is a smooth random factor `exp(sigma x G(t))` on when sessions start, with `G` a
//! stationary Gaussian process of unit variance and a squared-exponential correlation over
//! [`DRIFT_TIMESCALE_MIN`] minutes, built from random Fourier features (Rahimi and Recht, 2007) fixed
//! by the seed. It is a function of absolute time, so every hour can be generated alone, and it is
//! normalized per hour: hourly volumes stay exactly as calibrated.
use std::f64::consts::TAU;

use rand::RngExt;
use rand_distr::{Distribution, Normal};

use crate::rng::{Stream, stream_rng};

/// Log-scale amplitude of the drift: with [`DRIFT_TIMESCALE_MIN`], per-minute activity within an hour
/// varies with a CV of about 0.2 and 5-minute activity slightly less, the trace's slow variation (its
/// 0.22 per minute includes the fast variation that sessions and Poisson noise add here).
pub const DRIFT_SIGMA: f64 = 0.3;
/// Correlation length of the drift, in minutes (the trace's hour holds about one rise and fall).
pub const DRIFT_TIMESCALE_MIN: f64 = 12.0;
/// Random Fourier features: enough for the process to look Gaussian.
const FEATURES: usize = 64;

/// The drift of one run (a function of the seed and absolute time).
#[derive(Debug, Clone)]
pub struct DemandDrift {
    /// (angular frequency per minute, phase, cos and sin of the frequency) of each feature.
    waves: Vec<Wave>,
    sigma: f64,
}

#[derive(Debug, Clone, Copy)]
struct Wave {
    freq: f64,
    phase: f64,
    cos_step: f64,
    sin_step: f64,
}

/// Normalizes the sum of the features to unit variance.
fn scale() -> f64 {
    (2.0 / FEATURES as f64).sqrt()
}

impl DemandDrift {
    /// The drift of `seed` with the calibrated amplitude.
    pub fn new(seed: u64) -> DemandDrift {
        DemandDrift::with(seed, DRIFT_SIGMA, DRIFT_TIMESCALE_MIN)
    }

    /// A drift of log-amplitude `sigma` and correlation length `timescale_min` (0 amplitude is flat).
    pub fn with(seed: u64, sigma: f64, timescale_min: f64) -> DemandDrift {
        let mut rng = stream_rng(seed, Stream::Drift, 0);
        let normal = Normal::new(0.0, 1.0 / timescale_min.max(1e-3)).expect("finite positive scale");
        let waves = (0..FEATURES)
            .map(|_| {
                let freq = normal.sample(&mut rng);
                Wave { freq, phase: rng.random::<f64>() * TAU, cos_step: freq.cos(), sin_step: freq.sin() }
            })
            .collect();
        DemandDrift { waves, sigma }
    }

    /// The relative demand at `t_ms` (Unix ms): log-normal around 1.
    pub fn factor(&self, t_ms: i64) -> f64 {
        let minutes = t_ms as f64 / 60_000.0;
        let g: f64 = self.waves.iter().map(|w| (w.freq * minutes + w.phase).cos()).sum();
        (self.sigma * g * scale()).exp()
    }

    /// Cumulative share of the hour starting at `hour_start_ms` that each of its minutes ends (the
    /// last is exactly 1): where the hour's sessions start. The factor at each minute's middle,
    /// stepping every feature from one minute to the next by a rotation (a cosine per feature and
    /// hour instead of per minute: this runs once per simulated hour).
    pub fn minute_cdf(&self, hour_start_ms: i64) -> [f64; 60] {
        let mut g = [0.0; 60];
        let first = (hour_start_ms + 30_000) as f64 / 60_000.0;
        for w in &self.waves {
            let angle = w.freq * first + w.phase;
            let (mut c, mut s) = (angle.cos(), angle.sin());
            for x in g.iter_mut() {
                *x += c;
                (c, s) = (c * w.cos_step - s * w.sin_step, s * w.cos_step + c * w.sin_step);
            }
        }
        let mut cdf = [0.0; 60];
        let mut acc = 0.0;
        for (c, x) in cdf.iter_mut().zip(g) {
            acc += (self.sigma * x * scale()).exp();
            *c = acc;
        }
        cdf.iter_mut().for_each(|c| *c /= acc);
        cdf[59] = 1.0;
        cdf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cv(v: &[f64]) -> f64 {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt() / m
    }

    /// Within an hour, the calibrated drift moves per-minute and 5-minute activity as much as the
    /// trace's slow variation, averaged over many hours and seeds.
    #[test]
    fn within_hour_variation_matches_the_trace() {
        let (mut cv1, mut cv5, mut n) = (0.0, 0.0, 0.0);
        for seed in 0..8 {
            let drift = DemandDrift::new(seed);
            for h in 0..500 {
                let cdf = drift.minute_cdf(1_788_000_000_000 + h * 3_600_000);
                let minutes: Vec<f64> = (0..60).map(|i| cdf[i] - if i > 0 { cdf[i - 1] } else { 0.0 }).collect();
                let fives: Vec<f64> = minutes.chunks(5).map(|c| c.iter().sum()).collect();
                cv1 += cv(&minutes);
                cv5 += cv(&fives);
                n += 1.0;
                assert!((cdf[59] - 1.0).abs() < 1e-12 && cdf.windows(2).all(|w| w[0] < w[1]));
            }
        }
        let (cv1, cv5) = (cv1 / n, cv5 / n);
        assert!((0.18..0.23).contains(&cv1), "per-minute CV {cv1}");
        assert!((0.17..0.22).contains(&cv5), "5-minute CV {cv5}");
        // The stepped minutes agree with the factor at each minute's middle.
        let drift = DemandDrift::new(42);
        let hour = 1_788_000_000_000;
        let cdf = drift.minute_cdf(hour);
        let total: f64 = (0..60).map(|i| drift.factor(hour + i * 60_000 + 30_000)).sum();
        let mut acc = 0.0;
        for (i, c) in cdf.iter().enumerate() {
            acc += drift.factor(hour + i as i64 * 60_000 + 30_000) / total;
            assert!((c - acc).abs() < 1e-9, "minute {i}: {c} vs {acc}");
        }
        // A flat drift leaves the hour uniform.
        let flat = DemandDrift::with(1, 0.0, 12.0).minute_cdf(0);
        assert!((flat[29] - 0.5).abs() < 1e-12);
    }
}
