use finops_analytics::{Dataset, LoadOptions};

#[test]
fn sql_features_we_rely_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.csv");
    let sim = finops_sim::Simulator::new(finops_sim::SimConfig { customers: 50, ..Default::default() }).unwrap();
    sim.write_file(&path, finops_sim::OutputFormat::Csv, finops_sim::Stop::Calls(5000), &Default::default()).unwrap();
    let ds = Dataset::open(&[path], LoadOptions::default()).unwrap();
    assert_eq!(ds.rows(), 5000);
    let t = ds.sql("SELECT provider, percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95, median(latency_ms) AS p50, date_trunc('hour', timestamp) AS h FROM calls GROUP BY provider, h ORDER BY h LIMIT 3").unwrap();
    eprintln!("{:?} {:?}", t.str("provider").unwrap(), t.f64("p95").unwrap());
    let t = ds.sql(&format!("SELECT {} FROM calls", finops_analytics::common::METRICS_SQL)).unwrap();
    eprintln!("{:?}", t.f64("p99").unwrap());
}
