//! The one cost formula: token usage x a dated price row = exact cost.
//!
//! Money is kept as integer pico-dollars (1e-12 USD) so that costs add up exactly and print as plain
//! decimals. A price of `p` USD per 1M tokens is `p * 1e6` pico-dollars per token; every list price with
//! at most six decimals (per 1M tokens) is therefore exact.
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Pico-dollars per USD.
pub const PICO_PER_USD: u64 = 1_000_000_000_000;

/// A token price in pico-USD per token (= USD per 1M tokens x 1e6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Rate(pub u64);

impl Rate {
    /// Converts a price in USD per 1M tokens; `None` if it is negative, not finite, or has more than six
    /// decimals (it could not be represented exactly).
    ///
    /// ```
    /// # use finops_core::Rate;
    /// assert_eq!(Rate::from_usd_per_million(0.0375), Some(Rate(37_500)));
    /// assert_eq!(Rate::from_usd_per_million(0.1234567), None);
    /// ```
    pub fn from_usd_per_million(usd: f64) -> Option<Rate> {
        if !usd.is_finite() || !(0.0..=1e9).contains(&usd) {
            return None;
        }
        let scaled = usd * 1e6;
        let rounded = scaled.round();
        // Tolerance well below one pico-dollar per token but above f64 noise for 6-decimal inputs.
        if (scaled - rounded).abs() > 1e-6 * scaled.max(1.0) {
            return None;
        }
        Some(Rate(rounded as u64))
    }

    /// The price in USD per 1M tokens.
    pub fn usd_per_million(self) -> f64 {
        self.0 as f64 / 1e6
    }
}

/// An exact cost in pico-dollars. `Display` prints a plain decimal in USD (`0.0001875`), never an
/// exponent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Cost(pub u64);

impl Cost {
    /// The cost in USD as the f64 closest to the exact decimal.
    pub fn usd(self) -> f64 {
        self.0 as f64 / PICO_PER_USD as f64
    }

    /// Appends the plain-decimal USD form to `out` without allocating.
    pub fn write_decimal(self, out: &mut Vec<u8>) {
        let whole = self.0 / PICO_PER_USD;
        let mut frac = self.0 % PICO_PER_USD;
        let mut buf = itoa::Buffer::new();
        out.extend_from_slice(buf.format(whole).as_bytes());
        if frac != 0 {
            let mut digits = 12;
            while frac.is_multiple_of(10) {
                frac /= 10;
                digits -= 1;
            }
            out.push(b'.');
            let s = buf.format(frac);
            out.resize(out.len() + (digits - s.len()), b'0');
            out.extend_from_slice(s.as_bytes());
        }
    }
}

impl fmt::Display for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::with_capacity(24);
        self.write_decimal(&mut out);
        // write_decimal emits ASCII digits and '.' only.
        f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

/// The service tier a call was served in: the batch API and OpenAI's flex and priority tiers are
/// priced at their own rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceTier {
    #[default]
    Standard,
    /// The batch API (results within 24 hours, about half price).
    Batch,
    /// Flex processing: slower, may be refused under load, about half price.
    Flex,
    /// Priority processing: faster and steadier, at a premium.
    Priority,
}

impl ServiceTier {
    pub const ALL: [ServiceTier; 4] =
        [ServiceTier::Standard, ServiceTier::Batch, ServiceTier::Flex, ServiceTier::Priority];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceTier::Standard => "standard",
            ServiceTier::Batch => "batch",
            ServiceTier::Flex => "flex",
            ServiceTier::Priority => "priority",
        }
    }
}

impl std::str::FromStr for ServiceTier {
    type Err = String;
    /// Accepts the names providers report too: OpenAI's `default` and `auto` are the standard tier.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "standard" | "default" | "auto" => Ok(ServiceTier::Standard),
            "batch" => Ok(ServiceTier::Batch),
            "flex" => Ok(ServiceTier::Flex),
            "priority" => Ok(ServiceTier::Priority),
            other => Err(format!("unknown service tier `{other}` (expected standard, batch, flex or priority)")),
        }
    }
}

