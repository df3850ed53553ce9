//! Times SQL queries against a call log: `cargo run --release --example sql -- FILE 'SELECT …' ['SELECT …' …]`.
//! Used to compare query shapes and to run the same queries as the DuckDB side of `bench/analyze.py`.
use std::path::PathBuf;
use std::time::Instant;

use finops_analytics::{Dataset, LoadOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let file = args.next().ok_or("usage: sql FILE QUERY...")?;
    let started = Instant::now();
    let ds = Dataset::open(&[PathBuf::from(file)], LoadOptions::default())?;
    println!("load {:8.1} ms  {} rows", started.elapsed().as_secs_f64() * 1e3, ds.rows());
    for q in args {
        let mut best = f64::MAX;
        let mut rows = 0;
        for _ in 0..5 {
            let t = Instant::now();
            rows = ds.sql(&q)?.len();
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
        }
        println!("{best:8.1} ms  {rows:>7} rows  {q}");
    }
    Ok(())
}
