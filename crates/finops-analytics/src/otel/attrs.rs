//! Which span attributes mean what, across emitters and both generations of the GenAI semantic
//! conventions (`gen_ai.system` before 1.37, `gen_ai.provider.name` since).
use finops_core::cost::ServiceTier;
use finops_core::cost::Usage;

use super::otlp::{STATUS_ERROR, Span, Value};
use super::{Call, Dimensions};

/// Our dimension columns and the attribute names tried for each, in order (span, then parents, then
/// resource). `--map`'s `[columns]` replaces a column's list with one name; `[constants]` fixes a value.
pub const DIMENSION_DEFAULTS: [(&str, &[&str]); 8] = [
    ("customer_id", &["enduser.id", "user.id", "customer.id", "customer_id"]),
    ("organization_id", &["organization.id", "tenant.id", "org.id", "organization_id"]),
    ("product_id", &["product.id", "service.name"]),
    ("feature_id", &["feature.id", "feature", "feature_id"]),
    ("environment", &["deployment.environment.name", "deployment.environment"]),
    ("region", &["cloud.region"]),
    ("subscription_tier", &["subscription.tier", "plan"]),
    ("customer_archetype", &["customer.archetype"]),
];

/// What a known instrumentation records, as measured with its own exporter (see the README's
/// OpenTelemetry section and `tools/otel-fixtures`).
#[derive(Debug, Clone, Copy)]
pub struct Emitter {
    /// Instrumentation scope name (prefix).
    pub scope: &'static str,
    pub name: &'static str,
    /// Whether `gen_ai.usage.input_tokens` already counts cache reads and writes.
    pub input_includes_cache: bool,
    /// How its input tokens are counted, for the load report.
    pub input_counts: &'static str,
    /// Which of two spans of one response to keep (lower wins): the provider's own SDK first.
    pub rank: u8,
}

/// The emitters whose spans were recorded and checked (`tools/otel-fixtures`).
pub const EMITTERS: [Emitter; 7] = [
    Emitter {
        scope: "com.anthropic.sdk",
        name: "Anthropic SDK built-in tracing",
        input_includes_cache: true,
        input_counts: "uncached + cache read + cache write",
        rank: 0,
    },
    Emitter {
        scope: "opentelemetry.util.genai",
        name: "OpenTelemetry openai-v2 (>= 2.4, GenAI utils)",
        input_includes_cache: true,
        input_counts: "prompt_tokens (cached included; cache not recorded)",
        rank: 1,
    },
    Emitter {
        scope: "opentelemetry.instrumentation.openai_v2",
        name: "OpenTelemetry openai-v2",
        input_includes_cache: true,
        input_counts: "prompt_tokens (cached included; cache not recorded)",
        rank: 1,
    },
    Emitter {
        scope: "opentelemetry.instrumentation.anthropic",
        name: "OpenLLMetry anthropic (Traceloop)",
        input_includes_cache: true,
        input_counts: "uncached + cache read + cache creation",
        rank: 2,
    },
    Emitter {
        scope: "opentelemetry.instrumentation.openai",
        name: "OpenLLMetry openai (Traceloop)",
        input_includes_cache: true,
        input_counts: "prompt_tokens (cached included)",
        rank: 2,
    },
    Emitter {
        scope: "openlit",
        name: "OpenLIT",
        input_includes_cache: true,
        input_counts: "as the conventions say (cache included)",
        rank: 2,
    },
    Emitter {
        scope: "",
        name: "other (semantic conventions)",
        input_includes_cache: true,
        input_counts: "as the conventions say (cache included)",
        rank: 3,
    },
];

/// The known emitter a scope name belongs to (the last entry for any other).
pub fn emitter_of(scope: &str) -> &'static Emitter {
    EMITTERS.iter().find(|e| !e.scope.is_empty() && scope.starts_with(e.scope)).unwrap_or(&EMITTERS[6])
}

type Get<'a> = dyn Fn(&str) -> Option<&'a Value> + 'a;

const PROVIDER_KEYS: [&str; 2] = ["gen_ai.provider.name", "gen_ai.system"];

/// Whether a span carries GenAI call attributes.
pub fn is_genai(get: &Get<'_>) -> bool {
    PROVIDER_KEYS.iter().chain(&["gen_ai.operation.name"]).any(|k| get(k).is_some())
}

/// Agent, workflow and tool spans: they wrap model calls (and may sum their usage), so they are not calls.
pub fn is_agent_or_tool(get: &Get<'_>) -> bool {
    get("gen_ai.operation.name")
        .map(Value::text)
        .is_some_and(|op| matches!(op.as_str(), "invoke_agent" | "create_agent" | "execute_tool" | "invoke_workflow"))
}

