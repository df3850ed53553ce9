//! `--rules FILE` and `finops rules`: a changed threshold changes the finding it governs, the page says
//! which values it used, and a malformed file is named by line and column before anything is written.
use std::fs;
use std::process::Command;

use serde_json::Value;

fn finops(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_finops")).args(args).output().expect("finops runs")
}

fn json(args: &[&str]) -> Value {
    let o = finops(args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn rule<'a>(result: &'a Value, name: &str) -> &'a Value {
    result["rules_applied"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()
}

#[test]
fn a_changed_threshold_changes_its_finding_and_the_page_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("calls.csv");
    let data_arg = data.to_str().unwrap();
    assert!(finops(&["simulate", "--calls", "20000", "--customers", "100", "--out", data_arg, "-q"]).status.success());
    let rules = dir.path().join("my-rules.toml");
    fs::write(&rules, "# a stricter burst rule\n[abuse_detection]\nburst_calls_per_minute = 3\n").unwrap();
    let rules_arg = rules.to_str().unwrap();

    let before = json(&["analyze", "--input", data_arg, "--json", "abuse_detection"]);
    let after = json(&["--rules", rules_arg, "analyze", "--input", data_arg, "--json", "abuse_detection"]);
    let bursts = |v: &Value| v["minute_bursts"].as_array().unwrap().clone();
    // Built-in: more than 30 calls in a minute; the file: more than 3.
    assert!(bursts(&before).iter().all(|f| f["value"].as_f64().unwrap() > 30.0));
    assert!(bursts(&after).len() > bursts(&before).len(), "{} vs {}", bursts(&after).len(), bursts(&before).len());
    assert!(bursts(&after).iter().all(|f| f["value"].as_f64().unwrap() > 3.0));
    assert!(bursts(&after).iter().any(|f| f["value"].as_f64().unwrap() <= 30.0));
    // The other detectors keep their built-in rules and findings.
    assert_eq!(before["usage_spikes"], after["usage_spikes"]);
    assert_eq!(before["night_automation"], after["night_automation"]);
    let (old, new) = (rule(&before, "burst_calls_per_minute"), rule(&after, "burst_calls_per_minute"));
    assert_eq!((old["value"].as_i64(), old["source"].as_str()), (Some(30), Some("built-in")));
    assert_eq!((new["value"].as_i64(), new["source"].as_str()), (Some(3), Some(rules_arg)));
    assert_eq!(rule(&after, "spike_ratio")["source"], "built-in");

    // The page lists the values it used, and who set them.
    let out = dir.path().join("reports");
    let o = finops(&["--rules", rules_arg, "analyze", "--input", data_arg, "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = fs::read_to_string(out.join("html/abuse_detection.html")).unwrap();
    let rules_section = &page[page.find("id=\"rules_applied\"").expect("a Rules applied section")..];
    assert!(rules_section.contains("burst_calls_per_minute") && rules_section.contains("3 calls&#x2f;minute"));
    assert!(rules_section.contains("Set by") && rules_section.contains("my-rules.toml"));
    for id in ["performance", "realtime", "churn_growth", "pricing"] {
        let page = fs::read_to_string(out.join(format!("html/{id}.html"))).unwrap();
        assert!(page.contains("id=\"rules_applied\"") && !page.contains("Set by"), "{id}");
    }
}

#[test]
fn malformed_rules_files_are_named_by_line_and_column_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("calls.csv");
    let data_arg = data.to_str().unwrap();
    assert!(finops(&["simulate", "--calls", "2000", "--customers", "40", "--out", data_arg, "-q"]).status.success());
    let cases = [
        (
            "[realtime]\nincident_zz = 3\n",
            ":2:1: unknown rule `incident_zz` in [realtime] (did you mean `incident_z`?)",
        ),
        (
            "[abuse_detection]\nburst_calls_per_minute = 2.5\n",
            ":2:26: abuse_detection.burst_calls_per_minute: expected a whole number, found 2.5",
        ),
        (
            "\n[features]\nadoption_high_pct = 140\n",
            ":3:21: features.adoption_high_pct must be at most 100 % (found 140)",
        ),
        (
            "[realtime]\nrisk_high_pct = 40\n",
            ":2:17: realtime.risk_medium_pct (50) must be below realtime.risk_high_pct (40)",
        ),
        ("[realtime\nincident_z = 3\n", ":1:10:"),
        ("[astrology]\nstars = 5\n", ":1:2: unknown analysis `astrology`"),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("bad{i}.toml"));
        fs::write(&file, text).unwrap();
        let out = dir.path().join(format!("out{i}"));
        let o = finops(&[
            "--rules",
            file.to_str().unwrap(),
            "analyze",
            "--input",
            data_arg,
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{text}");
        assert!(err.contains(&format!("bad{i}.toml{want}")), "{text}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.exists(), "nothing is written for {text}");
        let o = finops(&["--rules", file.to_str().unwrap(), "rules"]);
        assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains(want));
    }
    let o = finops(&["--rules", dir.path().join("missing.toml").to_str().unwrap(), "rules"]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("missing.toml: cannot read"));
}

#[test]
fn the_rules_command_lists_every_rule_and_its_file_round_trips() {
    let listed = String::from_utf8(finops(&["rules"]).stdout).unwrap();
    let builtin = String::from_utf8(finops(&["rules", "--toml"]).stdout).unwrap();
    let table: toml::Table = builtin.parse().unwrap();
    let mut n = 0;
    for (section, rules) in &table {
        assert!(listed.contains(&format!("[{section}]")), "{section}");
        for (name, _) in rules.as_table().unwrap() {
            assert!(listed.contains(&format!("  {name} ")), "{section}.{name}");
            n += 1;
        }
    }
    assert!(n > 100, "{n} rules");
    // The built-in file given back as a user file changes nothing.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.toml");
    fs::write(&copy, &builtin).unwrap();
    let again = finops(&["--rules", copy.to_str().unwrap(), "rules"]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert!(!String::from_utf8(again.stdout).unwrap().contains("(built-in"));
    // A changed value is marked with its default and its file.
    fs::write(&copy, "[realtime]\nincident_z = 3.5\n").unwrap();
    let changed = String::from_utf8(finops(&["--rules", copy.to_str().unwrap(), "rules"]).stdout).unwrap();
    assert!(changed.contains("(built-in 7; set in") && changed.contains("copy.toml"), "{changed}");
}
