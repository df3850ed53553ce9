//! Human numbers, shared by the CLI, the reports and the analyses' sentences: sizes (`50MB`, `1.5 GB`,
//! `800k`, `123456` bytes; units are binary, 1 MB = 1024 x 1024 bytes, as the seed measured its 50 MB
//! target), counts with thousands separators and dollar amounts.

/// Parses a size; `None` if it is not a positive size.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().map_err(|_| format!("`{s}` is not a size (examples: 50MB, 1.5GB, 800KB)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => {
            return Err(format!("unknown size unit `{other}` in `{s}` (use B, KB, MB, GB or TB)"));
        }
    };
    let bytes = value * mult as f64;
    if bytes.is_nan() || !(1.0..=1e15).contains(&bytes) {
        return Err(format!("size `{s}` must be between 1 byte and 1 PB"));
    }
    Ok(bytes.round() as u64)
}

/// `52.4 MB`, `812.0 KB`, `12 B`.
pub fn format_size(bytes: u64) -> String {
    let b = bytes as f64;
    if bytes >= 1 << 30 {
        format!("{:.2} GB", b / (1u64 << 30) as f64)
    } else if bytes >= 1 << 20 {
        format!("{:.1} MB", b / (1u64 << 20) as f64)
    } else if bytes >= 1 << 10 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `-1,234` (an integer with thousands separators).
pub fn thousands_signed(n: i64) -> String {
    let digits = thousands(n.unsigned_abs());
    if n < 0 { format!("-{digits}") } else { digits }
}

/// US dollars with as many decimals as the size needs: `$12,345` (whole dollars from $1,000), `$12.35`,
/// `$0.0123`, `$0.000094`, `-$5.00`; -0.0 prints as `$0.00`.
pub fn format_usd(x: f64) -> String {
    let a = x.abs();
    let sign = if x < 0.0 { "-" } else { "" };
    if a >= 1000.0 {
        // Beyond i64 a dollar amount is not a number anyone reads; it saturates.
        format!("{sign}${}", thousands(a.round() as u64))
    } else if a >= 1.0 || a == 0.0 {
        format!("{sign}${a:.2}")
    } else if a >= 0.01 {
        format!("{sign}${a:.4}")
    } else {
        format!("{sign}${a:.6}")
    }
}

/// Parses a timestamp to Unix milliseconds: RFC 3339 (`Z` or an offset), or a naive
/// `YYYY-MM-DD[T ]HH:MM:SS[.fraction]` read as UTC.
pub fn parse_iso_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    // Fast path for our own `2026-09-01T14:03:27.123Z`.
    if b.len() == 24 && b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && b[23] == b'Z' {
        let d = |i: usize, n: usize| -> Option<i64> {
            let mut v = 0i64;
            for &c in &b[i..i + n] {
                if !c.is_ascii_digit() {
                    return None;
                }
                v = v * 10 + i64::from(c - b'0');
            }
            Some(v)
        };
        let (y, mo, da, h, mi, se, ms) = (d(0, 4)?, d(5, 2)?, d(8, 2)?, d(11, 2)?, d(14, 2)?, d(17, 2)?, d(20, 3)?);
        if !(1..=12).contains(&mo) || da < 1 || da > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59 {
            return None;
        }
        return Some(days_from_civil(y, mo, da) * 86_400_000 + ((h * 60 + mi) * 60 + se) * 1000 + ms);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    None
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_dollars() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands_signed(-1000), "-1,000");
        assert_eq!(format_usd(1772.849), "$1,773");
        assert_eq!(format_usd(12.345), "$12.35");
        assert_eq!(format_usd(0.0123), "$0.0123");
        assert_eq!(format_usd(0.000094), "$0.000094");
        assert_eq!(format_usd(-5.0), "-$5.00");
        assert_eq!(format_usd(-0.0), "$0.00");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("50MB"), Ok(50 << 20));
        assert_eq!(parse_size("1.5 GB"), Ok(3 << 29));
        assert_eq!(parse_size("800k"), Ok(800 << 10));
        assert_eq!(parse_size("1234"), Ok(1234));
        assert!(parse_size("fifty").is_err());
        assert!(parse_size("0MB").is_err());
        assert!(parse_size("5 parsecs").is_err());
        assert_eq!(format_size(50 << 20), "50.0 MB");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }
}
