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
