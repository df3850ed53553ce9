//! Arbitrary bytes as OTLP/JSON spans: an error or calls, never a panic, with and without skipping.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for skip in [false, true] {
        let _ = finops_analytics::otel::otlp_from_bytes(data, skip);
    }
});
