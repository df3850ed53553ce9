//! Charts as inline SVG: line, grouped and horizontal bars, stacked bars, donut, scatter and heat map.
//!
//! Written here rather than taken from a chart crate because the reports need three things together
//! that the crates we looked at (plotters, charts-rs) do not give: a `<title>` on every mark so values
//! show on hover without JavaScript, colours from CSS classes so one SVG follows the page's light and
//! dark schemes, and every label escaped by one function we test against hostile names.
//!
//! Every chart has a title, axes with units, a legend when there is more than one series, labels
//! thinned or shortened so they do not overlap, and scales to its container (`viewBox`, width 100%).
use std::fmt::Write;

use crate::format::Unit;

const W: f64 = 720.0;
const FONT_W: f64 = 6.4; // average glyph width at 11 px, for fitting labels
const PALETTE: usize = 8;

/// Escapes text for SVG/HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `s` cut to `max` characters with an ellipsis.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// One named series of values.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
    /// Drawn dashed (forecasts, thresholds).
    pub dashed: bool,
}

impl Series {
    pub fn new(name: impl Into<String>, values: Vec<f64>) -> Series {
        Series { name: name.into(), values, dashed: false }
    }

    pub fn dashed(mut self) -> Series {
        self.dashed = true;
        self
    }
}

/// Axis steps of 1, 2, 2.5 or 5 times a power of ten covering [lo, hi] in about `n` steps.
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let start = (lo / step).floor() * step;
    let mut ticks = Vec::new();
    let mut t = start;
    while t < hi + step * 0.999 && ticks.len() < 50 {
        ticks.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        t += step;
    }
    ticks
}

