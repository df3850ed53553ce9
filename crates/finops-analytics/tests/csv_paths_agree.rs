//! A bounded fuzz run (in CI; `fuzz/` runs the same property unbounded under cargo-fuzz): a simulated log
//! mutated at random bytes, fields and lines reads alike through the CSV fast path and the csv crate.
use finops_analytics::fuzzing::check_csv_paths_agree;
use finops_sim::{OutputFormat, RunOptions, SimConfig, Simulator, Stop};
use rand::RngExt;

const CASES: usize = 2000;

#[test]
fn fast_path_and_csv_crate_agree_on_mutated_logs() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("calls.csv");
    let sim = Simulator::new(SimConfig { seed: 11, customers: 30, ..SimConfig::default() }).unwrap();
    sim.write_file(&p, OutputFormat::Csv, Stop::Calls(40), &RunOptions::default()).unwrap();
    let base = std::fs::read(&p).unwrap();
    check_csv_paths_agree(&base).unwrap();
    // Inputs cargo-fuzz found disagreements on (after the header its target adds), fixed since.
    let found = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fuzz/csv_paths");
    for entry in std::fs::read_dir(found).unwrap() {
        let path = entry.unwrap().path();
        let mut bytes = finops_core::schema::csv_header().into_bytes();
        bytes.push(b'\n');
        bytes.extend(std::fs::read(&path).unwrap());
        check_csv_paths_agree(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let mut rng = rand_pcg::Pcg64Mcg::new(0x5eed);
    // No quote in the alphabet: with one, both reads take the csv crate's path and agree trivially.
    let alphabet = b"0123456789,\n\r-.:eEZTx \xff\xc3";
    let mut failures = Vec::new();
    for case in 0..CASES {
        let mut bytes = base.clone();
        for _ in 0..rng.random_range(1..6) {
            let at = rng.random_range(0..bytes.len());
            match rng.random_range(0..5) {
                0 => {
                    bytes.remove(at);
                }
                1 => bytes.insert(at, alphabet[rng.random_range(0..alphabet.len())]),
                2 => bytes[at] = alphabet[rng.random_range(0..alphabet.len())],
                3 => {
                    // Drop the rest of a line: a short row.
                    let end = bytes[at..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| at + i);
                    bytes.drain(at..end);
                }
                _ => {
                    // Duplicate a field separator run: an extra field.
                    bytes.insert(at, b',');
                }
            }
        }
        if let Err(e) = check_csv_paths_agree(&bytes) {
            failures.push(format!("case {case}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {CASES} disagree:\n{}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n")
    );
}
