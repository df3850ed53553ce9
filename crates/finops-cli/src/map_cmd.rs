//! `finops map --suggest FILE`: a mapping file proposed from a call log's header and first row.
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use finops_core::schema::COLUMNS;

pub const ABOUT: &str = "Propose a mapping file (--map) for a call log in another layout.

Reads the header (and the first row) of a CSV or Parquet file and matches its columns to ours by
the names gateways, SDK exports and OpenTelemetry use (prompt_tokens, completion_tokens, created_at,
gen_ai.request.model, duration_s, cost_cents...), guesses cost and latency units from the names and
the time format from the first value, and prints the proposal as TOML: review it, save it and pass
it with --map to analyze, sql or export.

For OpenTelemetry span files (.json, .jsonl, .gz) it lists the attributes reachable from the GenAI calls
(span, parent spans, resource) and proposes which one holds each dimension (customer, organization,
product, feature, environment...).

Example:
  finops map --suggest gateway.csv > map.toml
  finops --map map.toml analyze --input gateway.csv";

#[derive(Debug, Args)]
pub struct MapArgs {
    /// The call log (CSV with a header row, Parquet, or OTLP/JSON spans) to propose a mapping for.
    #[arg(long, value_name = "FILE")]
    pub suggest: PathBuf,
}

/// Names other tools give our columns (lower case, compared without `_`, `.` and `-`).
const SYNONYMS: &[(&str, &[&str])] = &[
    ("call_id", &["id", "requestid", "callid", "spanid", "traceid", "genairesponseid", "responseid"]),
    (
        "timestamp",
        &[
            "time",
            "ts",
            "createdat",
            "created",
            "starttime",
            "startedat",
            "datetime",
            "date",
            "requesttime",
            "eventtime",
        ],
    ),
    ("customer_id", &["customer", "user", "userid", "enduser", "enduserid", "endusersid", "client", "clientid"]),
    (
        "organization_id",
        &["organization", "org", "orgid", "team", "teamid", "tenant", "tenantid", "account", "accountid"],
    ),
    ("product_id", &["product", "app", "application", "appid", "servicename", "project", "projectid"]),
    ("feature_id", &["feature", "operation", "genaioperationname", "endpoint", "route", "calltype", "usecase"]),
    (
        "provider",
        &[
            "vendor",
            "llmprovider",
            "apiprovider",
            "genaisystem",
            "genaiprovidername",
            "providername",
            "customllmprovider",
        ],
    ),
    ("model", &["modelname", "llmmodel", "modelid", "genairequestmodel", "genairesponsemodel", "deployment"]),
    (
        "input_tokens",
        &[
            "prompttokens",
            "tokensin",
            "inputtokencount",
            "genaiusageinputtokens",
            "usageprompttokens",
            "usageinputtokens",
        ],
    ),
    (
        "output_tokens",
        &[
            "completiontokens",
            "tokensout",
            "outputtokencount",
            "genaiusageoutputtokens",
            "usagecompletiontokens",
            "usageoutputtokens",
        ],
    ),
    ("total_tokens", &["tokens", "totaltokencount", "usagetotaltokens"]),
    ("cost_usd", &["cost", "totalcost", "spend", "price", "costcents", "responsecost", "amount", "costusd"]),
    (
        "latency_ms",
        &["latency", "duration", "durationms", "durations", "responsetime", "responsetimems", "elapsedms", "latencys"],
    ),
    ("status", &["statuscode", "outcome", "result", "otelstatuscode"]),
    ("environment", &["env", "deploymentenvironment", "deploymentenvironmentname", "stage"]),
    ("region", &["location", "cloudregion", "awsregion", "zone"]),
    (
        "cached_input_tokens",
        &[
            "cachedtokens",
            "cachereadtokens",
            "cachereadinputtokens",
            "genaiusagecachereadinputtokens",
            "prompttokensdetailscachedtokens",
        ],
    ),
    (
        "cache_write_tokens",
        &[
            "cachecreationinputtokens",
            "cachewritetokens",
            "genaiusagecachecreationinputtokens",
            "genaiusagecachewriteinputtokens",
        ],
    ),
    ("reasoning_tokens", &["reasoning", "completiontokensdetailsreasoningtokens", "genaiusagereasoningoutputtokens"]),
    ("time_to_first_token_ms", &["ttft", "ttftms", "timetofirsttoken", "firsttokenms"]),
    ("error_type", &["error", "errortype", "errorcode", "exceptiontype"]),
    (
        "service_tier",
        &["tier", "servicetier", "openairesponseservicetier", "genaiopenairesponseservicetier", "processingtier"],
    ),
];