struct Frame {
    h: f64,
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

impl Frame {
    fn width(&self) -> f64 {
        W - self.left - self.right
    }
    fn height(&self) -> f64 {
        self.h - self.top - self.bottom
    }
}

fn open(out: &mut String, title: &str, h: f64, kind: &str) {
    let _ = write!(
        out,
        r#"<svg class="chart {kind}" viewBox="0 0 {W} {h}" width="100%" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title><text class="ct" x="8" y="20">{t}</text>"#,
        t = esc(title)
    );
}

fn empty(title: &str) -> String {
    let mut out = String::new();
    open(&mut out, title, 120.0, "empty");
    out.push_str(r#"<text class="muted" x="360" y="70" text-anchor="middle">No data for this chart</text></svg>"#);
    out
}

fn legend(out: &mut String, names: &[&str], y: f64) {
    let mut x = 8.0;
    for (i, n) in names.iter().enumerate() {
        let label = shorten(n, 28);
        let w = 18.0 + label.chars().count() as f64 * FONT_W + 14.0;
        if x + w > W {
            break;
        }
        let _ = write!(
            out,
            r#"<g class="legend"><rect class="c{c}" x="{x}" y="{ry}" width="12" height="10" rx="2"/><text x="{tx}" y="{ty}">{l}</text></g>"#,
            c = i % PALETTE,
            ry = y - 9.0,
            tx = x + 16.0,
            ty = y,
            l = esc(&label)
        );
        x += w;
    }
}

fn y_axis(out: &mut String, f: &Frame, ticks: &[f64], lo: f64, hi: f64, unit: Unit, label: &str) {
    for t in ticks {
        let y = f.top + f.height() * (1.0 - (t - lo) / (hi - lo));
        let _ = write!(
            out,
            r#"<line class="grid" x1="{x1}" y1="{y:.1}" x2="{x2}" y2="{y:.1}"/><text class="tick" x="{tx}" y="{ty:.1}" text-anchor="end">{v}</text>"#,
            x1 = f.left,
            x2 = W - f.right,
            tx = f.left - 6.0,
            ty = y + 4.0,
            v = esc(&unit.tick(*t))
        );
    }
    let _ = write!(
        out,
        r#"<text class="axis" transform="translate(12 {y:.1}) rotate(-90)" text-anchor="middle">{l}</text>"#,
        y = f.top + f.height() / 2.0,
        l = esc(label)
    );
}

/// Category labels under a plot: every k-th one when they would collide, shortened to fit.
fn x_labels(out: &mut String, f: &Frame, labels: &[String], centers: &[f64], axis: &str) {
    let n = labels.len().max(1);
    let slot = f.width() / n as f64;
    let max_chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1);
    let fit_chars = ((slot - 4.0) / FONT_W).floor().max(1.0) as usize;
    // Rotated labels need ROTATED_GAP px between anchors to stay clear of each other: their lines are
    // gap * sin(35°) ≈ 13.8 px apart, above the 11 px font size.
    const ROTATED_GAP: f64 = 24.0;
    let (every, rotate) =
        if max_chars <= fit_chars { (1, false) } else { (((ROTATED_GAP / slot).ceil() as usize).max(1), true) };
    for (i, (l, x)) in labels.iter().zip(centers).enumerate() {
        if i % every != 0 {
            continue;
        }
        let y = f.top + f.height() + 14.0;
        if rotate {
            let _ = write!(
                out,
                r#"<text class="tick" transform="translate({x:.1} {y:.1}) rotate(-35)" text-anchor="end"><title>{full}</title>{t}</text>"#,
                full = esc(l),
                t = esc(&shorten(l, 16))
            );
        } else {
            let _ =
                write!(out, r#"<text class="tick" x="{x:.1}" y="{y:.1}" text-anchor="middle">{t}</text>"#, t = esc(l));
        }
    }
    axis_title_below(out, f, axis);
}

/// The axis title centred under the plot, at the bottom of the chart.
fn axis_title_below(out: &mut String, f: &Frame, title: &str) {
    let _ = write!(
        out,
        r#"<text class="axis" x="{x:.1}" y="{y:.1}" text-anchor="middle">{a}</text>"#,
        x = f.left + f.width() / 2.0,
        y = f.h - 6.0,
        a = esc(title)
    );
}

fn range(values: impl Iterator<Item = f64>, include_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if hi - lo < 1e-12 {
        hi = lo + if lo.abs() > 0.0 { lo.abs() } else { 1.0 };
    }
    (lo, hi)
}

/// Starts a chart whose y axis spans every series' values (and zero): title, legend, gridlines and
/// ticks. Returns the axis range.
fn open_with_value_axis(
    out: &mut String,
    (title, kind): (&str, &str),
    f: &Frame,
    series: &[Series],
    unit: Unit,
    y_axis_label: &str,
) -> (f64, f64) {
    let (lo, hi) = range(series.iter().flat_map(|s| s.values.iter().copied()), true);
    let ticks = nice_ticks(lo, hi, 5);
    let (lo, hi) = (ticks[0].min(lo), ticks.last().copied().unwrap_or(hi).max(hi));
    open(out, title, f.h, kind);
    legend(out, &series.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), 36.0);
    y_axis(out, f, &ticks, lo, hi, unit, y_axis_label);
    (lo, hi)
}

/// Lines over shared x labels (days, hours). Hover on a point shows series, label and value.
pub fn line(title: &str, labels: &[String], series: &[Series], unit: Unit, x_axis: &str, y_axis_label: &str) -> String {
    if labels.is_empty() || series.iter().all(|s| s.values.is_empty()) {
        return empty(title);
    }
    // The last point sits on the right edge, with its label centred on it: leave room for half a label.
    let f = Frame { h: 320.0, left: 64.0, top: 44.0, right: 40.0, bottom: 64.0 };
    let mut out = String::new();
    let (lo, hi) = open_with_value_axis(&mut out, (title, "line"), &f, series, unit, y_axis_label);
    let n = labels.len();
    let x_at =
        |i: usize| if n == 1 { f.left + f.width() / 2.0 } else { f.left + f.width() * i as f64 / (n - 1) as f64 };
    let y_at = |v: f64| f.top + f.height() * (1.0 - (v - lo) / (hi - lo));
    for (si, s) in series.iter().enumerate() {
        let c = si % PALETTE;
        let pts: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, v)| format!("{:.1},{:.1}", x_at(i), y_at(*v)))
            .collect();
        let dash = if s.dashed { r#" stroke-dasharray="6 4""# } else { "" };
        let _ = write!(out, r#"<polyline class="ln c{c}"{dash} points="{}"/>"#, pts.join(" "));
        let show_dots = s.values.len() <= 60;
        for (i, v) in s.values.iter().enumerate().filter(|(_, v)| v.is_finite()) {
            let r = if show_dots { 3.0 } else { 6.0 };
            let class = if show_dots { format!("dot c{c}") } else { "hit".to_string() };
            let _ = write!(
                out,
                r#"<circle class="{class}" cx="{:.1}" cy="{:.1}" r="{r}"><title>{} · {}: {}</title></circle>"#,
                x_at(i),
                y_at(*v),
                esc(&s.name),
                esc(labels.get(i).map_or("", |l| l.as_str())),
                esc(&unit.full(*v))
            );
        }
    }
    let centers: Vec<f64> = (0..n).map(x_at).collect();
    x_labels(&mut out, &f, labels, &centers, x_axis);
    out.push_str("</svg>");
    out
}

/// Vertical grouped bars: one group per label, one bar per series.
pub fn bars(title: &str, labels: &[String], series: &[Series], unit: Unit, x_axis: &str, y_axis_label: &str) -> String {
    if labels.is_empty() || series.is_empty() {
        return empty(title);
    }
    let f = Frame { h: 320.0, left: 64.0, top: 44.0, right: 16.0, bottom: 72.0 };
    let mut out = String::new();
    let (lo, hi) = open_with_value_axis(&mut out, (title, "bars"), &f, series, unit, y_axis_label);
    let slot = f.width() / labels.len() as f64;
    let bw = (slot * 0.8 / series.len() as f64).max(1.0);
    let y_at = |v: f64| f.top + f.height() * (1.0 - (v - lo) / (hi - lo));
    let zero = y_at(0.0);
    let mut centers = Vec::new();
    for (i, l) in labels.iter().enumerate() {
        let x0 = f.left + slot * i as f64 + slot * 0.1;
        centers.push(f.left + slot * (i as f64 + 0.5));
        for (si, s) in series.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0.0);
            let (y, h) = if v >= 0.0 { (y_at(v), zero - y_at(v)) } else { (zero, y_at(v) - zero) };
            let name = if series.len() > 1 { format!("{} · ", s.name) } else { String::new() };
            let _ = write!(
                out,
                r#"<rect class="c{c}" x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="{h:.1}"><title>{n}{l}: {v}</title></rect>"#,
                c = si % PALETTE,
                x = x0 + bw * si as f64,
                h = h.max(0.5),
                n = esc(&name),
                l = esc(l),
                v = esc(&unit.full(v))
            );
        }
    }
    x_labels(&mut out, &f, labels, &centers, x_axis);
    out.push_str("</svg>");
    out
}

