//! Reading OpenTelemetry GenAI spans (OTLP/JSON files, optionally gzipped) as call logs.
//!
//! A call is a `CLIENT` span with GenAI attributes whose operation is a model call (chat, text completion,
//! generate_content, embeddings...); agent and tool spans and the application's own spans are skipped and
//! counted. Both generations of the semantic conventions are read (see [`attrs`]); what each known emitter
//! records is in [`EMITTERS`]. Attribution comes from the span, then its parents (the application's spans,
//! or baggage copied onto them), then the resource, under default attribute names that `--map` can
//! replace. Costs come from the catalog at the span's start (see [`crate::price_lookup`]).
mod attrs;
pub mod otlp;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Float64Builder, Int64Builder, RecordBatch, StringViewBuilder, TimestampMillisecondBuilder,
};
use finops_core::cost::ServiceTier;
use finops_core::cost::Usage;
use finops_core::mapping::Mapping;
use finops_core::pricing::Catalog;
use finops_core::schema::{COLUMNS, ColumnType};
use finops_results::dataset_overview::{BadRow, EmitterCount, FileReport, PricingCount, SpanReadout};

use crate::load::{LoadError, canonical_schema, default_for};
use crate::price_lookup::PriceLookup;
pub use attrs::{EMITTERS, Emitter, classify_error, provider_name};
use otlp::{KIND_CLIENT, TraceRequest, Value};

/// Whether a path names an OTLP/JSON file (`.json`, `.jsonl`, `.ndjson`, optionally `.gz`).
pub fn is_otlp_path(p: &Path) -> bool {
    let name = p.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    [".json", ".jsonl", ".ndjson"].iter().any(|e| name.ends_with(e))
}

/// A span file's text stream (gunzipped for `.gz`), and whether it is gzipped.
fn open_spans(p: &Path) -> std::io::Result<(Box<dyn Read>, bool)> {
    let f = std::fs::File::open(p)?;
    let gz = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    Ok((if gz { Box::new(flate2::read::MultiGzDecoder::new(f)) } else { Box::new(f) }, gz))
}

/// A line that is not an OTLP/JSON request, as a bad row.
fn not_otlp(file: &str, line: u64, text: &str, e: &serde_json::Error) -> BadRow {
    BadRow {
        file: file.to_string(),
        line,
        column: format!("character {}", e.column()),
        value: excerpt(text, e.column()),
        reason: format!("not an OTLP/JSON ExportTraceServiceRequest: {e}"),
    }
}

/// Whether a file starts like an OTLP/JSON trace export (`{"resourceSpans"`, gzipped or not).
pub fn looks_like_otlp(p: &Path) -> bool {
    let Ok((reader, _)) = open_spans(p) else { return false };
    let mut head = Vec::with_capacity(256);
    if reader.take(256).read_to_end(&mut head).is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&head);
    let t = text.trim_start();
    t.starts_with('{') && t[1..].trim_start().starts_with("\"resourceSpans\"")
}

/// One call read from a span, before pricing.
struct Call {
    id: String,
    start_ms: i64,
    latency_ms: i64,
    ttft_ms: i64,
    provider: String,
    model: String,
    usage: Usage,
    reasoning: u64,
    tier: ServiceTier,
    status: &'static str,
    error_type: String,
    dims: Vec<String>,
}

/// What the reader keeps of a span for attribution: its parent and the attributes a dimension may use.
struct Node {
    parent: String,
    attrs: Vec<(usize, String)>,
}

/// The dimensions filled from attributes, each with the attribute names tried in order.
struct Dimensions {
    columns: Vec<&'static str>,
    keys: Vec<Vec<String>>,
    constants: Vec<Option<String>>,
    ttft_key: Option<String>,
    /// Milliseconds per unit of the mapped time-to-first-token attribute.
    ttft_scale: f64,
}