/// Our provider name for a conventions value (`aws.bedrock` -> `bedrock`, `gcp.vertex_ai` -> `google`).
pub fn provider_name(raw: &str) -> String {
    let p = raw.trim().to_ascii_lowercase();
    match p.as_str() {
        "gcp.gemini" | "gcp.vertex_ai" | "gcp.gen_ai" | "vertex_ai" | "vertexai" | "gemini" | "google" => "google",
        "aws.bedrock" | "bedrock" | "aws" => "bedrock",
        "azure.ai.openai" | "az.ai.openai" | "azure.ai.inference" | "az.ai.inference" | "azure" => "azure",
        "mistral_ai" | "mistralai" | "mistral" => "mistral",
        "cohere" => "cohere",
        "deepseek" => "deepseek",
        "anthropic" => "anthropic",
        "openai" => "openai",
        _ => return p,
    }
    .to_string()
}

/// `(status, error_type)` for an `error.type` value, whatever the emitter's spelling:
/// `RateLimitError`, `rate_limit_error`, `<class 'openai.RateLimitError'>`, `429`...
pub fn classify_error(raw: &str, http_status: Option<i64>) -> (&'static str, String) {
    let clean = raw.trim().trim_start_matches("<class '").trim_end_matches("'>");
    let clean = clean.rsplit('.').next().unwrap_or(clean);
    let key: String = clean.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    let code = http_status.or_else(|| clean.trim().parse().ok());
    let has = |s: &str| key.contains(s);
    if has("ratelimit") || code == Some(429) {
        ("rate_limited", "rate_limit_exceeded".into())
    } else if has("timeout") || code == Some(408) || code == Some(504) {
        ("timeout", "client_timeout".into())
    } else if has("overloaded") || code == Some(529) {
        ("server_error", "overloaded".into())
    } else if has("serviceunavailable") || code == Some(503) {
        ("server_error", "service_unavailable".into())
    } else if has("badgateway") || code == Some(502) {
        ("server_error", "bad_gateway".into())
    } else if has("internalserver") || has("apierror") || has("servererror") || code.is_some_and(|c| c >= 500) {
        ("server_error", "internal_server_error".into())
    } else {
        // A request the provider refused (400, 401, 404...), or a failure before any response.
        ("client_error", if key.is_empty() { "unknown".into() } else { clean.to_string() })
    }
}

type Problem = (&'static str, String, String);

/// A token count attribute: an integer, or a whole double; `None` when absent.
fn count(get: &Get<'_>, key: &'static str) -> Result<Option<u64>, Problem> {
    match get(key) {
        None => Ok(None),
        Some(Value::Int(n)) if *n >= 0 => Ok(Some(*n as u64)),
        Some(Value::Double(d)) if d.is_finite() && *d >= 0.0 && d.fract() == 0.0 => Ok(Some(*d as u64)),
        Some(Value::Text(s)) if s.trim().parse::<u64>().is_ok() => Ok(s.trim().parse().ok()),
        Some(v) => Err((key, v.text(), "expected a non-negative whole number of tokens".into())),
    }
}

fn first_count(get: &Get<'_>, keys: &[&'static str]) -> Result<Option<u64>, Problem> {
    for k in keys {
        if let Some(n) = count(get, k)? {
            return Ok(Some(n));
        }
    }
    Ok(None)
}