/// Billed token usage of one call, as the provider's usage object reports it.
///
/// `cached_input` and `cache_write` are subsets of `input` (OpenTelemetry GenAI convention); reasoning
/// tokens are part of `output` and priced at the output rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub input: u64,
    pub cached_input: u64,
    /// Prompt tokens written to the cache with the default (5-minute) lifetime.
    pub cache_write: u64,
    /// Prompt tokens written to the cache with a 1-hour lifetime (Anthropic: 2x input).
    pub cache_write_1h: u64,
    pub output: u64,
}

/// Why a call could not be priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum CostError {
    #[error("cached ({cached}) plus cache-write ({write}) tokens exceed input tokens ({input})")]
    CachedExceedsInput { cached: u64, write: u64, input: u64 },
    #[error("the model has no {} price", .0.as_str())]
    NoTierPrice(ServiceTier),
    #[error("cost overflows 64-bit pico-dollars")]
    Overflow,
}

/// The rates of one price row that apply to one request (after long-context and batch selection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppliedRates {
    pub input: Rate,
    pub cached_input: Rate,
    pub cache_write: Rate,
    pub cache_write_1h: Rate,
    pub output: Rate,
}

impl AppliedRates {
    /// `uncached input x input + cached x cached_input + cache writes x their rates + output x output`.
    pub fn cost(&self, usage: &Usage) -> Result<Cost, CostError> {
        let cached = usage
            .cached_input
            .checked_add(usage.cache_write)
            .and_then(|c| c.checked_add(usage.cache_write_1h))
            .ok_or(CostError::Overflow)?;
        let uncached = usage.input.checked_sub(cached).ok_or(CostError::CachedExceedsInput {
            cached: usage.cached_input,
            write: usage.cache_write.saturating_add(usage.cache_write_1h),
            input: usage.input,
        })?;
        let terms = [
            (uncached, self.input),
            (usage.cached_input, self.cached_input),
            (usage.cache_write, self.cache_write),
            (usage.cache_write_1h, self.cache_write_1h),
            (usage.output, self.output),
        ];
        let mut total: u64 = 0;
        for (tokens, rate) in terms {
            let part = tokens.checked_mul(rate.0).ok_or(CostError::Overflow)?;
            total = total.checked_add(part).ok_or(CostError::Overflow)?;
        }
        Ok(Cost(total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_exact() {
        assert_eq!(Rate::from_usd_per_million(2.5), Some(Rate(2_500_000)));
        assert_eq!(Rate::from_usd_per_million(0.165), Some(Rate(165_000)));
        assert_eq!(Rate::from_usd_per_million(0.005), Some(Rate(5_000)));
        assert_eq!(Rate::from_usd_per_million(0.000001), Some(Rate(1)));
        assert_eq!(Rate::from_usd_per_million(-1.0), None);
        assert_eq!(Rate::from_usd_per_million(f64::NAN), None);
    }

    #[test]
    fn decimal_formatting_is_plain() {
        assert_eq!(Cost(0).to_string(), "0");
        assert_eq!(Cost(94_000_000).to_string(), "0.000094");
        assert_eq!(Cost(1).to_string(), "0.000000000001");
        assert_eq!(Cost(PICO_PER_USD).to_string(), "1");
        assert_eq!(Cost(12 * PICO_PER_USD + 345_000_000_000).to_string(), "12.345");
    }

    #[test]
    fn formula_matches_hand_computation() {
        // gpt-4o at 2.50 / 10.00 / cached 1.25 per 1M:
        // 1,200 input of which 512 cached, 300 output:
        // (688 x 2.5 + 512 x 1.25 + 300 x 10) / 1e6 = (1720 + 640 + 3000) / 1e6 = 0.00536
        let rates = AppliedRates {
            input: Rate(2_500_000),
            cached_input: Rate(1_250_000),
            cache_write: Rate(2_500_000),
            cache_write_1h: Rate(5_000_000),
            output: Rate(10_000_000),
        };
        let usage = Usage { input: 1200, cached_input: 512, output: 300, ..Usage::default() };
        assert_eq!(rates.cost(&usage).unwrap().to_string(), "0.00536");
        let bad = Usage { input: 10, cached_input: 11, ..Usage::default() };
        assert!(matches!(rates.cost(&bad), Err(CostError::CachedExceedsInput { .. })));
        let huge = Usage { input: u64::MAX, ..Usage::default() };
        assert_eq!(rates.cost(&huge), Err(CostError::Overflow));
    }
}