impl Dimensions {
    fn new(mapping: &Mapping) -> Dimensions {
        let mut d = Dimensions {
            columns: vec![],
            keys: vec![],
            constants: vec![],
            ttft_key: None,
            ttft_scale: mapping.latency_scale,
        };
        for (column, defaults) in attrs::DIMENSION_DEFAULTS {
            d.columns.push(column);
            d.keys.push(match mapping.columns.get(column) {
                Some(k) => vec![k.clone()],
                None => defaults.iter().map(|s| s.to_string()).collect(),
            });
            d.constants.push(mapping.constants.get(column).cloned());
        }
        d.ttft_key = mapping.columns.get("time_to_first_token_ms").cloned();
        d
    }

    /// `(dimension, value)` of the attributes that matter for attribution.
    fn pick(&self, attributes: &[(String, Value)]) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (k, v) in attributes {
            for (i, keys) in self.keys.iter().enumerate() {
                if let Some(rank) = keys.iter().position(|key| key == k) {
                    out.push((i * 16 + rank.min(15), v.text()));
                }
            }
        }
        out
    }
}

/// Reads one OTLP/JSON file into batches of the canonical schema.
pub fn load_otlp(
    path: &Path,
    mapping: &Mapping,
    catalog: &Catalog,
    skip_bad_rows: bool,
) -> Result<(Vec<RecordBatch>, FileReport, Vec<BadRow>), LoadError> {
    let io = |source| LoadError::Io { path: path.to_path_buf(), source };
    let bytes = std::fs::metadata(path).map_err(io)?.len();
    let (reader, gz) = open_spans(path).map_err(io)?;
    read_otlp(path, bytes, reader, gz, mapping, catalog, skip_bad_rows)
}

/// Reads OTLP/JSON spans from bytes as a file named `spans.jsonl` (the fuzz target's entry).
#[doc(hidden)]
pub fn otlp_from_bytes(
    bytes: &[u8],
    skip_bad_rows: bool,
) -> Result<(Vec<RecordBatch>, FileReport, Vec<BadRow>), LoadError> {
    let catalog = Catalog::builtin();
    let reader: Box<dyn Read + '_> = Box::new(bytes);
    read_otlp(
        Path::new("spans.jsonl"),
        bytes.len() as u64,
        reader,
        false,
        &Mapping::identity(),
        &catalog,
        skip_bad_rows,
    )
}