fn squash(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

pub fn run(args: &MapArgs) -> Result<()> {
    let path = &args.suggest;
    if finops_analytics::otel::is_otlp_path(path) {
        return suggest_for_spans(path);
    }
    let (header, first) = read_header(path)?;
    let mut out = String::new();
    outln!(out, "# Mapping proposed by `finops map --suggest {}`: review it, then pass it with --map.", path.display());
    outln!(out, "# Our columns are in the README's data schema; a column left out gets its documented default.");
    outln!(out);
    outln!(out, "[columns]");
    let mut used = vec![false; header.len()];
    let mut found: Vec<(&str, usize)> = Vec::new();
    for c in COLUMNS.iter() {
        let exact = header.iter().position(|h| h.trim().eq_ignore_ascii_case(c.name));
        let synonym = || {
            let names = SYNONYMS.iter().find(|(ours, _)| *ours == c.name).map_or(&[][..], |(_, n)| *n);
            header.iter().enumerate().position(|(j, h)| !used[j] && names.contains(&squash(h).as_str()))
        };
        match exact.or_else(synonym) {
            Some(j) if !used[j] => {
                used[j] = true;
                found.push((c.name, j));
                if !header[j].trim().eq_ignore_ascii_case(c.name) {
                    outln!(out, "{} = {:?}", c.name, header[j]);
                }
            }
            _ => {}
        }
    }
    let src = |ours: &str| found.iter().find(|(c, _)| *c == ours).map(|(_, j)| *j);
    let mut units = Vec::new();
    if let Some(j) = src("cost_usd") {
        let n = squash(&header[j]);
        if n.contains("cent") {
            units.push("cost_usd = \"cents\"");
        } else if n.contains("micro") {
            units.push("cost_usd = \"micro_usd\"");
        }
    }
    if let Some(j) = src("latency_ms") {
        let n = header[j].to_ascii_lowercase();
        if n.ends_with("_s") || n.ends_with("seconds") || n.ends_with("_sec") || n.ends_with("secs") {
            units.push("latency_ms = \"seconds\"");
        } else if n.ends_with("_us") || n.contains("micro") {
            units.push("latency_ms = \"microseconds\"");
        }
    }
    if !units.is_empty() {
        outln!(out);
        outln!(out, "[units]");
        for u in units {
            outln!(out, "{u}");
        }
    }
    if let Some(v) = src("timestamp").and_then(|j| first.get(j)) {
        let v = v.trim();
        let format = if finops_core::units::parse_iso_timestamp(v).is_some() {
            None
        } else if let Ok(x) = v.parse::<f64>() {
            Some(if x > 1e11 { "unix_ms" } else { "unix_s" })
        } else {
            Some("")
        };
        match format {
            None => {}
            Some("") => {
                outln!(out);
                outln!(out, "[time]");
                outln!(out, "# The first timestamp is {v:?}: give its strftime format, e.g. \"%d/%m/%Y %H:%M:%S\".");
                outln!(out, "format = \"\"");
            }
            Some(f) => {
                outln!(out);
                outln!(out, "[time]");
                outln!(out, "format = {f:?}   # the first timestamp is {v:?}");
            }
        }
    }
    let missing: Vec<&str> = finops_analytics::load::REQUIRED.iter().copied().filter(|r| src(r).is_none()).collect();
    outln!(out);
    outln!(out, "[constants]");
    if missing.is_empty() {
        outln!(out, "# Values for columns the log lacks, e.g. environment = \"production\".");
    }
    for r in &missing {
        outln!(out, "# Required and not found: give its column above or a value for every row.");
        outln!(out, "# {r} = \"\"");
    }
    let unused: Vec<&str> = header.iter().zip(&used).filter(|(_, u)| !**u).map(|(h, _)| h.as_str()).collect();
    if !unused.is_empty() {
        outln!(out);
        outln!(out, "# Columns of the file not used: {}", unused.join(", "));
    }
    crate::output::emit(&out)
}

/// Words in an attribute name that point to one of our dimensions.
const DIMENSION_WORDS: &[(&str, &[&str])] = &[
    ("customer_id", &["customer", "enduser", "user", "client"]),
    ("organization_id", &["organization", "org", "tenant", "team", "account"]),
    ("product_id", &["product", "app", "application", "project"]),
    ("feature_id", &["feature", "usecase", "workflow", "route"]),
    ("environment", &["environment", "env", "stage"]),
    ("region", &["region"]),
    ("subscription_tier", &["tier", "plan", "subscription"]),
];

/// For OpenTelemetry spans: which attribute to read each dimension from, among those reachable from the
/// file's GenAI calls (on the span, a parent span or the resource).
fn suggest_for_spans(path: &std::path::Path) -> Result<()> {
    let (calls, seen) = finops_analytics::otel::attribute_census(path).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = String::new();
    outln!(
        out,
        "# Mapping proposed by `finops map --suggest {}` for OpenTelemetry spans ({calls} GenAI calls).",
        path.display()
    );
    outln!(out, "# Each dimension is read from the call's span, then its parent spans, then the resource. Without a");
    outln!(out, "# line below, the default attribute names are tried (README, \"OpenTelemetry GenAI spans\").");
    outln!(out);
    outln!(out, "[columns]");
    let mut used = Vec::new();
    for (column, defaults) in finops_analytics::otel::dimension_defaults() {
        if let Some(d) = defaults.iter().find(|d| seen.iter().any(|s| s.key == **d)) {
            let s = seen.iter().find(|s| s.key == *d).map_or(0, |s| s.calls);
            outln!(out, "# {column}: read by default from {d:?} ({s} of {calls} calls)");
            used.push(d.to_string());
            continue;
        }
        let words = DIMENSION_WORDS.iter().find(|(c, _)| c == column).map_or(&[][..], |(_, w)| *w);
        let pick = seen.iter().find(|s| {
            !used.contains(&s.key)
                && s.key
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|part| words.contains(&part.to_ascii_lowercase().as_str()))
        });
        match pick {
            Some(s) => {
                outln!(out, "{column} = {:?}   # on {} of {calls} calls, e.g. {:?}", s.key, s.calls, s.example);
                used.push(s.key.clone());
            }
            None => outln!(
                out,
                "# {column}: no attribute found; it will be \"{}\"",
                finops_analytics::load::default_for(column)
            ),
        }
    }
    outln!(out);
    outln!(out, "[constants]");
    outln!(out, "# Values for dimensions the spans lack, e.g. subscription_tier = \"pro\".");
    let rest: Vec<String> =
        seen.iter().filter(|s| !used.contains(&s.key)).map(|s| format!("{} ({})", s.key, s.calls)).collect();
    if !rest.is_empty() {
        outln!(out);
        outln!(out, "# Other attributes on the calls (calls reached): {}", rest.join(", "));
    }
    crate::output::emit(&out)
}