/// Horizontal bars, for long category names (models, organizations). Grows with the number of rows.
pub fn hbars(title: &str, labels: &[String], series: &[Series], unit: Unit, value_axis: &str) -> String {
    if labels.is_empty() || series.is_empty() {
        return empty(title);
    }
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1).min(30);
    let left = (longest as f64 * FONT_W + 16.0).clamp(60.0, 220.0);
    let row = 8.0 + 12.0 * series.len() as f64;
    let top = 48.0;
    let f = Frame { h: top + row * labels.len() as f64 + 44.0, left, top, right: 24.0, bottom: 44.0 };
    let (lo, hi) = range(series.iter().flat_map(|s| s.values.iter().copied()), true);
    let ticks = nice_ticks(lo, hi, 5);
    let (lo, hi) = (ticks[0].min(lo), ticks.last().copied().unwrap_or(hi).max(hi));
    let x_at = |v: f64| f.left + f.width() * (v - lo) / (hi - lo);
    let mut out = String::new();
    open(&mut out, title, f.h, "hbars");
    legend(&mut out, &series.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), 38.0);
    for t in &ticks {
        let x = x_at(*t);
        let _ = write!(
            out,
            r#"<line class="grid" x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{y2:.1}"/><text class="tick" x="{x:.1}" y="{ty:.1}" text-anchor="middle">{v}</text>"#,
            y1 = f.top,
            y2 = f.top + f.height(),
            ty = f.top + f.height() + 14.0,
            v = esc(&unit.tick(*t))
        );
    }
    let zero = x_at(0.0);
    for (i, l) in labels.iter().enumerate() {
        let y0 = f.top + row * i as f64 + 4.0;
        let _ = write!(
            out,
            r#"<text class="tick" x="{x:.1}" y="{y:.1}" text-anchor="end"><title>{full}</title>{t}</text>"#,
            x = f.left - 6.0,
            y = y0 + row / 2.0,
            full = esc(l),
            t = esc(&shorten(l, 30))
        );
        for (si, s) in series.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0.0);
            let (x, w) = if v >= 0.0 { (zero, x_at(v) - zero) } else { (x_at(v), zero - x_at(v)) };
            let name = if series.len() > 1 { format!("{} · ", s.name) } else { String::new() };
            let _ = write!(
                out,
                r#"<rect class="c{c}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="10"><title>{n}{l}: {v}</title></rect>"#,
                c = si % PALETTE,
                y = y0 + 12.0 * si as f64,
                w = w.max(0.5),
                n = esc(&name),
                l = esc(l),
                v = esc(&unit.full(v))
            );
        }
    }
    axis_title_below(&mut out, &f, value_axis);
    out.push_str("</svg>");
    out
}