fn read_otlp(
    path: &Path,
    bytes: u64,
    reader: Box<dyn Read + '_>,
    gz: bool,
    mapping: &Mapping,
    catalog: &Catalog,
    skip_bad_rows: bool,
) -> Result<(Vec<RecordBatch>, FileReport, Vec<BadRow>), LoadError> {
    let file = path.display().to_string();
    let mut lines = BufReader::with_capacity(1 << 20, reader);
    let dims = Dimensions::new(mapping);
    let mut readout = SpanReadout::default();
    let mut bad = Vec::new();
    let mut bad_count = 0u64;
    let mut calls: Vec<(Call, usize)> = Vec::new();
    let mut nodes: HashMap<(String, String), Node> = HashMap::new();
    let mut resources: Vec<Vec<(usize, String)>> = Vec::new();
    let mut emitters: Vec<(String, String)> = Vec::new();
    let mut call_nodes: Vec<(String, String, usize)> = Vec::new();
    let mut response_ids: HashMap<(String, String), usize> = HashMap::new();
    // Emitters whose spans duplicated a better emitter's: their failed calls are matched below.
    let mut losers: HashSet<usize> = HashSet::new();
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    let mut reject = |mut row: BadRow, bad: &mut Vec<BadRow>| -> Result<(), LoadError> {
        crate::load::shorten(&mut row.value);
        if !skip_bad_rows {
            return Err(LoadError::BadValue(row));
        }
        bad_count += 1;
        if bad.len() < finops_results::dataset_overview::LoadReport::MAX_EXAMPLES {
            bad.push(row);
        }
        Ok(())
    };
    loop {
        buf.clear();
        let n = lines.read_until(b'\n', &mut buf).map_err(|e| {
            let hint = if gz { " (is it gzip?)" } else { "" };
            LoadError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(e.kind(), format!("line {}: {e}{hint}", line_no + 1)),
            }
        })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let text = match std::str::from_utf8(&buf) {
            Ok(t) => t.trim(),
            Err(e) => {
                let row = BadRow {
                    file: file.clone(),
                    line: line_no,
                    column: format!("byte {}", e.valid_up_to() + 1),
                    value: String::from_utf8_lossy(&buf[e.valid_up_to().saturating_sub(30)..])
                        .chars()
                        .take(60)
                        .collect(),
                    reason: "not valid UTF-8".into(),
                };
                reject(row, &mut bad)?;
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        let request: TraceRequest = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                reject(not_otlp(&file, line_no, text, &e), &mut bad)?;
                continue;
            }
        };
        for rs in request.resource_spans {
            let resource: Vec<(String, Value)> =
                rs.resource.attributes.into_iter().map(|kv| (kv.key, kv.value.into())).collect();
            resources.push(dims.pick(&resource));
            let resource_idx = resources.len() - 1;
            for ss in rs.scope_spans {
                let emitter = (ss.scope.name.clone(), ss.scope.version.clone());
                let emitter_idx = match emitters.iter().position(|e| *e == emitter) {
                    Some(i) => i,
                    None => {
                        emitters.push(emitter);
                        emitters.len() - 1
                    }
                };
                for mut span in ss.spans {
                    readout.spans += 1;
                    let attributes: Vec<(String, Value)> =
                        std::mem::take(&mut span.attributes).into_iter().map(|kv| (kv.key, kv.value.into())).collect();
                    let get = |k: &str| attributes.iter().find(|(key, _)| key == k).map(|(_, v)| v);
                    let picked = dims.pick(&attributes);
                    let key = (span.trace_id.clone(), span.span_id.clone());
                    let genai = attrs::is_genai(&get);
                    if !genai || span.kind.value() != KIND_CLIENT {
                        if genai {
                            readout.genai_not_client += 1;
                        } else {
                            readout.other_spans += 1;
                        }
                        nodes.insert(key, Node { parent: span.parent_span_id, attrs: picked });
                        continue;
                    }
                    if attrs::is_agent_or_tool(&get) {
                        readout.agent_or_tool_spans += 1;
                        nodes.insert(key, Node { parent: span.parent_span_id, attrs: picked });
                        continue;
                    }
                    let at = |column: &str, value: String, reason: String| BadRow {
                        file: file.clone(),
                        line: line_no,
                        column: column.to_string(),
                        value,
                        reason: format!("span {}: {reason}", span.span_id),
                    };
                    let emitter_info = attrs::emitter_of(&emitters[emitter_idx].0);
                    let mut call = match attrs::call_of(&span, &get, &emitters[emitter_idx].0, emitter_info, &dims) {
                        Ok(c) => c,
                        Err((column, value, reason)) => {
                            reject(at(column, value, reason), &mut bad)?;
                            continue;
                        }
                    };
                    call.dims = own_dims(&picked, dims.columns.len());
                    let place = (span.trace_id.clone(), span.parent_span_id.clone(), resource_idx);
                    // Two instrumentations of one client record one response twice: keep the better emitter.
                    let response = get("gen_ai.response.id").map(Value::text).filter(|s| !s.is_empty());
                    match response.map(|id| (call.provider.clone(), id)) {
                        Some(rid) if response_ids.contains_key(&rid) => {
                            readout.duplicates += 1;
                            let other = response_ids[&rid];
                            if emitter_info.rank < attrs::emitter_of(&emitters[calls[other].1].0).rank {
                                losers.insert(calls[other].1);
                                calls[other] = (call, emitter_idx);
                                call_nodes[other] = place;
                            } else {
                                losers.insert(emitter_idx);
                            }
                        }
                        rid => {
                            if let Some(rid) = rid {
                                response_ids.insert(rid, calls.len());
                            }
                            calls.push((call, emitter_idx));
                            call_nodes.push(place);
                        }
                    }
                    nodes.insert(key, Node { parent: span.parent_span_id, attrs: picked });
                }
            }
        }
    }
    drop_doubled_failures(&mut calls, &mut call_nodes, &losers, &mut readout);
    // Attribution: the span's own attributes, then each parent's, then the resource's.
    for ((call, _), (trace, parent, resource)) in calls.iter_mut().zip(&call_nodes) {
        let mut best: Vec<Option<(usize, String)>> =
            call.dims.iter().map(|v| if v.is_empty() { None } else { Some((0, v.clone())) }).collect();
        let mut next = parent.clone();
        let mut depth = 0;
        while !next.is_empty() && depth < 64 {
            let Some(node) = nodes.get(&(trace.clone(), next.clone())) else { break };
            fill(&mut best, &node.attrs);
            next = node.parent.clone();
            depth += 1;
        }
        fill(&mut best, &resources[*resource]);
        call.dims = best
            .into_iter()
            .enumerate()
            .map(|(i, v)| match (&dims.constants[i], v) {
                (Some(c), _) => c.clone(),
                (None, Some((_, v))) => v,
                (None, None) => default_for(dims.columns[i]).to_string(),
            })
            .collect();
    }
    let mut lookup = PriceLookup::new(catalog);
    let mut pricing: BTreeMap<(String, String, String, &'static str), u64> = BTreeMap::new();
    let mut per_emitter = vec![0u64; emitters.len()];
    let mut priced = Vec::with_capacity(calls.len());
    for (mut call, e) in calls {
        per_emitter[e] += 1;
        let p = lookup.price(&call.provider, &call.model, &call.usage, call.tier, call.start_ms);
        *pricing.entry((call.provider.clone(), call.model.clone(), p.model.clone(), p.source.as_str())).or_default() +=
            1;
        call.model = p.model;
        priced.push((call, p.cost_usd));
    }
    priced.sort_by(|a, b| (a.0.start_ms, &a.0.id).cmp(&(b.0.start_ms, &b.0.id)));
    readout.calls = priced.len() as u64;
    readout.emitters = emitters
        .iter()
        .zip(per_emitter)
        .filter(|(_, n)| *n > 0)
        .map(|((scope, version), calls)| {
            let e = attrs::emitter_of(scope);
            EmitterCount {
                scope: scope.clone(),
                version: version.clone(),
                emitter: e.name.to_string(),
                input_tokens: e.input_counts.to_string(),
                calls,
            }
        })
        .collect();
    readout.pricing = pricing
        .into_iter()
        .map(|((provider, reported, model, source), calls)| PricingCount {
            provider,
            reported_model: reported,
            model,
            source: source.to_string(),
            calls,
        })
        .collect();
    let batch = to_batch(&priced, &dims);
    let report = FileReport {
        path: file,
        format: "otlp-json".into(),
        bytes,
        rows: priced.len() as u64,
        bad_rows: bad_count,
        defaulted_columns: Vec::new(),
        spans: Some(readout),
    };
    Ok((if priced.is_empty() { vec![] } else { vec![batch] }, report, bad))
}