/// The header and the first row's values of a CSV or Parquet file.
fn read_header(path: &PathBuf) -> Result<(Vec<String>, Vec<String>)> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("parquet" | "pq") => {
            use parquet::file::reader::{FileReader, SerializedFileReader};
            let f = std::fs::File::open(path).with_context(|| format!("{}: cannot read", path.display()))?;
            let r =
                SerializedFileReader::new(f).map_err(|e| anyhow::anyhow!("{}: not Parquet: {e}", path.display()))?;
            let names =
                r.metadata().file_metadata().schema_descr().columns().iter().map(|c| c.name().to_string()).collect();
            Ok((names, Vec::new()))
        }
        Some("csv") => {
            let mut r = csv::ReaderBuilder::new()
                .flexible(true)
                .from_path(path)
                .with_context(|| format!("{}: cannot read", path.display()))?;
            let header: Vec<String> = r
                .headers()
                .with_context(|| format!("{}: line 1: cannot read the header", path.display()))?
                .iter()
                .map(|h| h.trim_start_matches('\u{feff}').to_string())
                .collect();
            let first = r
                .records()
                .next()
                .and_then(Result::ok)
                .map(|x| x.iter().map(String::from).collect())
                .unwrap_or_default();
            Ok((header, first))
        }
        _ => bail!("{}: give a .csv or .parquet file", path.display()),
    }
}
