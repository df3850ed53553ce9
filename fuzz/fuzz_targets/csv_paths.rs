//! Arbitrary bytes as a call log: no panic, and the CSV fast path and the csv crate read them alike.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A valid header first, so the fuzzer spends its time on rows rather than on missing columns.
    let mut bytes = finops_core::schema::csv_header().into_bytes();
    bytes.push(b'\n');
    bytes.extend_from_slice(data);
    if let Err(e) = finops_analytics::fuzzing::check_csv_paths_agree(&bytes) {
        panic!("{e}");
    }
});