/// A failed call has no response id to match, so when one emitter duplicated another's responses, each of
/// its failures is dropped if the other emitter recorded the same failure (provider, model, status) within a
/// second of it.
fn drop_doubled_failures(
    calls: &mut Vec<(Call, usize)>,
    places: &mut Vec<(String, String, usize)>,
    losers: &HashSet<usize>,
    readout: &mut SpanReadout,
) {
    if losers.is_empty() {
        return;
    }
    let failed: Vec<usize> = (0..calls.len()).filter(|&i| calls[i].0.status != "success").collect();
    let mut matched = HashSet::new();
    let mut drop = HashSet::new();
    for &i in failed.iter().filter(|&&i| losers.contains(&calls[i].1)) {
        let (c, e) = &calls[i];
        let twin = failed.iter().copied().find(|&j| {
            let (d, f) = &calls[j];
            f != e
                && !losers.contains(f)
                && !matched.contains(&j)
                && (d.provider.as_str(), d.model.as_str(), d.status)
                    == (c.provider.as_str(), c.model.as_str(), c.status)
                && (d.start_ms - c.start_ms).abs() <= 1000
        });
        if let Some(j) = twin {
            matched.insert(j);
            drop.insert(i);
        }
    }
    readout.duplicates += drop.len() as u64;
    let mut k = 0;
    calls.retain(|_| {
        k += 1;
        !drop.contains(&(k - 1))
    });
    let mut k = 0;
    places.retain(|_| {
        k += 1;
        !drop.contains(&(k - 1))
    });
}