/// Vertical stacked bars: each label's bar split by series.
pub fn stacked(
    title: &str,
    labels: &[String],
    series: &[Series],
    unit: Unit,
    x_axis: &str,
    y_axis_label: &str,
) -> String {
    if labels.is_empty() || series.is_empty() {
        return empty(title);
    }
    let f = Frame { h: 320.0, left: 64.0, top: 44.0, right: 16.0, bottom: 72.0 };
    let totals: Vec<f64> = (0..labels.len())
        .map(|i| series.iter().map(|s| s.values.get(i).copied().unwrap_or(0.0).max(0.0)).sum())
        .collect();
    let (lo, hi) = range(totals.iter().copied(), true);
    let ticks = nice_ticks(lo, hi, 5);
    let (lo, hi) = (0.0, ticks.last().copied().unwrap_or(hi).max(hi));
    let mut out = String::new();
    open(&mut out, title, f.h, "stacked");
    legend(&mut out, &series.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), 36.0);
    y_axis(&mut out, &f, &ticks, lo, hi, unit, y_axis_label);
    let slot = f.width() / labels.len() as f64;
    let bw = slot * 0.7;
    let scale = |v: f64| f.height() * v / (hi - lo);
    let mut centers = Vec::new();
    for (i, l) in labels.iter().enumerate() {
        let x = f.left + slot * i as f64 + slot * 0.15;
        centers.push(x + bw / 2.0);
        let mut base = f.top + f.height();
        for (si, s) in series.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0.0).max(0.0);
            let h = scale(v);
            base -= h;
            let _ = write!(
                out,
                r#"<rect class="c{c}" x="{x:.1}" y="{base:.1}" width="{bw:.1}" height="{h:.1}"><title>{l} · {n}: {v} of {t}</title></rect>"#,
                c = si % PALETTE,
                l = esc(l),
                n = esc(&s.name),
                v = esc(&unit.full(v)),
                t = esc(&unit.full(totals[i]))
            );
        }
    }
    x_labels(&mut out, &f, labels, &centers, x_axis);
    out.push_str("</svg>");
    out
}

