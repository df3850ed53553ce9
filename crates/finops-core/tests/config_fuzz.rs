//! A bounded fuzz run of every configuration parser (in CI; `fuzz/`'s config_toml target runs it
//! unbounded): the built-in pricing catalog, rules, and the example budgets and rates, mutated at random,
//! give a value or an error naming `file:line:column`, never a panic.
use finops_core::budgets::Budgets;
use finops_core::mapping::Mapping;
use finops_core::negotiated::NegotiatedRates;
use finops_core::pricing::Catalog;
use finops_core::rules::Rules;
use rand::RngExt;

const CASES: usize = 300;

fn mutate(rng: &mut rand_pcg::Pcg64Mcg, text: &str) -> String {
    let alphabet: &[&str] =
        &["=", "\"", "[", "]", "{", "}", ",", "\n", "0", "-1", "1e999", "nan", "2026-13-01", "é", " "];
    let mut s = text.to_string();
    for _ in 0..rng.random_range(1..4) {
        let mut at = rng.random_range(0..=s.len());
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        match rng.random_range(0..3) {
            0 => s.insert_str(at, alphabet[rng.random_range(0..alphabet.len())]),
            1 => {
                let mut end = (at + rng.random_range(1..40)).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s.replace_range(at..end, "");
            }
            _ => {
                // Repeat a line: duplicate keys and tables.
                let start = s[..at].rfind('\n').map_or(0, |i| i + 1);
                let end = s[at..].find('\n').map_or(s.len(), |i| at + i);
                let line = format!("\n{}", &s[start..end]);
                s.insert_str(end, &line);
            }
        }
    }
    s
}

/// An error message that names `f.toml:line:column`.
fn named(e: &str) -> bool {
    e.split("f.toml:").nth(1).is_some_and(|rest| {
        let mut parts = rest.splitn(3, ':');
        let digits = |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        digits(parts.next()) && digits(parts.next())
    })
}

#[test]
fn every_config_parser_survives_mutations() {
    let sources = [
        ("pricing", finops_core::pricing::BUILTIN_TOML.to_string()),
        ("rules", finops_core::rules::BUILTIN_RULES_TOML.to_string()),
        ("budgets", std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/budgets.toml")).unwrap()),
        ("rates", std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/rates.toml")).unwrap()),
        ("mapping", "[columns]\ntimestamp = \"created_at\"\n[units]\ncost_usd = \"cents\"\n[time]\nformat = \"%d/%m/%Y\"\n[constants]\nenvironment = \"production\"\n".to_string()),
    ];
    let mut rng = rand_pcg::Pcg64Mcg::new(0x00c0_ffee);
    let mut failures = Vec::new();
    let (mut ok, mut errors) = (0, 0);
    for (kind, text) in &sources {
        let cases = if *kind == "pricing" { CASES / 3 } else { CASES };
        for case in 0..cases {
            let t = mutate(&mut rng, text);
            let result = std::panic::catch_unwind(|| match *kind {
                "pricing" => Catalog::from_toml_str(&t, "f.toml").map(|_| ()).map_err(|e| e.to_string()),
                "rules" => Rules::from_toml_str(&t, "f.toml").map(|_| ()).map_err(|e| e.to_string()),
                "budgets" => Budgets::from_toml_str(&t, "f.toml").map(|_| ()).map_err(|e| e.to_string()),
                "rates" => NegotiatedRates::from_toml_str(&t, "f.toml").map(|_| ()).map_err(|e| e.to_string()),
                _ => Mapping::from_toml_str(&t, "f.toml").map(|_| ()).map_err(|e| e.to_string()),
            });
            match result {
                Err(_) => failures.push(format!("{kind} case {case}: panicked")),
                Ok(Err(e)) if !named(&e) => failures.push(format!("{kind} case {case}: {e}")),
                Ok(Err(_)) => errors += 1,
                Ok(Ok(())) => ok += 1,
            }
        }
    }
    println!("{ok} mutated files accepted, {errors} refused with file:line:column");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(errors > 100, "the mutations should break most files ({errors})");
}