/// The dimensions a span's own attributes give (empty where none).
fn own_dims(picked: &[(usize, String)], n: usize) -> Vec<String> {
    let mut best: Vec<Option<(usize, String)>> = vec![None; n];
    fill(&mut best, picked);
    best.into_iter().map(|b| b.map(|(_, v)| v).unwrap_or_default()).collect()
}

/// Fills dimensions not yet found from `attrs`, preferring the earlier attribute name of each.
fn fill(best: &mut [Option<(usize, String)>], attrs: &[(usize, String)]) {
    let mut found: Vec<Option<(usize, &String)>> = vec![None; best.len()];
    for (code, v) in attrs {
        let (dim, rank) = (code / 16, code % 16);
        if best[dim].is_none() && found[dim].is_none_or(|(r, _)| rank < r) && !v.is_empty() {
            found[dim] = Some((rank, v));
        }
    }
    for (b, f) in best.iter_mut().zip(found) {
        if let Some((rank, v)) = f {
            *b = Some((rank, v.clone()));
        }
    }
}

/// At most 60 characters of `text` around `column` (1-based), for error messages.
fn excerpt(text: &str, column: usize) -> String {
    let start = column.saturating_sub(30);
    text.chars().skip(start).take(60).collect()
}

fn to_batch(calls: &[(Call, f64)], dims: &Dimensions) -> RecordBatch {
    let schema = canonical_schema();
    let n = calls.len();
    let arrays: Vec<ArrayRef> = COLUMNS
        .iter()
        .map(|c| -> ArrayRef {
            let dim = dims.columns.iter().position(|d| *d == c.name);
            match c.ty {
                ColumnType::Text => {
                    let mut b = StringViewBuilder::with_capacity(n);
                    for (call, _) in calls {
                        match (c.name, dim) {
                            (_, Some(i)) => b.append_value(&call.dims[i]),
                            ("call_id", _) => b.append_value(&call.id),
                            ("provider", _) => b.append_value(&call.provider),
                            ("model", _) => b.append_value(&call.model),
                            ("status", _) => b.append_value(call.status),
                            ("error_type", _) => b.append_value(&call.error_type),
                            ("service_tier", _) => b.append_value(call.tier.as_str()),
                            (other, None) => b.append_value(default_for(other)),
                        }
                    }
                    Arc::new(b.finish())
                }
                ColumnType::Integer => {
                    let mut b = Int64Builder::with_capacity(n);
                    for (call, _) in calls {
                        let u = &call.usage;
                        let v = match c.name {
                            "input_tokens" => u.input,
                            "output_tokens" => u.output,
                            "total_tokens" => u.input + u.output,
                            "cached_input_tokens" => u.cached_input,
                            "cache_write_tokens" => u.cache_write + u.cache_write_1h,
                            "reasoning_tokens" => call.reasoning,
                            "latency_ms" => call.latency_ms as u64,
                            "time_to_first_token_ms" => call.ttft_ms as u64,
                            _ => 0,
                        };
                        b.append_value(i64::try_from(v).unwrap_or(i64::MAX));
                    }
                    Arc::new(b.finish())
                }
                ColumnType::Decimal => {
                    let mut b = Float64Builder::with_capacity(n);
                    for (_, cost) in calls {
                        b.append_value(*cost);
                    }
                    Arc::new(b.finish())
                }
                ColumnType::Timestamp => {
                    let mut b = TimestampMillisecondBuilder::with_capacity(n);
                    for (call, _) in calls {
                        b.append_value(call.start_ms);
                    }
                    Arc::new(b.finish().with_timezone("UTC"))
                }
            }
        })
        .collect();
    RecordBatch::try_new(schema, arrays).expect("columns follow the canonical schema")
}