/// A donut of shares. With more slices than colours, those after the seventh (callers pass them largest
/// first) and any under 1% are merged into
/// "other".
pub fn donut(title: &str, items: &[(String, f64)], unit: Unit) -> String {
    let total: f64 = items.iter().map(|(_, v)| v.max(0.0)).sum();
    if items.is_empty() || total <= 0.0 {
        return empty(title);
    }
    let mut slices: Vec<(String, f64)> = Vec::new();
    let mut other = 0.0;
    for (k, v) in items {
        if items.len() > PALETTE && (*v / total < 0.01 || slices.len() >= PALETTE - 1) {
            other += v.max(0.0);
        } else {
            slices.push((k.clone(), v.max(0.0)));
        }
    }
    if other > 0.0 {
        slices.push(("other".to_string(), other));
    }
    let h = (60.0 + 20.0 * slices.len() as f64).max(260.0);
    let (cx, cy, r, inner) = (170.0, 40.0 + (h - 40.0) / 2.0, 100.0, 58.0);
    let mut out = String::new();
    open(&mut out, title, h, "donut");
    let mut angle = -std::f64::consts::FRAC_PI_2;
    for (i, (k, v)) in slices.iter().enumerate() {
        let share = v / total;
        let sweep = share * std::f64::consts::TAU;
        let label = format!("{k}: {} ({:.1}%)", unit.full(*v), share * 100.0);
        if share >= 0.9999 {
            let _ = write!(
                out,
                r#"<circle class="ring c{c}" cx="{cx}" cy="{cy}" r="{rm}" stroke-width="{sw}"><title>{t}</title></circle>"#,
                c = i % PALETTE,
                rm = (r + inner) / 2.0,
                sw = r - inner,
                t = esc(&label)
            );
        } else {
            let (a0, a1) = (angle, angle + sweep);
            let large = if sweep > std::f64::consts::PI { 1 } else { 0 };
            let p = |rad: f64, a: f64| (cx + rad * a.cos(), cy + rad * a.sin());
            let (o0, o1, i1, i0) = (p(r, a0), p(r, a1), p(inner, a1), p(inner, a0));
            let _ = write!(
                out,
                r#"<path class="c{c}" d="M{:.2} {:.2} A{r} {r} 0 {large} 1 {:.2} {:.2} L{:.2} {:.2} A{inner} {inner} 0 {large} 0 {:.2} {:.2} Z"><title>{t}</title></path>"#,
                o0.0,
                o0.1,
                o1.0,
                o1.1,
                i1.0,
                i1.1,
                i0.0,
                i0.1,
                c = i % PALETTE,
                t = esc(&label)
            );
        }
        angle += sweep;
        let ly = 52.0 + 20.0 * i as f64;
        let _ = write!(
            out,
            r#"<rect class="c{c}" x="300" y="{ry}" width="12" height="12" rx="2"/><text x="318" y="{ty}"><title>{t}</title>{s}</text>"#,
            c = i % PALETTE,
            ry = ly - 10.0,
            ty = ly,
            t = esc(&label),
            s = esc(&shorten(&label, 58))
        );
    }
    let _ = write!(
        out,
        r#"<text class="total" x="{cx}" y="{y}" text-anchor="middle">{t}</text></svg>"#,
        y = cy + 5.0,
        t = esc(&unit.full(total))
    );
    out
}

/// A labelled point of a scatter plot.
#[derive(Debug, Clone)]
pub struct Point {
    pub label: String,
    pub x: f64,
    pub y: f64,
    /// Colour group (index into the palette).
    pub group: usize,
}

