//! The OTLP/JSON trace format as file exporters write it: one `ExportTraceServiceRequest` per line
//! (`resourceSpans[].scopeSpans[].spans[]`), ids as hex strings, enums and 64-bit integers as numbers or
//! strings (the OTLP/JSON mapping allows both), attributes as typed `AnyValue`s.
use serde::Deserialize;
use serde::de::IgnoredAny;

/// One line of an OTLP/JSON trace file.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceRequest {
    #[serde(default)]
    pub resource_spans: Vec<ResourceSpans>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSpans {
    #[serde(default)]
    pub resource: Resource,
    /// `instrumentationLibrarySpans` in OTLP before 1.0 (old Collector file exports).
    #[serde(default, alias = "instrumentationLibrarySpans")]
    pub scope_spans: Vec<ScopeSpans>,
}

#[derive(Deserialize, Default)]
pub struct Resource {
    #[serde(default)]
    pub attributes: Vec<KeyValue>,
}

#[derive(Deserialize)]
pub struct ScopeSpans {
    #[serde(default, alias = "instrumentationLibrary")]
    pub scope: Scope,
    #[serde(default)]
    pub spans: Vec<Span>,
}

#[derive(Deserialize, Default, Clone)]
pub struct Scope {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    #[serde(default)]
    pub trace_id: String,
    #[serde(default)]
    pub span_id: String,
    #[serde(default)]
    pub parent_span_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: Enum,
    #[serde(default)]
    pub start_time_unix_nano: Number,
    #[serde(default)]
    pub end_time_unix_nano: Number,
    #[serde(default)]
    pub attributes: Vec<KeyValue>,
    #[serde(default)]
    pub status: Status,
}

/// `SPAN_KIND_CLIENT`.
pub const KIND_CLIENT: i64 = 3;
/// `STATUS_CODE_ERROR`.
pub const STATUS_ERROR: i64 = 2;

#[derive(Deserialize, Default)]
pub struct Status {
    #[serde(default)]
    pub code: Enum,
    #[serde(default)]
    pub message: String,
}

/// An enum written as its number or as its name (`SPAN_KIND_CLIENT`, `STATUS_CODE_ERROR`).
#[derive(Deserialize, Default)]
#[serde(untagged)]
pub enum Enum {
    #[default]
    Unset,
    Number(i64),
    Name(String),
}

impl Enum {
    pub fn value(&self) -> i64 {
        match self {
            Enum::Unset => 0,
            Enum::Number(n) => *n,
            Enum::Name(s) => match s.as_str() {
                "SPAN_KIND_INTERNAL" | "STATUS_CODE_OK" => 1,
                "SPAN_KIND_SERVER" | "STATUS_CODE_ERROR" => 2,
                "SPAN_KIND_CLIENT" => 3,
                "SPAN_KIND_PRODUCER" => 4,
                "SPAN_KIND_CONSUMER" => 5,
                other => other.parse().unwrap_or(0),
            },
        }
    }
}

/// A 64-bit integer as a JSON number or a decimal string (OTLP/JSON writes `fixed64` as strings).
#[derive(Deserialize, Default, Clone)]
#[serde(untagged)]
pub enum Number {
    #[default]
    Missing,
    Int(u64),
    Text(String),
}

impl Number {
    pub fn get(&self) -> Option<u64> {
        match self {
            Number::Missing => None,
            Number::Int(n) => Some(*n),
            Number::Text(s) => s.trim().parse().ok(),
        }
    }
}

#[derive(Deserialize)]
pub struct KeyValue {
    pub key: String,
    #[serde(default)]
    pub value: AnyValue,
}

/// An attribute value; arrays, maps and bytes are kept only as "present".
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AnyValue {
    pub string_value: Option<String>,
    pub int_value: Option<IntValue>,
    pub double_value: Option<f64>,
    pub bool_value: Option<bool>,
    pub array_value: Option<IgnoredAny>,
    pub kvlist_value: Option<IgnoredAny>,
    pub bytes_value: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub enum IntValue {
    Int(i64),
    Text(String),
}

/// An attribute value in the form the reader uses.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Double(f64),
    Bool(bool),
    /// An array, map or bytes, or an integer written as a string that is not one.
    Other(String),
}

impl From<AnyValue> for Value {
    fn from(v: AnyValue) -> Value {
        if let Some(s) = v.string_value {
            Value::Text(s)
        } else if let Some(i) = v.int_value {
            match i {
                IntValue::Int(n) => Value::Int(n),
                IntValue::Text(s) => s.trim().parse().map_or(Value::Other(s), Value::Int),
            }
        } else if let Some(d) = v.double_value {
            Value::Double(d)
        } else if let Some(b) = v.bool_value {
            Value::Bool(b)
        } else {
            Value::Other(String::new())
        }
    }
}

impl Value {
    /// The value as text, for dimensions (ids, names).
    pub fn text(&self) -> String {
        match self {
            Value::Text(s) | Value::Other(s) => s.clone(),
            Value::Int(n) => n.to_string(),
            Value::Double(d) => d.to_string(),
            Value::Bool(b) => b.to_string(),
        }
    }
}
