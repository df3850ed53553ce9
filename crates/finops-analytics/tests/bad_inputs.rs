//! A corpus of malformed inputs for every reader (CSV fast path and csv-crate path, Parquet, OpenTelemetry
//! spans, mapped layouts): each gives a clear error naming the file, the line (or row) and the column and
//! saying what is wrong, or with `skip_bad_rows` a counted skip; never a panic, never a partial load.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use finops_analytics::datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use finops_analytics::datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema};
use finops_analytics::{Dataset, LoadOptions};
use finops_core::mapping::Mapping;
use finops_sim::{OutputFormat, RunOptions, SimConfig, Simulator, Stop};

/// What a case must give.
enum Want {
    /// An error containing every one of these; with `skip_bad_rows`, `Some(n)` skipped rows instead.
    Error(&'static [&'static str], Option<u64>),
    /// Loads, with this many rows.
    Rows(u64),
}

struct Case {
    name: &'static str,
    file: &'static str,
    bytes: Vec<u8>,
    want: Want,
    mapping: Option<&'static str>,
}

fn valid_csv(dir: &Path) -> (String, Vec<String>) {
    let p = dir.join("valid.csv");
    let sim = Simulator::new(SimConfig { seed: 5, customers: 20, ..SimConfig::default() }).unwrap();
    sim.write_file(&p, OutputFormat::Csv, Stop::Calls(4), &RunOptions::default()).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    let mut lines = text.lines().map(String::from);
    let header = lines.next().unwrap();
    (header, lines.collect())
}

/// `row` with field `col` (by header name) replaced.
fn with_field(header: &str, row: &str, col: &str, value: &str) -> String {
    let i = header.split(',').position(|h| h == col).unwrap();
    let mut f: Vec<String> = row.split(',').map(String::from).collect();
    f[i] = value.to_string();
    f.join(",")
}

fn csv(header: &str, rows: &[String]) -> Vec<u8> {
    let mut s = String::from(header);
    s.push('\n');
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

fn otlp_line(attrs: &str, start: &str, end: &str) -> String {
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[]}},"scopeSpans":[{{"scope":{{"name":"t"}},"spans":[{{"traceId":"aa","spanId":"bb","name":"chat m","kind":3,"startTimeUnixNano":{start},"endTimeUnixNano":{end},"attributes":[{attrs}],"status":{{}}}}]}}]}}]}}"#
    )
}

