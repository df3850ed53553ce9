//! `finops reprice` end to end: a fresh simulation reprices to the same bytes, a log without costs
//! gets them back exactly, unknown models stay unpriced, bad values name file, line and column.
use std::fs;
use std::process::Command;

fn finops(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_finops")).args(args).output().expect("finops runs")
}

#[test]
fn reprice_restores_costs_and_names_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    assert!(
        finops(&["simulate", "--calls", "5000", "--customers", "50", "--out", &p("calls.csv"), "-q"]).status.success()
    );
    let original = fs::read_to_string(p("calls.csv")).unwrap();

    // Priced with today's catalog already: nothing changes, byte for byte.
    let o = finops(&["reprice", "--input", &p("calls.csv"), "--out", &p("same.csv")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(fs::read_to_string(p("same.csv")).unwrap(), original);
    assert!(String::from_utf8_lossy(&o.stderr).contains("(0 changed"), "{}", String::from_utf8_lossy(&o.stderr));

    // Without the cost column: appended, equal to the simulator's for every row.
    let mut rows = csv::Reader::from_path(p("calls.csv")).unwrap();
    let header = rows.headers().unwrap().clone();
    let cost = header.iter().position(|h| h == "cost_usd").unwrap();
    let mut w = csv::Writer::from_path(p("nocost.csv")).unwrap();
    w.write_record(header.iter().enumerate().filter(|(i, _)| *i != cost).map(|(_, h)| h)).unwrap();
    let mut expected = Vec::new();
    for r in rows.records().map(|r| r.unwrap()) {
        expected.push(r[cost].to_string());
        w.write_record(r.iter().enumerate().filter(|(i, _)| *i != cost).map(|(_, f)| f)).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let o = finops(&["reprice", "--input", &p("nocost.csv"), "--out", &p("priced.csv")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut priced = csv::Reader::from_path(p("priced.csv")).unwrap();
    assert_eq!(priced.headers().unwrap().iter().next_back(), Some("cost_usd"));
    let got: Vec<String> = priced.records().map(|r| r.unwrap().iter().next_back().unwrap().to_string()).collect();
    assert_eq!(got, expected);

    // An unknown model is unpriced: listed, its rows keep their cost, never $0.
    let first_model = original.lines().nth(1).unwrap().split(',').nth(7).unwrap().to_string();
    let unknown = original.replace(&format!(",{first_model},"), ",gpt-99,");
    fs::write(p("unknown.csv"), &unknown).unwrap();
    let o = finops(&["reprice", "--input", &p("unknown.csv"), "--out", &p("unknown_out.csv")]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unpriced: ") && err.contains("/gpt-99"), "{err}");
    assert_eq!(fs::read_to_string(p("unknown_out.csv")).unwrap(), unknown);

    // A bad value: file, line and column, non-zero exit, no output file.
    let bad = original.replacen(",standard,", ",turbo,", 3);
    fs::write(p("bad.csv"), &bad).unwrap();
    let o = finops(&["reprice", "--input", &p("bad.csv"), "--out", &p("bad_out.csv")]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.csv:2:24: service_tier = \"turbo\""), "{err}");
    assert!(!dir.path().join("bad_out.csv").exists() && !dir.path().join("bad_out.csv.partial").exists());
}
