//! Number formatting for cards, tables, axes and hover text (counts, dollars and sizes from
//! `finops_core::units`, shared with the CLI and the analyses' sentences).

/// US dollars with as many decimals as the size needs: `$12,345`, `$12.35`, `$0.0123`, `$0.000094`.
pub use finops_core::units::format_usd as usd;
use finops_core::units::thousands_signed;

/// `12,345` (rounded to an integer, with thousands separators).
pub fn int(x: f64) -> String {
    // Saturates beyond i64, far past any count a report shows.
    thousands_signed(x.round() as i64)
}

/// `12.3%`.
pub fn pct(x: f64) -> String {
    let x = unsigned_zero(x);
    if x.abs() < 10.0 { format!("{x:.2}%") } else { format!("{x:.1}%") }
}

/// Milliseconds as `812 ms`, `6.1 s` or `2.4 h`.
pub fn ms(x: f64) -> String {
    let x = unsigned_zero(x);
    if x.abs() < 1000.0 {
        format!("{x:.0} ms")
    } else if x.abs() < 3_600_000.0 {
        format!("{:.1} s", x / 1000.0)
    } else {
        format!("{:.1} h", x / 3_600_000.0)
    }
}

/// `x` with `decimals` decimals, never `-0.0`.
pub fn fixed(x: f64, decimals: usize) -> String {
    format!("{:.*}", decimals, unsigned_zero(x))
}

/// `-0.0` (an empty float sum in Rust) as `0.0`, so that it never prints as `-0`.
fn unsigned_zero(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x }
}

/// Short form for axis ticks: `950`, `1.2K`, `3.4M`, `2B`.
pub fn compact(x: f64) -> String {
    let x = unsigned_zero(x);
    let a = x.abs();
    let (v, suffix) = if a >= 1e9 {
        (x / 1e9, "B")
    } else if a >= 1e6 {
        (x / 1e6, "M")
    } else if a >= 1e3 {
        (x / 1e3, "K")
    } else {
        (x, "")
    };
    let s = if v.fract().abs() < 1e-9 || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else if v.abs() >= 0.01 || v == 0.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    };
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    format!("{s}{suffix}")
}

/// Bytes in a (binary) megabyte.
pub const MB: f64 = 1024.0 * 1024.0;

/// What a value measures, for choosing its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Usd,
    Count,
    Pct,
    Ms,
    Plain,
}

impl Unit {
    /// Full-precision text, for tables and hover.
    pub fn full(self, x: f64) -> String {
        match self {
            Unit::Usd => usd(x),
            Unit::Count => int(x),
            Unit::Pct => pct(x),
            Unit::Ms => ms(x),
            Unit::Plain => compact(x),
        }
    }

    /// Short text, for axis ticks.
    pub fn tick(self, x: f64) -> String {
        match self {
            Unit::Usd => format!("${}", compact(x)),
            Unit::Pct => format!("{}%", compact(x)),
            Unit::Ms if x.abs() >= 1000.0 => format!("{} s", compact(x / 1000.0)),
            Unit::Ms => format!("{} ms", compact(x)),
            Unit::Count | Unit::Plain => compact(x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(int(1234567.4), "1,234,567");
        assert_eq!(int(-1000.0), "-1,000");
        assert_eq!(int(999.0), "999");
        assert_eq!(usd(1772.849), "$1,773");
        assert_eq!(usd(12.345), "$12.35");
        assert_eq!(usd(0.0123), "$0.0123");
        assert_eq!(usd(0.000094), "$0.000094");
        assert_eq!(usd(-5.0), "-$5.00");
        assert_eq!(pct(89.149), "89.1%");
        assert_eq!(pct(1.234), "1.23%");
        assert_eq!((pct(-0.0), ms(-0.0), compact(-0.0)), ("0.00%".into(), "0 ms".into(), "0".into()));
        assert_eq!(ms(812.2), "812 ms");
        assert_eq!(ms(6130.0), "6.1 s");
        assert_eq!(compact(1500.0), "1.5K");
        assert_eq!(compact(2_000_000.0), "2M");
        assert_eq!(compact(0.25), "0.25");
        assert_eq!(Unit::Usd.tick(2500.0), "$2.5K");
        assert_eq!(Unit::Ms.tick(30000.0), "30 s");
        assert_eq!(finops_core::units::format_size(52_428_826), "50.0 MB");
        assert_eq!((fixed(-0.0, 1), fixed(2.345, 2)), ("0.0".into(), "2.35".into()));
    }
}