fn attr_s(k: &str, v: &str) -> String {
    format!(r#"{{"key":"{k}","value":{{"stringValue":"{v}"}}}}"#)
}

fn attr_i(k: &str, v: &str) -> String {
    format!(r#"{{"key":"{k}","value":{{"intValue":"{v}"}}}}"#)
}

fn span_attrs(input: &str) -> String {
    [
        attr_s("gen_ai.operation.name", "chat"),
        attr_s("gen_ai.provider.name", "openai"),
        attr_s("gen_ai.response.model", "gpt-4o-mini"),
        attr_i("gen_ai.usage.input_tokens", input),
        attr_i("gen_ai.usage.output_tokens", "5"),
    ]
    .join(",")
}

fn cases(dir: &Path) -> Vec<Case> {
    let (h, rows) = valid_csv(dir);
    let r = |i: usize| rows[i].clone();
    let f = |col: &str, v: &str| with_field(&h, &rows[1], col, v);
    let bad_row = |name: &'static str, row: String, want: &'static [&'static str]| Case {
        name,
        file: "calls.csv",
        bytes: csv(&h, &[r(0), row, r(2)]),
        want: Want::Error(want, Some(1)),
        mapping: None,
    };
    let whole = |name: &'static str, file: &'static str, bytes: Vec<u8>, want: Want| Case {
        name,
        file,
        bytes,
        want,
        mapping: None,
    };
    let mapped = |name: &'static str, bytes: Vec<u8>, mapping: &'static str, want: Want| Case {
        name,
        file: "gateway.csv",
        bytes,
        want,
        mapping: Some(mapping),
    };
    let short: String = rows[1].split(',').take(9).collect::<Vec<_>>().join(",");
    let quoted_unclosed = f("feature_id", "\"chat");
    let big = "9".repeat(10 << 20);
    let mut invalid_utf8 = csv(&h, &[r(0)]);
    invalid_utf8.extend_from_slice(f("customer_id", "cust_\u{1}").replace('\u{1}', "\u{fffd}").as_bytes());
    let n = invalid_utf8.len();
    // Replace the 3 bytes of U+FFFD with a lone continuation byte.
    let pos = invalid_utf8.windows(3).rposition(|w| w == "\u{fffd}".as_bytes()).unwrap();
    invalid_utf8.splice(pos..pos + 3, [0x80u8]);
    assert!(invalid_utf8.len() == n - 2);
    invalid_utf8.push(b'\n');
    let gateway = b"created_at,vendor,model_name,prompt_tokens,completion_tokens,cost_cents\n".to_vec();
    let span = |attrs: String, start: &str, end: &str| (otlp_line(&attrs, start, end) + "\n").into_bytes();
    let okspan = || span(span_attrs("10"), "\"1790000000000000000\"", "\"1790000000500000000\"");
    let mut cases = vec![
        // Row shapes.
        bad_row(
            "too few fields",
            short,
            &["calls.csv:3:", "column output_tokens", "the row has 9 fields where the header has 25"],
        ),
        bad_row(
            "extra field",
            format!("{},surplus", r(1)),
            &["calls.csv:3:", "field 26", "26 fields where the header has 25"],
        ),
        bad_row("unclosed quote", quoted_unclosed, &["calls.csv:3:", "quote is not closed"]),
        bad_row("only commas", ",".repeat(24), &["calls.csv:3:", "column timestamp", "ISO-8601"]),
        // Types and ranges.
        bad_row(
            "text in an integer",
            f("input_tokens", "abc"),
            &["calls.csv:3:", "column input_tokens", "non-negative integer", "abc"],
        ),
        bad_row("negative tokens", f("output_tokens", "-5"), &["column output_tokens", "non-negative integer"]),
        bad_row(
            "huge integer",
            f("input_tokens", "99999999999999999999999"),
            &["column input_tokens", "non-negative integer"],
        ),
        bad_row("decimal in an integer", f("latency_ms", "12.5"), &["column latency_ms", "non-negative integer"]),
        bad_row("NaN cost", f("cost_usd", "NaN"), &["column cost_usd", "non-negative number"]),
        bad_row("inf cost", f("cost_usd", "inf"), &["column cost_usd", "non-negative number"]),
        bad_row("negative cost", f("cost_usd", "-0.5"), &["column cost_usd", "non-negative number"]),
        bad_row("empty required integer", f("input_tokens", ""), &["column input_tokens"]),
        bad_row("10 MB number", f("input_tokens", &big), &["column input_tokens", "(10485760 bytes)"]),
        bad_row("NUL in a number", f("output_tokens", "1\u{0}2"), &["column output_tokens", "non-negative integer"]),
        // Timestamps.
        bad_row("month 13", f("timestamp", "2026-13-01T00:00:00.000Z"), &["column timestamp", "ISO-8601"]),
        bad_row("day 32", f("timestamp", "2026-09-32T00:00:00.000Z"), &["column timestamp", "ISO-8601"]),
        bad_row("offset +25:00", f("timestamp", "2026-09-01T00:00:00+25:00"), &["column timestamp", "ISO-8601"]),
        bad_row("a word for a time", f("timestamp", "yesterday"), &["column timestamp", "yesterday"]),
        bad_row("unix seconds unmapped", f("timestamp", "1790000000"), &["column timestamp", "ISO-8601"]),
        // Encodings.
        Case {
            name: "invalid UTF-8",
            file: "calls.csv",
            bytes: invalid_utf8,
            want: Want::Error(&["calls.csv:3:", "column customer_id", "not valid UTF-8"], Some(1)),
            mapping: None,
        },
        whole("BOM", "bom.csv", [b"\xef\xbb\xbf".to_vec(), csv(&h, &rows)].concat(), Want::Rows(4)),
        whole(
            "CRLF line ends",
            "crlf.csv",
            csv(&h, &rows).iter().flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] }).collect(),
            Want::Rows(4),
        ),
        whole(
            "mixed line ends",
            "mixed.csv",
            format!("{h}\r\n{}\n{}\r\n{}\n", r(0), r(1), r(2)).into_bytes(),
            Want::Rows(3),
        ),
        whole("lone CR line ends", "cr.csv", format!("{h}\r{}\r{}\r", r(0), r(1)).into_bytes(), Want::Rows(2)),
        whole("blank lines", "blank.csv", format!("{h}\n{}\n\n{}\n\n", r(0), r(1)).into_bytes(), Want::Rows(2)),
        whole(
            "quoted newline and quotes",
            "quoted.csv",
            csv(&h, &[f("feature_id", "\"ch\nat \"\"x\"\"\"")]),
            Want::Rows(1),
        ),
        whole("10 MB text field", "wide.csv", csv(&h, &[f("customer_id", &"c".repeat(10 << 20))]), Want::Rows(1)),
        // Headers and files.
        whole(
            "duplicate header",
            "dup.csv",
            csv(&format!("{h},cost_usd"), &[format!("{},1.0", r(0))]),
            Want::Error(&["dup.csv", "line 1", "`cost_usd` appears twice", "fields 12 and 26"], None),
        ),
        whole(
            "misspelt header",
            "typo.csv",
            csv(&h.replace("cost_usd", "cost_usdd"), &[r(0)]),
            Want::Error(&["typo.csv", "line 1", "missing required column(s): cost_usd"], None),
        ),
        whole(
            "empty file",
            "empty.csv",
            Vec::new(),
            Want::Error(&["empty.csv", "line 1", "missing required column(s)"], None),
        ),
        whole("header only", "header.csv", csv(&h, &[]), Want::Rows(0)),
        whole(
            "unsupported extension",
            "calls.txt",
            csv(&h, &rows),
            Want::Error(&["calls.txt", "unsupported file type"], None),
        ),
        whole("parquet that is CSV", "calls.parquet", csv(&h, &rows), Want::Error(&["calls.parquet"], None)),
        // OpenTelemetry spans.
        whole("gzip that is not gzip", "spans.jsonl.gz", okspan(), Want::Error(&["spans.jsonl.gz", "gzip"], None)),
        whole(
            "a line that is not JSON",
            "spans.jsonl",
            [okspan(), b"{not json\n".to_vec()].concat(),
            Want::Error(&["spans.jsonl:2:", "not an OTLP/JSON"], Some(1)),
        ),
        whole(
            "JSON that is not OTLP",
            "spans.json",
            b"[1, 2, 3]\n".to_vec(),
            Want::Error(&["spans.json:1:", "not an OTLP/JSON"], Some(1)),
        ),
        whole(
            "negative span tokens",
            "spans.jsonl",
            span(span_attrs("-3"), "\"1790000000000000000\"", "\"1790000000500000000\""),
            Want::Error(&["spans.jsonl:1:", "gen_ai.usage.input_tokens", "non-negative whole number"], Some(1)),
        ),
        whole(
            "text span tokens",
            "spans.jsonl",
            span(span_attrs("many"), "\"1790000000000000000\"", "\"1790000000500000000\""),
            Want::Error(&["spans.jsonl:1:", "gen_ai.usage.input_tokens"], Some(1)),
        ),
        whole(
            "span without a start",
            "spans.jsonl",
            span(span_attrs("10"), "\"0\"", "\"1790000000500000000\""),
            Want::Error(&["spans.jsonl:1:", "startTimeUnixNano"], Some(1)),
        ),
        whole(
            "span ending before it starts",
            "spans.jsonl",
            span(span_attrs("10"), "\"1790000000500000000\"", "\"1790000000000000000\""),
            Want::Error(&["spans.jsonl:1:", "endTimeUnixNano", "ends before it starts"], Some(1)),
        ),
        whole(
            "span line not UTF-8",
            "spans.jsonl",
            [okspan(), b"{\"resourceSpans\":[\xff]}\n".to_vec()].concat(),
            Want::Error(&["spans.jsonl:2:", "not valid UTF-8"], Some(1)),
        ),
        whole("empty span file", "spans.jsonl", Vec::new(), Want::Rows(0)),
        whole("valid span", "spans.jsonl", okspan(), Want::Rows(1)),
        // Mapped layouts.
        mapped(
            "time not in the mapped format",
            [gateway.clone(), b"2026-09-01,openai,gpt-4o,10,5,1.5\n".to_vec()].concat(),
            "[columns]\ntimestamp = \"created_at\"\nprovider = \"vendor\"\nmodel = \"model_name\"\ninput_tokens = \"prompt_tokens\"\noutput_tokens = \"completion_tokens\"\ncost_usd = \"cost_cents\"\n[units]\ncost_usd = \"cents\"\n[time]\nformat = \"%d/%m/%Y %H:%M\"\n",
            Want::Error(&["gateway.csv:2:", "timestamp (created_at)", "expected a time as"], Some(1)),
        ),
        mapped(
            "unix seconds that are not",
            [gateway.clone(), b"soon,openai,gpt-4o,10,5,1.5\n".to_vec()].concat(),
            "[columns]\ntimestamp = \"created_at\"\nprovider = \"vendor\"\nmodel = \"model_name\"\ninput_tokens = \"prompt_tokens\"\noutput_tokens = \"completion_tokens\"\ncost_usd = \"cost_cents\"\n[time]\nformat = \"unix_s\"\n",
            Want::Error(&["gateway.csv:2:", "Unix seconds"], Some(1)),
        ),
        mapped(
            "mapped column absent",
            gateway.clone(),
            "[columns]\ntimestamp = \"created\"\n",
            Want::Error(&["gateway.csv", "line 1", "missing required column(s): created"], None),
        ),
        mapped(
            "mapped cost that is text",
            [gateway, b"1790000000,openai,gpt-4o,10,5,free\n".to_vec()].concat(),
            "[columns]\ntimestamp = \"created_at\"\nprovider = \"vendor\"\nmodel = \"model_name\"\ninput_tokens = \"prompt_tokens\"\noutput_tokens = \"completion_tokens\"\ncost_usd = \"cost_cents\"\n[time]\nformat = \"unix_s\"\n",
            Want::Error(&["gateway.csv:2:", "cost_usd (cost_cents)", "non-negative number"], Some(1)),
        ),
    ];
    // A Parquet file cut short.
    let pq = dir.join("whole.parquet");
    let sim = Simulator::new(SimConfig { seed: 5, customers: 20, ..SimConfig::default() }).unwrap();
    sim.write_file(&pq, OutputFormat::Parquet, Stop::Calls(500), &RunOptions::default()).unwrap();
    let bytes = std::fs::read(&pq).unwrap();
    cases.push(whole(
        "parquet cut short",
        "cut.parquet",
        bytes[..bytes.len() / 2].to_vec(),
        Want::Error(&["cut.parquet"], None),
    ));
    // Parquet: values CSV would refuse, nulls, wrong types and schemas (line = row number).
    let ints = |v: Vec<Option<i64>>| Arc::new(Int64Array::from(v)) as ArrayRef;
    let edit = |col: &str, f: &dyn Fn(&ArrayRef) -> ArrayRef| {
        parquet_with(&pq, &|b| {
            let a = f(b.column_by_name(col).unwrap());
            replace(&b, col, a)
        })
    };
    let at3 = |a: &ArrayRef, v: Option<i64>| {
        let mut x: Vec<Option<i64>> = a.as_primitive::<Int64Type>().iter().collect();
        x[3] = v;
        ints(x)
    };
    let cost3 = |a: &ArrayRef, v: Option<f64>| {
        let mut x: Vec<Option<f64>> = a.as_primitive::<Float64Type>().iter().collect();
        x[3] = v;
        Arc::new(Float64Array::from(x)) as ArrayRef
    };
    let pcase = |name: &'static str, bytes: Vec<u8>, want: Want| Case {
        name,
        file: "calls.parquet",
        bytes,
        want,
        mapping: None,
    };
    cases.push(pcase(
        "parquet negative tokens",
        edit("input_tokens", &|a| at3(a, Some(-5))),
        Want::Error(&["calls.parquet:4:", "column input_tokens", "non-negative integer", "\"-5\""], Some(1)),
    ));
    cases.push(pcase(
        "parquet NaN cost",
        edit("cost_usd", &|a| cost3(a, Some(f64::NAN))),
        Want::Error(&["calls.parquet:4:", "column cost_usd", "non-negative number"], Some(1)),
    ));
    cases.push(pcase(
        "parquet infinite cost",
        edit("cost_usd", &|a| cost3(a, Some(f64::INFINITY))),
        Want::Error(&["calls.parquet:4:", "column cost_usd"], Some(1)),
    ));
    cases.push(pcase(
        "parquet null cost",
        edit("cost_usd", &|a| cost3(a, None)),
        Want::Error(&["calls.parquet:4:", "column cost_usd", "missing or not convertible"], Some(1)),
    ));
    cases.push(pcase(
        "parquet text tokens",
        edit("output_tokens", &|a| {
            let mut x: Vec<Option<String>> =
                a.as_primitive::<Int64Type>().iter().map(|v| v.map(|v| v.to_string())).collect();
            x[3] = Some("abc".into());
            Arc::new(StringArray::from(x)) as ArrayRef
        }),
        Want::Error(&["calls.parquet:4:", "column output_tokens", "not convertible"], Some(1)),
    ));
    cases.push(pcase(
        "parquet text time",
        edit("timestamp", &|a| {
            let mut x: Vec<Option<String>> = (0..a.len()).map(|_| Some("2026-09-01T00:00:00Z".to_string())).collect();
            x[3] = Some("soon".into());
            Arc::new(StringArray::from(x)) as ArrayRef
        }),
        Want::Error(&["calls.parquet:4:", "column timestamp"], Some(1)),
    ));
    let one_column = parquet_with(&pq, &|_| {
        let a = ints(vec![Some(1)]);
        RecordBatch::try_new(Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, true)])), vec![a]).unwrap()
    });
    cases.push(pcase(
        "parquet wrong schema",
        one_column,
        Want::Error(&["calls.parquet", "missing required column(s)"], None),
    ));
    cases.push(pcase(
        "parquet duplicate column",
        parquet_with(&pq, &|b| {
            let mut fields: Vec<Field> = b.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
            let mut cols = b.columns().to_vec();
            fields.push(Field::new("cost_usd", DataType::Float64, false));
            cols.push(b.column_by_name("cost_usd").unwrap().clone());
            RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
        }),
        Want::Error(&["calls.parquet", "`cost_usd` appears twice"], None),
    ));
    cases
}

