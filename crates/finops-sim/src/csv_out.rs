//! Fast CSV rows: every string that repeats (customer attributes, provider + model) is escaped once
//! up front; per row only numbers and the timestamp are formatted, into a reused byte buffer.
use chrono::Datelike;
use finops_core::pricing::Catalog;
use finops_core::schema::csv_header;

use crate::call::Call;
use crate::population::Population;
use crate::timeline::{DAY_MS, utc_date};

/// Escapes one CSV field (quotes only when needed) with the csv crate, so that catalog names with
/// commas or quotes cannot break the file.
pub fn escape_field(s: &str) -> Vec<u8> {
    let mut w =
        csv::WriterBuilder::new().has_headers(false).terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record([s]);
    let mut out = w.into_inner().unwrap_or_default();
    out.pop();
    out
}

/// Minimum digits of the call id sequence number (`call_00000001`, as in the seed).
const CALL_ID_DIGITS: usize = 8;

pub(crate) struct CsvFormatter {
    /// `cust_0001,org_001,product_a,` per customer.
    customer_prefix: Vec<Vec<u8>>,
    /// `starter,29,light` per customer.
    customer_suffix: Vec<Vec<u8>>,
    /// `openai,gpt-4o,` per catalog model.
    model_prefix: Vec<Vec<u8>>,
}

static TWO_DIGITS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// Caches the `YYYY-MM-DDT` prefix of the last day formatted.
#[derive(Default)]
pub(crate) struct DayCache {
    day: Option<i64>,
    prefix: [u8; 11],
}

impl DayCache {
    fn prefix(&mut self, day: i64) -> &[u8; 11] {
        if self.day != Some(day) {
            let d = utc_date(day * DAY_MS);
            let s = format!("{:04}-{:02}-{:02}T", d.year(), d.month(), d.day());
            self.prefix.copy_from_slice(&s.as_bytes()[..11]);
            self.day = Some(day);
        }
        &self.prefix
    }
}

/// Appends `2026-09-01T14:03:27.123Z`.
pub(crate) fn write_timestamp(out: &mut Vec<u8>, ts_ms: i64, cache: &mut DayCache) {
    let day = ts_ms.div_euclid(DAY_MS);
    let ms = ts_ms.rem_euclid(DAY_MS) as usize;
    out.extend_from_slice(cache.prefix(day));
    let (secs, millis) = (ms / 1000, ms % 1000);
    out.extend_from_slice(&TWO_DIGITS[secs / 3600]);
    out.push(b':');
    out.extend_from_slice(&TWO_DIGITS[(secs / 60) % 60]);
    out.push(b':');
    out.extend_from_slice(&TWO_DIGITS[secs % 60]);
    out.push(b'.');
    out.push(b'0' + (millis / 100) as u8);
    out.extend_from_slice(&TWO_DIGITS[millis % 100]);
    out.push(b'Z');
}

/// Appends a call id: `call_` + sequence number padded to 8 digits.
pub(crate) fn write_call_id(out: &mut Vec<u8>, id: u64) {
    let mut buf = itoa::Buffer::new();
    let s = buf.format(id);
    out.extend_from_slice(b"call_");
    out.resize(out.len() + CALL_ID_DIGITS.saturating_sub(s.len()), b'0');
    out.extend_from_slice(s.as_bytes());
}

fn push_int(out: &mut Vec<u8>, buf: &mut itoa::Buffer, v: u32) {
    out.extend_from_slice(buf.format(v).as_bytes());
}

impl CsvFormatter {
    pub fn new(population: &Population, catalog: &Catalog) -> CsvFormatter {
        let customer_prefix = population
            .customers
            .iter()
            .map(|c| {
                format!("{},{},{},", population.customer_id(c.index), population.org_id(c.org), c.product).into_bytes()
            })
            .collect();
        let customer_suffix = population
            .customers
            .iter()
            .map(|c| format!("{},{},{}", c.tier, c.tier.monthly_price_usd(), c.archetype).into_bytes())
            .collect();
        let model_prefix = catalog
            .models
            .iter()
            .map(|m| {
                let mut v = escape_field(&m.provider);
                v.push(b',');
                v.extend(escape_field(&m.name));
                v.push(b',');
                v
            })
            .collect();
        CsvFormatter { customer_prefix, customer_suffix, model_prefix }
    }

    /// The header line with its line end.
    pub fn header() -> Vec<u8> {
        let mut h = csv_header().into_bytes();
        h.push(b'\n');
        h
    }

    /// Appends one row with its line end.
    pub fn write_row(&self, out: &mut Vec<u8>, id: u64, c: &Call, cache: &mut DayCache) {
        let mut buf = itoa::Buffer::new();
        write_call_id(out, id);
        out.push(b',');
        write_timestamp(out, c.ts_ms, cache);
        out.push(b',');
        out.extend_from_slice(&self.customer_prefix[c.customer as usize]);
        out.extend_from_slice(c.feature.as_str().as_bytes());
        out.push(b',');
        out.extend_from_slice(&self.model_prefix[c.model as usize]);
        push_int(out, &mut buf, c.input_tokens);
        out.push(b',');
        push_int(out, &mut buf, c.output_tokens);
        out.push(b',');
        out.extend_from_slice(buf.format(c.total_tokens()).as_bytes());
        out.push(b',');
        c.cost.write_decimal(out);
        out.push(b',');
        push_int(out, &mut buf, c.latency_ms);
        out.push(b',');
        out.extend_from_slice(c.status().as_str().as_bytes());
        out.push(b',');
        out.extend_from_slice(c.environment.as_str().as_bytes());
        out.push(b',');
        out.extend_from_slice(c.region.as_str().as_bytes());
        out.push(b',');
        out.extend_from_slice(&self.customer_suffix[c.customer as usize]);
        out.push(b',');
        push_int(out, &mut buf, c.cached_input_tokens);
        out.push(b',');
        push_int(out, &mut buf, c.reasoning_tokens);
        out.push(b',');
        push_int(out, &mut buf, c.ttft_ms);
        out.push(b',');
        out.extend_from_slice(c.error.as_str().as_bytes());
        out.push(b',');
        out.extend_from_slice(c.service_tier.as_str().as_bytes());
        out.push(b',');
        push_int(out, &mut buf, c.cache_write_tokens);
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_ids_format_like_iso_8601() {
        let mut out = Vec::new();
        let mut cache = DayCache::default();
        let t = chrono::DateTime::parse_from_rfc3339("2026-09-01T04:05:06.007Z").unwrap().timestamp_millis();
        write_timestamp(&mut out, t, &mut cache);
        assert_eq!(String::from_utf8(out).unwrap(), "2026-09-01T04:05:06.007Z");
        let mut out = Vec::new();
        write_call_id(&mut out, 42);
        write_call_id(&mut out, 123_456_789_012);
        assert_eq!(String::from_utf8(out).unwrap(), "call_00000042call_123456789012");
    }

    #[test]
    fn fields_are_escaped_only_when_needed() {
        assert_eq!(escape_field("gpt-4o"), b"gpt-4o");
        assert_eq!(escape_field("a,\"b\""), b"\"a,\"\"b\"\"\"");
    }
}