/// Seconds (a double, as the conventions write durations) to milliseconds.
fn seconds_ms(get: &Get<'_>, key: &str, scale_ms: f64) -> Option<i64> {
    let v = match get(key)? {
        Value::Double(d) => *d,
        Value::Int(n) => *n as f64,
        Value::Text(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (v.is_finite() && v >= 0.0).then(|| (v * scale_ms).round() as i64)
}

/// The call one GenAI client span records.
pub(super) fn call_of(
    span: &Span,
    get: &Get<'_>,
    scope: &str,
    emitter: &Emitter,
    dims: &Dimensions,
) -> Result<Call, Problem> {
    let start = span
        .start_time_unix_nano
        .get()
        .filter(|n| *n > 0)
        .ok_or_else(|| ("startTimeUnixNano", String::new(), "missing or zero start time".to_string()))?;
    let end = span.end_time_unix_nano.get().unwrap_or(start);
    if end < start {
        return Err(("endTimeUnixNano", end.to_string(), format!("ends before it starts ({start})")));
    }
    let start_ms = i64::try_from(start / 1_000_000)
        .map_err(|_| ("startTimeUnixNano", start.to_string(), "out of range".to_string()))?;
    let latency_ms = ((end - start) as f64 / 1e6).round() as i64;
    let provider = PROVIDER_KEYS
        .iter()
        .find_map(|k| get(k).map(Value::text))
        .map(|p| provider_name(&p))
        .or_else(|| {
            ["anthropic", "openai", "bedrock", "mistral", "cohere", "google"]
                .iter()
                .find(|p| scope.contains(*p))
                .map(|p| p.to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let model = ["gen_ai.response.model", "gen_ai.request.model"]
        .iter()
        .find_map(|k| get(k).map(Value::text).filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "unknown".into());
    let mut input = first_count(get, &["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"])?.unwrap_or(0);
    let mut output = first_count(get, &["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"])?.unwrap_or(0);
    let cached = first_count(get, &["gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens"])?
        .unwrap_or(0);
    let written = first_count(
        get,
        &[
            "gen_ai.usage.cache_write.input_tokens",
            "gen_ai.usage.cache_creation.input_tokens",
            "gen_ai.usage.cache_creation_input_tokens",
        ],
    )?
    .unwrap_or(0);
    let written_1h = count(get, "anthropic.usage.cache_creation.ephemeral_1h_input_tokens")?.unwrap_or(0).min(written);
    let reasoning = count(get, "gen_ai.usage.reasoning.output_tokens")?.unwrap_or(0);
    // Our input counts the cache; an emitter that counts it apart (or a sum that cannot hold) gets it added.
    if !emitter.input_includes_cache || cached + written > input {
        input += cached + written;
    }
    if reasoning > output {
        output += reasoning;
    }
    let tier = ["openai.response.service_tier", "gen_ai.openai.response.service_tier"]
        .iter()
        .find_map(|k| get(k).map(Value::text))
        .map_or(ServiceTier::Standard, |t| match t.as_str() {
            "flex" => ServiceTier::Flex,
            "priority" => ServiceTier::Priority,
            _ => ServiceTier::Standard,
        });
    let error = get("error.type").map(Value::text).filter(|s| !s.is_empty());
    let http = match get("http.response.status_code") {
        Some(Value::Int(n)) => Some(*n),
        Some(v) => v.text().parse().ok(),
        None => None,
    };
    let (status, error_type) = match (span.status.code.value() == STATUS_ERROR, error) {
        (_, Some(e)) => classify_error(&e, http.filter(|c| *c >= 400)),
        (true, None) => classify_error(&span.status.message, http.filter(|c| *c >= 400)),
        (false, None) => ("success", String::new()),
    };
    let ttft_ms = match &dims.ttft_key {
        Some(k) => seconds_ms(get, k, dims.ttft_scale),
        None => [
            "gen_ai.response.time_to_first_chunk",
            "gen_ai.server.time_to_first_token",
            "gen_ai.response.time_to_first_token",
        ]
        .iter()
        .find_map(|k| seconds_ms(get, k, 1000.0)),
    }
    .unwrap_or(if status == "success" { latency_ms } else { 0 });
    Ok(Call {
        id: span.span_id.clone(),
        start_ms,
        latency_ms,
        ttft_ms,
        provider,
        model,
        usage: Usage {
            input,
            cached_input: cached,
            cache_write: written - written_1h,
            cache_write_1h: written_1h,
            output,
        },
        reasoning,
        tier,
        status,
        error_type,
        dims: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_spellings_of_every_emitter() {
        let c = |s: &str| classify_error(s, None);
        assert_eq!(c("<class 'openai.RateLimitError'>").0, "rate_limited");
        assert_eq!(c("RateLimitError").0, "rate_limited");
        assert_eq!(c("rate_limit_error").0, "rate_limited");
        assert_eq!(c("overloaded_error"), ("server_error", "overloaded".into()));
        assert_eq!(c("OverloadedError"), ("server_error", "overloaded".into()));
        assert_eq!(c("<class 'openai.InternalServerError'>"), ("server_error", "internal_server_error".into()));
        assert_eq!(c("client_timeout_error").0, "timeout");
        assert_eq!(c("APITimeoutError").0, "timeout");
        assert_eq!(c("BadRequestError"), ("client_error", "BadRequestError".into()));
        assert_eq!(classify_error("api_error", Some(500)).1, "internal_server_error");
        assert_eq!(classify_error("whatever", Some(429)).0, "rate_limited");
    }

    #[test]
    fn provider_names_of_both_generations() {
        assert_eq!(provider_name("gcp.vertex_ai"), "google");
        assert_eq!(provider_name("aws.bedrock"), "bedrock");
        assert_eq!(provider_name("Anthropic"), "anthropic");
        assert_eq!(provider_name("az.ai.openai"), "azure");
        assert_eq!(provider_name("groq"), "groq");
    }
}