/// The simulated Parquet file at `base` rewritten with `edit` applied to its rows (one batch).
fn parquet_with(base: &Path, edit: &dyn Fn(RecordBatch) -> RecordBatch) -> Vec<u8> {
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(base).unwrap()).unwrap().build().unwrap();
    let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    let all = finops_analytics::datafusion::arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
    let edited = edit(all);
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, edited.schema(), None).unwrap();
    w.write(&edited).unwrap();
    w.close().unwrap();
    out
}

/// `b` with column `name` replaced by `a` (its field made nullable and typed as `a`).
fn replace(b: &RecordBatch, name: &str, a: ArrayRef) -> RecordBatch {
    let i = b.schema().index_of(name).unwrap();
    let mut fields: Vec<Field> = b.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    fields[i] = Field::new(name, a.data_type().clone(), true);
    let mut cols = b.columns().to_vec();
    cols[i] = a;
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
}

fn open(paths: &[PathBuf], skip: bool, mapping: Option<&str>) -> std::thread::Result<Result<Dataset, String>> {
    let mapping = mapping.map(|m| Arc::new(Mapping::from_toml_str(m, "map.toml").unwrap()));
    let opts = LoadOptions { skip_bad_rows: skip, mapping, ..LoadOptions::default() };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Dataset::open(paths, opts).map_err(|e| e.to_string())))
}