/// An attribute the GenAI calls of a span file can be attributed by: on how many calls it is reachable
/// (on the span, a parent or the resource) and one of its values.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeSeen {
    pub key: String,
    pub calls: u64,
    pub example: String,
}

/// The attributes reachable from the file's GenAI calls (`finops map --suggest`), most common first;
/// `gen_ai.*`, `http.*`, `url.*`, `server.*` and telemetry SDK attributes are left out.
pub fn attribute_census(path: &Path) -> Result<(u64, Vec<AttributeSeen>), LoadError> {
    let io = |source| LoadError::Io { path: path.to_path_buf(), source };
    let (reader, _) = open_spans(path).map_err(io)?;
    let skip = |k: &str| {
        ["gen_ai.", "http.", "url.", "server.", "telemetry.", "error.", "anthropic.", "openai.", "llm."]
            .iter()
            .any(|p| k.starts_with(p))
    };
    // (trace, span) -> (parent, attributes); calls as (trace, parent, attributes, resource).
    type Attrs = Vec<(String, String)>;
    let mut nodes: HashMap<(String, String), (String, Attrs)> = HashMap::new();
    let mut calls: Vec<(String, String, Attrs, usize)> = Vec::new();
    let mut resources: Vec<Vec<(String, String)>> = Vec::new();
    for (n, line) in BufReader::new(reader).lines().enumerate() {
        let line = line.map_err(io)?;
        if line.trim().is_empty() {
            continue;
        }
        let request: TraceRequest = serde_json::from_str(&line)
            .map_err(|e| LoadError::BadValue(not_otlp(&path.display().to_string(), n as u64 + 1, &line, &e)))?;
        for rs in request.resource_spans {
            resources.push(
                rs.resource
                    .attributes
                    .into_iter()
                    .filter(|kv| !skip(&kv.key))
                    .map(|kv| (kv.key, Value::from(kv.value).text()))
                    .collect(),
            );
            for ss in rs.scope_spans {
                for span in ss.spans {
                    // The same test of what is a call as the reader's.
                    let values: Vec<(String, Value)> =
                        span.attributes.into_iter().map(|kv| (kv.key, kv.value.into())).collect();
                    let get = |k: &str| values.iter().find(|(key, _)| key == k).map(|(_, v)| v);
                    let is_call =
                        attrs::is_genai(&get) && span.kind.value() == KIND_CLIENT && !attrs::is_agent_or_tool(&get);
                    let kept: Attrs =
                        values.iter().filter(|(k, _)| !skip(k)).map(|(k, v)| (k.clone(), v.text())).collect();
                    if is_call {
                        calls.push((span.trace_id.clone(), span.parent_span_id.clone(), kept, resources.len() - 1));
                    } else {
                        nodes.insert((span.trace_id, span.span_id), (span.parent_span_id, kept));
                    }
                }
            }
        }
    }
    let mut seen: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for (trace, parent, own, resource) in &calls {
        let mut keys: BTreeMap<&str, &str> = BTreeMap::new();
        fn add<'a>(keys: &mut BTreeMap<&'a str, &'a str>, attrs: &'a [(String, String)]) {
            for (k, v) in attrs {
                keys.entry(k).or_insert(v);
            }
        }
        add(&mut keys, own);
        let mut next = parent.clone();
        for _ in 0..64 {
            let Some((up, attrs)) = nodes.get(&(trace.clone(), next.clone())) else { break };
            add(&mut keys, attrs);
            next = up.clone();
        }
        add(&mut keys, &resources[*resource]);
        for (k, v) in keys {
            let e = seen.entry(k.to_string()).or_insert_with(|| (0, v.to_string()));
            e.0 += 1;
        }
    }
    let mut out: Vec<AttributeSeen> =
        seen.into_iter().map(|(key, (calls, example))| AttributeSeen { key, calls, example }).collect();
    out.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.key.cmp(&b.key)));
    Ok((calls.len() as u64, out))
}

/// The default attribute names of each dimension (for `finops map --suggest` and the README).
pub fn dimension_defaults() -> &'static [(&'static str, &'static [&'static str])] {
    &attrs::DIMENSION_DEFAULTS
}