/// Points with hover labels; `groups` names the colour groups for the legend.
pub fn scatter(
    title: &str,
    points: &[Point],
    groups: &[&str],
    (x_unit, x_axis): (Unit, &str),
    (y_unit, y_axis_label): (Unit, &str),
) -> String {
    if points.is_empty() {
        return empty(title);
    }
    let f = Frame { h: 340.0, left: 64.0, top: 44.0, right: 24.0, bottom: 48.0 };
    let (xl, xh) = range(points.iter().map(|p| p.x), true);
    let (yl, yh) = range(points.iter().map(|p| p.y), true);
    let (xt, yt) = (nice_ticks(xl, xh, 6), nice_ticks(yl, yh, 5));
    let (xl, xh) = (xt[0].min(xl), xt.last().copied().unwrap_or(xh).max(xh));
    let (yl, yh) = (yt[0].min(yl), yt.last().copied().unwrap_or(yh).max(yh));
    let mut out = String::new();
    open(&mut out, title, f.h, "scatter");
    legend(&mut out, groups, 36.0);
    y_axis(&mut out, &f, &yt, yl, yh, y_unit, y_axis_label);
    let x_at = |v: f64| f.left + f.width() * (v - xl) / (xh - xl);
    let y_at = |v: f64| f.top + f.height() * (1.0 - (v - yl) / (yh - yl));
    for t in &xt {
        let _ = write!(
            out,
            r#"<text class="tick" x="{x:.1}" y="{y:.1}" text-anchor="middle">{v}</text>"#,
            x = x_at(*t),
            y = f.top + f.height() + 14.0,
            v = esc(&x_unit.tick(*t))
        );
    }
    for p in points.iter().filter(|p| p.x.is_finite() && p.y.is_finite()) {
        let _ = write!(
            out,
            r#"<circle class="pt c{c}" cx="{x:.1}" cy="{y:.1}" r="5"><title>{l}: {xv}, {yv}</title></circle>"#,
            c = p.group % PALETTE,
            x = x_at(p.x),
            y = y_at(p.y),
            l = esc(&p.label),
            xv = esc(&x_unit.full(p.x)),
            yv = esc(&y_unit.full(p.y))
        );
    }
    axis_title_below(&mut out, &f, x_axis);
    out.push_str("</svg>");
    out
}

