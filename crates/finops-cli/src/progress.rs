//! Progress display: an indicatif bar on a terminal, plain periodic lines otherwise (CI logs, pipes).
use std::cell::Cell;
use std::io::IsTerminal;
use std::time::Duration;

use finops_sim::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use finops_core::units::{format_size, thousands};

/// What the bar measures.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    Bytes(u64),
    Calls(u64),
    /// Simulated time span in milliseconds.
    SimSpan {
        start_ms: i64,
        end_ms: i64,
    },
}

pub struct Reporter {
    goal: Goal,
    bar: Option<ProgressBar>,
    last_line: Cell<Option<Duration>>,
    quiet: bool,
}

impl Reporter {
    pub fn new(goal: Goal, quiet: bool) -> Reporter {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let (len, template) = match goal {
                Goal::Bytes(b) => (b, "{spinner:.cyan} [{elapsed_precise}] {wide_bar:.cyan/blue} {bytes}/{total_bytes} {msg} ETA {eta}"),
                Goal::Calls(n) => (n, "{spinner:.cyan} [{elapsed_precise}] {wide_bar:.cyan/blue} {human_pos}/{human_len} calls {msg} ETA {eta}"),
                Goal::SimSpan { start_ms, end_ms } => {
                    ((end_ms - start_ms).max(1) as u64, "{spinner:.cyan} [{elapsed_precise}] {wide_bar:.cyan/blue} {percent}% {msg} ETA {eta}")
                }
            };
            let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Reporter { goal, bar, last_line: Cell::new(None), quiet }
    }

    fn fraction(&self, p: &Progress) -> f64 {
        match self.goal {
            Goal::Bytes(b) => p.bytes as f64 / b.max(1) as f64,
            Goal::Calls(n) => p.calls as f64 / n.max(1) as f64,
            Goal::SimSpan { start_ms, end_ms } => (p.sim_time_ms - start_ms) as f64 / (end_ms - start_ms).max(1) as f64,
        }
        .clamp(0.0, 1.0)
    }

    pub fn update(&self, p: &Progress) {
        let secs = p.elapsed.as_secs_f64().max(1e-9);
        let per_s = p.calls as f64 / secs;
        // Paced runs (the live demo) go at thousands of calls a second, full-speed ones at millions.
        let speed = if per_s >= 1e5 {
            format!("{:.2}M calls/s", per_s / 1e6)
        } else {
            format!("{} calls/s", thousands(per_s.round() as u64))
        };
        let mut rate = format!("{} calls, {speed}", thousands(p.calls));
        if let Some(s) = p.scenario {
            rate = format!("{s} | {rate}");
        }
        if let Some(bar) = &self.bar {
            let pos = match self.goal {
                Goal::Bytes(_) => p.bytes,
                Goal::Calls(_) => p.calls,
                Goal::SimSpan { start_ms, .. } => (p.sim_time_ms - start_ms).max(0) as u64,
            };
            bar.set_position(pos);
            bar.set_message(rate);
        } else if !self.quiet {
            // One line a second at most, so logs stay readable.
            let due = self.last_line.get().is_none_or(|t| p.elapsed >= t + Duration::from_secs(1));
            if due {
                self.last_line.set(Some(p.elapsed));
                eprintln!(
                    "[{:>5.1}%] {} written, {} ({:.1} s)",
                    self.fraction(p) * 100.0,
                    format_size(p.bytes),
                    rate,
                    p.elapsed.as_secs_f64()
                );
            }
        }
    }

    /// Prints a line above the bar (or plainly without one).
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
