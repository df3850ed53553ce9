//! A bounded fuzz run of the OpenTelemetry reader (in CI; `fuzz/`'s otlp_spans target runs it unbounded):
//! recorded span files mutated at random read to calls or to an error naming the line, never a panic.
use finops_analytics::otel::otlp_from_bytes;
use rand::RngExt;

#[test]
fn mutated_span_files_never_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/otel");
    let bases: Vec<Vec<u8>> =
        ["openai-v2-2.4b0.jsonl", "anthropic-sdk-2.14.0.jsonl", "openllmetry-anthropic-0.62.4.jsonl"]
            .iter()
            .map(|f| std::fs::read(format!("{dir}/{f}")).unwrap())
            .collect();
    let alphabet: &[&[u8]] =
        &[b"\"", b"{", b"}", b"[", b"]", b",", b":", b"\n", b"-1", b"1e400", b"null", b"\"intValue\":\"x\"", b"\xff"];
    let mut rng = rand_pcg::Pcg64Mcg::new(0x07e1);
    let mut failures = Vec::new();
    let (mut read, mut refused, mut skipped) = (0, 0, 0u64);
    for case in 0..600 {
        let mut bytes = bases[case % bases.len()].clone();
        for _ in 0..rng.random_range(1..5) {
            let at = rng.random_range(0..bytes.len());
            match rng.random_range(0..3) {
                0 => {
                    let ins = alphabet[rng.random_range(0..alphabet.len())];
                    bytes.splice(at..at, ins.iter().copied());
                }
                1 => {
                    let end = (at + rng.random_range(1..30)).min(bytes.len());
                    bytes.drain(at..end);
                }
                _ => bytes.truncate(at),
            }
        }
        for skip in [false, true] {
            match std::panic::catch_unwind(|| otlp_from_bytes(&bytes, skip)) {
                Err(_) => failures.push(format!("case {case} skip={skip}: panicked")),
                Ok(Ok((_, report, _))) => {
                    read += 1;
                    skipped += report.bad_rows;
                }
                Ok(Err(e)) => {
                    let e = e.to_string();
                    refused += 1;
                    if !e.starts_with("spans.jsonl") || !e.contains(char::is_numeric) {
                        failures.push(format!("case {case} skip={skip}: {e}"));
                    }
                }
            }
        }
    }
    println!("{read} reads, {refused} refused, {skipped} bad lines or spans skipped");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(refused > 50 && skipped > 50, "the mutations should break many files");
}