#[test]
fn every_malformed_input_gets_a_clear_error_or_a_counted_skip() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases(dir.path());
    assert!(cases.len() >= 56, "{} cases", cases.len());
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let sub = dir.path().join(format!("case{i}"));
        std::fs::create_dir_all(&sub).unwrap();
        let path = sub.join(c.file);
        std::fs::write(&path, &c.bytes).unwrap();
        let strict = match open(std::slice::from_ref(&path), false, c.mapping) {
            Err(_) => {
                failures.push(format!("{}: PANICKED", c.name));
                continue;
            }
            Ok(r) => r,
        };
        match (&c.want, strict) {
            (Want::Rows(n), Ok(ds)) if ds.load.rows == *n => {}
            (Want::Rows(n), Ok(ds)) => failures.push(format!("{}: {} rows, expected {n}", c.name, ds.load.rows)),
            (Want::Rows(_), Err(e)) => failures.push(format!("{}: unexpected error {e}", c.name)),
            (Want::Error(..), Ok(ds)) => failures.push(format!("{}: accepted ({} rows)", c.name, ds.load.rows)),
            (Want::Error(needles, skip), Err(e)) => {
                let missing: Vec<&&str> = needles.iter().filter(|n| !e.contains(**n)).collect();
                if !missing.is_empty() || !e.contains(c.file) || e.len() > 600 {
                    failures.push(format!("{}: {e:?} lacks {missing:?} or the file name, or is too long", c.name));
                }
                let skipped = open(std::slice::from_ref(&path), true, c.mapping);
                match (skip, skipped) {
                    (_, Err(_)) => failures.push(format!("{}: PANICKED with skip", c.name)),
                    (Some(n), Ok(Ok(ds))) if ds.load.bad_rows == *n => {}
                    (Some(n), Ok(r)) => failures.push(format!(
                        "{}: with skip expected {n} skipped, got {:?}",
                        c.name,
                        r.map(|d| (d.load.rows, d.load.bad_rows))
                    )),
                    (None, Ok(Err(_))) => {}
                    (None, Ok(Ok(_))) => failures.push(format!("{}: a file-level problem loaded with skip", c.name)),
                }
            }
        }
    }
    // Folders and paths.
    let empty = dir.path().join("nothing");
    std::fs::create_dir_all(&empty).unwrap();
    match open(std::slice::from_ref(&empty), false, None) {
        Ok(Err(e)) if e.contains("nothing") && e.contains("no .csv") => {}
        other => failures.push(format!("empty folder: {:?}", other.map(|r| r.err()))),
    }
    match open(&[dir.path().join("absent.csv")], false, None) {
        Ok(Err(e)) if e.contains("absent.csv") && e.contains("No such file") => {}
        other => failures.push(format!("missing path: {:?}", other.map(|r| r.err()))),
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len() + 2, failures.join("\n"));
}
