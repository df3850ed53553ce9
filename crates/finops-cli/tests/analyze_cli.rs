//! `finops analyze` end to end.
use std::fs;
use std::process::Command;

fn finops(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_finops")).args(args).output().expect("finops runs")
}

#[test]
fn analyze_writes_every_result_and_reports_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("calls.csv");
    let out = dir.path().join("reports");
    assert!(
        finops(&["simulate", "--calls", "20000", "--customers", "100", "--out", data.to_str().unwrap(), "-q"])
            .status
            .success()
    );
    let o = finops(&["analyze", "--input", data.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let listed = finops(&["analyze", "--list"]);
    let ids: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 13);
    for id in &ids {
        let v: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join("data").join(format!("{id}.json"))).unwrap()).unwrap();
        assert!(v["recommendations"].is_array(), "{id}");
    }
    let o = finops(&["analyze", "--input", data.to_str().unwrap(), "--json", "understanding"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["calls"], 20000);

    let bad = dir.path().join("bad.csv");
    // File line 6 (the 5th data row) gets an unreadable timestamp.
    let mut lines: Vec<String> = fs::read_to_string(&data).unwrap().lines().map(String::from).collect();
    let mut fields: Vec<&str> = lines[5].split(',').collect();
    fields[1] = "not-a-time";
    lines[5] = fields.join(",");
    fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let o = finops(&["analyze", "--input", bad.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.csv:6: column timestamp") && err.contains("not-a-time"), "{err}");
    let o = finops(&[
        "analyze",
        "--input",
        bad.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--skip-bad-rows",
        "--only",
        "dataset_overview",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("data/dataset_overview.json")).unwrap()).unwrap();
    assert_eq!(v["quality"]["bad_rows_skipped"], 1);

    let o = finops(&["analyze", "--input", dir.path().join("missing.csv").to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no such file or folder"));
    let o = finops(&["analyze", "--input", data.to_str().unwrap(), "--json", "astrology"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown analysis `astrology`"));
}

#[test]
fn the_global_pricing_catalog_prices_the_what_ifs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("calls.csv");
    let data_arg = data.to_str().unwrap();
    assert!(finops(&["simulate", "--calls", "20000", "--customers", "100", "--out", data_arg, "-q"]).status.success());
    // The same catalog without batch prices: no call can move to the batch API any more.
    let toml = String::from_utf8(finops(&["pricing", "--toml"]).stdout).unwrap();
    let mut no_batch = String::new();
    for line in toml.lines() {
        let mut kept: Vec<String> = Vec::new();
        for part in line.split(", ") {
            if !part.trim_start().starts_with("batch_") {
                kept.push(part.to_string());
            } else if let (Some(brace), Some(last)) = (part.find(" }"), kept.last_mut()) {
                // A batch rate that ends an inline table: keep the table's closing braces.
                last.push_str(&part[brace..]);
            }
        }
        no_batch.push_str(&kept.join(", "));
        no_batch.push('\n');
    }
    let catalog = dir.path().join("no_batch.toml");
    fs::write(&catalog, no_batch).unwrap();
    let savings = |extra: &[&str]| -> f64 {
        let mut args = extra.to_vec();
        args.extend(["analyze", "--input", data_arg, "--json", "optimization"]);
        let o = finops(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["summary"]["batch_savings_usd"].as_f64().unwrap()
    };
    assert!(savings(&[]) > 0.0, "the built-in catalog has batch prices");
    let none = savings(&["--pricing", catalog.to_str().unwrap()]);
    assert!(none == 0.0 && none.is_sign_positive(), "--pricing is used by analyze: {none}");
}

#[test]
fn negotiated_rates_show_list_and_effective_cost() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("calls.csv");
    let data_arg = data.to_str().unwrap();
    assert!(finops(&["simulate", "--calls", "20000", "--customers", "100", "--out", data_arg, "-q"]).status.success());
    let rates = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/rates.toml");
    let out = dir.path().join("reports");
    let o = finops(&["--rates", rates, "analyze", "--input", data_arg, "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&fs::read(out.join("data/understanding.json")).unwrap()).unwrap();
    let n = &v["negotiated"];
    let (list, effective) = (n["list_cost_usd"].as_f64().unwrap(), n["effective_cost_usd"].as_f64().unwrap());
    assert!(effective < list, "{effective} < {list}");
    assert!((v["summary"]["cost_usd"].as_f64().unwrap() - effective).abs() < 1e-6);
    assert_eq!(n["rules"].as_array().unwrap().len(), 3);
    let html = fs::read_to_string(out.join("html/understanding.html")).unwrap();
    assert!(html.contains("Negotiated rates") && html.contains("Anthropic enterprise agreement"));

    // A mistake names the file, line and column.
    let bad = dir.path().join("bad.toml");
    fs::write(&bad, "[[rate]]\nname = \"x\"\nprovider = \"openai\"\ndiscount_pct = 150\n").unwrap();
    let o = finops(&["--rates", bad.to_str().unwrap(), "analyze", "--input", data_arg]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml:1:1") && err.contains("discount_pct = 150"), "{err}");
}

#[test]
fn sql_answers_over_the_calls_table_and_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("calls.csv");
    let data_arg = data.to_str().unwrap();
    assert!(finops(&["simulate", "--calls", "20000", "--customers", "100", "--out", data_arg, "-q"]).status.success());
    // Independent: cost and calls per provider with the csv crate.
    let mut want: std::collections::BTreeMap<String, (u64, f64)> = Default::default();
    let mut r = csv::Reader::from_path(&data).unwrap();
    let h = r.headers().unwrap().clone();
    let (p, c) = (h.iter().position(|x| x == "provider").unwrap(), h.iter().position(|x| x == "cost_usd").unwrap());
    for row in r.records().map(|x| x.unwrap()) {
        let e = want.entry(row[p].to_string()).or_default();
        e.0 += 1;
        e.1 += row[c].parse::<f64>().unwrap();
    }
    let q = "SELECT provider, count(*) AS calls, sum(cost_usd) AS cost FROM calls GROUP BY provider ORDER BY provider";
    let o = finops(&["sql", "--input", data_arg, "--format", "csv", q]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut got = csv::Reader::from_reader(o.stdout.as_slice());
    let rows: Vec<csv::StringRecord> = got.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), want.len());
    for (row, (provider, (calls, cost))) in rows.iter().zip(&want) {
        assert_eq!(&row[0], provider);
        assert_eq!(row[1].parse::<u64>().unwrap(), *calls);
        assert!((row[2].parse::<f64>().unwrap() - cost).abs() < 1e-9 * cost.max(1.0), "{provider}");
    }
    let o = finops(&["sql", "--input", data_arg, "--format", "json", q]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), want.len());
    let o = finops(&["sql", "--input", data_arg, q]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("| provider"), "a table");
    // The analyses' own aggregate is there too: one value per call of the group.
    let lists = "SELECT provider, values_list(input_tokens) AS l FROM calls GROUP BY provider ORDER BY provider";
    let o = finops(&["sql", "--input", data_arg, "--format", "json", lists]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let lengths: Vec<u64> = v.as_array().unwrap().iter().map(|r| r["l"].as_array().unwrap().len() as u64).collect();
    assert_eq!(lengths, want.values().map(|(calls, _)| *calls).collect::<Vec<_>>());
    // Read-only: no COPY, no DDL; a bad column is a clear error.
    let target = dir.path().join("out.csv");
    let copy = format!("COPY (SELECT 1) TO '{}'", target.display());
    let o = finops(&["sql", "--input", data_arg, &copy]);
    assert!(!o.status.success() && !target.exists());
    let o = finops(&["sql", "--input", data_arg, "CREATE TABLE x AS SELECT 1"]);
    assert!(!o.status.success());
    let o = finops(&["sql", "--input", data_arg, "SELECT nope FROM calls"]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("No field named nope"));
}
