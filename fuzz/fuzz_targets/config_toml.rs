//! Arbitrary text as each configuration file we parse (pricing catalog, rules, budgets, negotiated
//! rates, mapping): a `file:line:column` error or a value, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = finops_core::pricing::Catalog::from_toml_str(text, "f.toml");
    let _ = finops_core::rules::Rules::from_toml_str(text, "f.toml");
    let _ = finops_core::budgets::Budgets::from_toml_str(text, "f.toml");
    let _ = finops_core::negotiated::NegotiatedRates::from_toml_str(text, "f.toml");
    let _ = finops_core::mapping::Mapping::from_toml_str(text, "f.toml");
});
