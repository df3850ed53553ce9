//! `finops pricing`.
use anyhow::Result;
use finops_core::cost::Rate;
use finops_core::pricing::{BUILTIN_TOML, Catalog};

use crate::cli::{PricingArgs, PricingFormat};

fn rate(r: Option<Rate>) -> String {
    r.map_or_else(|| "-".into(), |r| format!("{}", r.usd_per_million()))
}

pub fn run(args: &PricingArgs, catalog: &Catalog) -> Result<()> {
    let mut out = String::new();
    if args.toml {
        return crate::output::emit(BUILTIN_TOML);
    }
    match args.format {
        PricingFormat::Json => {
            outln!(out, "{}", serde_json::to_string_pretty(catalog)?);
        }
        PricingFormat::Table => {
            outln!(
                out,
                "Prices in USD per 1M tokens. A row applies from its date until the model's next row; its source"
            );
            outln!(
                out,
                "says where it came from (genai-prices, a row of our own, an override and why). `finops pricing check`"
            );
            outln!(out, "compares them with the price database.");
            outln!(out);
            outln!(out, "{:<10} {:>7}  name", "provider", "weight");
            for p in &catalog.providers {
                outln!(out, "{:<10} {:>7.2}  {}", p.name, p.weight, p.display);
            }
            outln!(out);
            outln!(
                out,
                "{:<10} {:<48} {:<9} {:>10} {:>8} {:>8} {:>8} {:>8} {:>13} {:>9} {:<22}  source",
                "provider",
                "model",
                "class",
                "from",
                "input",
                "output",
                "cached",
                "c.write",
                "batch in/out",
                "long ctx",
                "other"
            );
            for m in &catalog.models {
                let rows: Vec<_> = match args.at {
                    Some(d) => m.price_on(d).into_iter().collect(),
                    None => m.prices.iter().collect(),
                };
                for p in rows {
                    let batch = match (p.batch_input, p.batch_output) {
                        (Some(i), Some(o)) => {
                            format!("{}/{}", i.usd_per_million(), o.usd_per_million())
                        }
                        _ => "-".into(),
                    };
                    let long =
                        p.long_context.map_or_else(|| "-".into(), |l| format!(">{}k", l.above_input_tokens / 1000));
                    let mut other = Vec::new();
                    if let Some(r) = p.cache_write_1h {
                        other.push(format!("w1h {}", r.usd_per_million()));
                    }
                    if let Some(t) = p.flex {
                        other.push(format!("flex {}/{}", t.input.usd_per_million(), t.output.usd_per_million()));
                    }
                    if let Some(t) = p.priority {
                        other.push(format!("prio {}/{}", t.input.usd_per_million(), t.output.usd_per_million()));
                    }
                    if !p.time_of_day.is_empty() {
                        other.push(format!("{} time windows", p.time_of_day.len()));
                    }
                    let other = if other.is_empty() { "-".to_string() } else { other.join(", ") };
                    outln!(
                        out,
                        "{:<10} {:<48} {:<9} {:>10} {:>8} {:>8} {:>8} {:>8} {:>13} {:>9} {:<22}  {}",
                        m.provider,
                        m.name,
                        m.class.map_or("-", |c| c.as_str()),
                        p.effective_from,
                        rate(Some(p.input)),
                        rate(Some(p.output)),
                        rate(p.cached_input),
                        rate(p.cache_write),
                        batch,
                        long,
                        other,
                        p.source
                    );
                }
            }
        }
    }
    crate::output::emit(&out)
}