/// A heat map of `values[row][col]` (None = no data), shaded from the lowest to the highest value.
pub fn heatmap(title: &str, rows: &[String], cols: &[String], values: &[Vec<Option<f64>>], unit: Unit) -> String {
    let all: Vec<f64> = values.iter().flatten().flatten().copied().filter(|v| v.is_finite()).collect();
    if rows.is_empty() || cols.is_empty() || all.is_empty() {
        return empty(title);
    }
    let (lo, hi) = range(all.iter().copied(), false);
    let longest = rows.iter().map(|l| l.chars().count()).max().unwrap_or(1).min(30);
    let left = (longest as f64 * FONT_W + 16.0).clamp(60.0, 220.0);
    let cell_h = 20.0;
    let f = Frame { h: 40.0 + cell_h * rows.len() as f64 + 104.0, left, top: 40.0, right: 16.0, bottom: 104.0 };
    let cw = f.width() / cols.len() as f64;
    let mut out = String::new();
    open(&mut out, title, f.h, "heatmap");
    for (ri, r) in rows.iter().enumerate() {
        let y = f.top + cell_h * ri as f64;
        let _ = write!(
            out,
            r#"<text class="tick" x="{x:.1}" y="{ty:.1}" text-anchor="end"><title>{full}</title>{t}</text>"#,
            x = f.left - 6.0,
            ty = y + 14.0,
            full = esc(r),
            t = esc(&shorten(r, 30))
        );
        for (ci, c) in cols.iter().enumerate() {
            let Some(v) = values.get(ri).and_then(|row| row.get(ci)).copied().flatten() else { continue };
            // Five shade steps, darker = higher.
            let level = (((v - lo) / (hi - lo)) * 4.0).round().clamp(0.0, 4.0) as usize;
            let _ = write!(
                out,
                r#"<rect class="h{level}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"><title>{r} · {c}: {v}</title></rect>"#,
                x = f.left + cw * ci as f64,
                w = cw - 1.0,
                h = cell_h - 1.0,
                r = esc(r),
                c = esc(c),
                v = esc(&unit.full(v))
            );
        }
    }
    let centers: Vec<f64> = (0..cols.len()).map(|i| f.left + cw * (i as f64 + 0.5)).collect();
    x_labels(&mut out, &f, cols, &centers, "");
    let ly = f.h - 16.0;
    let _ = write!(
        out,
        r#"<text class="tick" x="{x}" y="{ly}" text-anchor="end">{v}</text>"#,
        x = W / 2.0 - 70.0,
        v = esc(&unit.full(lo))
    );
    for level in 0..5 {
        let _ = write!(
            out,
            r#"<rect class="h{level}" x="{x}" y="{y}" width="26" height="12"/>"#,
            x = W / 2.0 - 64.0 + 26.0 * level as f64,
            y = ly - 10.0
        );
    }
    let _ = write!(
        out,
        r#"<text class="tick" x="{x}" y="{ly}">{v}</text></svg>"#,
        x = W / 2.0 + 72.0,
        v = esc(&unit.full(hi))
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("label-{i}")).collect()
    }

    #[test]
    fn escapes_every_label() {
        let evil = r#"<script>alert(1)</script>"'&</svg>"#;
        let charts = [
            line(evil, &[evil.to_string()], &[Series::new(evil, vec![1.0])], Unit::Usd, evil, evil),
            bars(evil, &[evil.to_string()], &[Series::new(evil, vec![1.0])], Unit::Usd, evil, evil),
            hbars(
                evil,
                &[evil.to_string()],
                &[Series::new(evil, vec![1.0]), Series::new("b", vec![2.0])],
                Unit::Usd,
                evil,
            ),
            stacked(evil, &[evil.to_string()], &[Series::new(evil, vec![1.0])], Unit::Usd, evil, evil),
            donut(evil, &[(evil.to_string(), 1.0)], Unit::Usd),
            scatter(
                evil,
                &[Point { label: evil.into(), x: 1.0, y: 2.0, group: 0 }],
                &[evil],
                (Unit::Usd, evil),
                (Unit::Ms, evil),
            ),
            heatmap(evil, &[evil.to_string()], &[evil.to_string()], &[vec![Some(1.0)]], Unit::Ms),
        ];
        for svg in charts {
            assert!(!svg.contains("<script"), "{svg}");
            assert_eq!(svg.matches("</svg>").count(), 1, "{svg}");
            assert!(svg.contains("&lt;script&gt;"));
        }
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(nice_ticks(0.0, 100.0, 5), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let t = nice_ticks(0.0, 1772.8, 5);
        assert_eq!(t[1] - t[0], 500.0);
        assert!(*t.last().unwrap() >= 1772.8);
        let t = nice_ticks(0.0, 0.0042, 5);
        assert!((t[1] - t[0] - 0.001).abs() < 1e-12);
        assert_eq!(nice_ticks(5.0, 5.0, 5).first(), Some(&5.0));
    }

    #[test]
    fn dense_labels_are_thinned_or_rotated() {
        let l = labels(168);
        let svg = line("hourly", &l, &[Series::new("a", vec![1.0; 168])], Unit::Count, "hour", "calls");
        let shown = svg.matches("label-").count();
        // Hover titles of points name every label; axis labels are a thinned subset.
        let axis_labels = (shown - 168) / 2; // a rotated label carries its full text as a title too
        assert!(axis_labels <= 27, "{axis_labels}");
        let long: Vec<String> = (0..12).map(|i| format!("meta.llama4-maverick-17b-instruct-v1:0-{i}")).collect();
        let svg = bars("models", &long, &[Series::new("p50", vec![1.0; 12])], Unit::Ms, "model", "latency");
        assert!(svg.contains("rotate(-35)"));
        assert!(svg.contains("…"));
    }

    #[test]
    fn every_mark_has_a_hover_value() {
        let svg = bars("t", &labels(3), &[Series::new("cost", vec![1.0, 2.5, 1234.0])], Unit::Usd, "x", "y");
        assert_eq!(svg.matches("</title></rect>").count(), 3, "one hover title per bar");
        assert!(svg.contains("label-2: $1,234</title>"));
        let svg = donut("d", &[("a".into(), 3.0), ("b".into(), 1.0)], Unit::Count);
        assert!(svg.contains("a: 3 (75.0%)"));
    }

    #[test]
    fn empty_data_draws_a_message() {
        assert!(line("t", &[], &[], Unit::Usd, "x", "y").contains("No data"));
        assert!(donut("t", &[("a".into(), 0.0)], Unit::Usd).contains("No data"));
        assert!(heatmap("t", &["r".into()], &["c".into()], &[vec![None]], Unit::Ms).contains("No data"));
    }

    #[test]
    fn single_slice_donut_is_a_ring() {
        let svg = donut("t", &[("only".into(), 5.0)], Unit::Usd);
        assert!(svg.contains("<circle class=\"ring"));
    }
}
