//! The HTTP surface: the report folder, the JSON API and the event stream, behind one guard.
//!
//! | route | |
//! |---|---|
//! | `GET /api/status` | generation, analysis, data files and reports ([`crate::status::Status`]) |
//! | `GET /api/reports` | every report with its page and time |
//! | `GET /api/files` | the call logs in the data folder, by name |
//! | `GET /api/events` | Server-Sent Events: `status` once, then `progress`, `analysis`, `report` |
//! | `POST /api/generate` | `{"target_size": "50MB", "rate": 4500 \| "max"}`, both optional; 409 while one runs |
//! | `POST /api/generate/stop` | stop the running generation (its rows are kept and analyzed) |
//! | `POST /api/analyze` | `{"file": "name.csv"}` optional: re-run the analyses (of that file) |
//! | `GET /<file>` | a file of the report folder (`/` is `index.html`) |
//!
//! Every request must name this server in its `Host` header (a DNS-rebinding page cannot). A POST from
//! a browser must come from this server's own pages (`Origin`, `Sec-Fetch-Site`) and carry JSON, which
//! a cross-site form cannot send. Errors are `{"error": "..."}` with no paths or internals.
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use futures_util::stream::{self, Stream};
use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};

use crate::pipeline::{Pipeline, PipelineError, Rate};

/// What the handlers share.
pub struct AppState {
    pub pipeline: Pipeline,
    /// The folder served at `/` (`reports/html`).
    pub root: PathBuf,
    pub hosts: HostPolicy,
    /// Turns true when the server shuts down, which ends the event streams.
    pub shutdown: watch::Receiver<bool>,
}

/// Which `Host` headers the server answers.
#[derive(Debug, Clone)]
pub enum HostPolicy {
    /// Bound to every interface: any host name (the operator chose to expose the viewer).
    Any,
    /// These `host:port` values only (lower case).
    Only(Vec<String>),
}

impl HostPolicy {
    /// The names a browser uses for `addr`: the address itself and, on loopback, `localhost`.
    pub fn for_addr(addr: SocketAddr) -> HostPolicy {
        let ip = addr.ip();
        if ip.is_unspecified() {
            return HostPolicy::Any;
        }
        let port = addr.port();
        let mut hosts = vec![match ip {
            std::net::IpAddr::V4(v4) => format!("{v4}:{port}"),
            std::net::IpAddr::V6(v6) => format!("[{v6}]:{port}"),
        }];
        if ip.is_loopback() {
            hosts.extend([format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")]);
        }
        HostPolicy::Only(hosts)
    }

    fn allows(&self, host: Option<&str>) -> bool {
        match (self, host) {
            (HostPolicy::Any, _) => true,
            (HostPolicy::Only(list), Some(h)) => list.iter().any(|a| a.eq_ignore_ascii_case(h)),
            (HostPolicy::Only(_), None) => false,
        }
    }
}

/// A JSON error response: `{"error": message}`.
pub fn json_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// A refused request, answered as [`json_error`].
#[derive(Debug)]
pub struct ApiError(StatusCode, String);

impl ApiError {
    fn bad(message: impl Into<String>) -> ApiError {
        ApiError(StatusCode::BAD_REQUEST, message.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_error(self.0, &self.1)
    }
}

impl From<PipelineError> for ApiError {
    fn from(e: PipelineError) -> ApiError {
        let status = match e {
            PipelineError::Busy | PipelineError::NotRunning => StatusCode::CONFLICT,
            PipelineError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PipelineError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError(status, e.to_string())
    }
}

/// The viewer's routes over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/status", get(status))
        .route("/api/reports", get(reports))
        .route("/api/files", get(files))
        .route("/api/events", get(events))
        .route("/api/generate", post(generate))
        .route("/api/generate/stop", post(stop))
        .route("/api/analyze", post(analyze))
        .route("/api", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .fallback(static_file)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Host check for every request, same-origin check for every state-changing one, and the security
/// headers on every response.
async fn guard(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_string);
    if !app.hosts.allows(host.as_deref()) {
        return with_security_headers(json_error(
            StatusCode::MISDIRECTED_REQUEST,
            "this server does not answer for that host",
        ));
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && let Err(why) = same_origin(headers, host.as_deref())
    {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), why, "refused a cross-origin request");
        return with_security_headers(json_error(StatusCode::FORBIDDEN, "cross-origin requests are refused"));
    }
    with_security_headers(next.run(req).await)
}

/// A browser always says where a POST comes from; a request that says nothing is not from a browser
/// (curl, scripts) and cannot carry a victim's page's intent.
fn same_origin(headers: &HeaderMap, host: Option<&str>) -> Result<(), &'static str> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err("Sec-Fetch-Site is not same-origin");
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| "unreadable Origin")?;
        let Some(host) = host else { return Err("Origin without Host") };
        if !origin.eq_ignore_ascii_case(&format!("http://{host}")) {
            return Err("Origin is another site");
        }
    }
    Ok(())
}

fn with_security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // The pages carry their own policy (scripts by hash); this adds what a meta tag cannot say.
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
    res
}

async fn status(State(app): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let p = app.pipeline.clone();
    Ok(axum::Json(blocking(move || Ok(p.status())).await?).into_response())
}

async fn reports(State(app): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let p = app.pipeline.clone();
    Ok(axum::Json(json!({ "reports": blocking(move || Ok(p.reports())).await? })).into_response())
}

async fn files(State(app): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let p = app.pipeline.clone();
    Ok(axum::Json(json!({ "files": blocking(move || Ok(p.data_files())).await? })).into_response())
}

/// The event stream: the full status first, then live events until the client leaves or the server
/// stops. A client too slow to keep up gets a fresh `status` instead of the events it missed.
async fn events(State(app): State<Arc<AppState>>) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let rx = app.pipeline.subscribe();
    let first = status_event(&app.pipeline);
    let state = (Some(first), rx, app.shutdown.clone(), app.pipeline.clone());
    let stream = stream::unfold(state, |(first, mut rx, mut shutdown, pipeline)| async move {
        if let Some(ev) = first {
            return Some((Ok(ev), (None, rx, shutdown, pipeline)));
        }
        if *shutdown.borrow() {
            return None;
        }
        let ev = tokio::select! {
            r = rx.recv() => match r {
                Ok(ev) => SseEvent::default().event(ev.name()).data(ev.json()),
                Err(broadcast::error::RecvError::Lagged(_)) => status_event(&pipeline),
                Err(broadcast::error::RecvError::Closed) => return None,
            },
            _ = shutdown.changed() => return None,
        };
        Some((Ok(ev), (None, rx, shutdown, pipeline)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

fn status_event(p: &Pipeline) -> SseEvent {
    SseEvent::default().event("status").data(serde_json::to_string(&p.status()).unwrap_or_else(|_| "{}".into()))
}

/// Parses an optional JSON object body with only `known` fields; an empty body is `{}`.
fn json_body(headers: &HeaderMap, body: &Bytes, known: &[&str]) -> Result<serde_json::Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")));
    if !is_json {
        return Err(ApiError(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send a JSON body with Content-Type: application/json".into(),
        ));
    }
    let map = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(ApiError::bad("the body must be a JSON object")),
        Err(e) => return Err(ApiError::bad(format!("the body is not valid JSON: {e}"))),
    };
    if let Some(k) = map.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(ApiError::bad(format!("unknown field `{k}` (known: {})", known.join(", "))));
    }
    Ok(map)
}

/// Runs a pipeline call off the async threads (it may touch the disk or wait for a lock).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, PipelineError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(_) => Err(ApiError(StatusCode::INTERNAL_SERVER_ERROR, "the request could not be completed".into())),
    }
}

/// The generation part of the status, as a POST's answer.
fn accepted(p: &Pipeline) -> Response {
    (StatusCode::ACCEPTED, axum::Json(json!({ "ok": true, "generation": p.generation() }))).into_response()
}

fn target_size(v: Option<&Value>) -> Result<Option<u64>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => finops_core::units::parse_size(s).map(Some).map_err(ApiError::bad),
        Some(Value::Number(n)) => match n.as_u64().filter(|b| *b > 0) {
            Some(b) => Ok(Some(b)),
            None => Err(ApiError::bad("target_size must be a positive number of bytes")),
        },
        Some(_) => Err(ApiError::bad("target_size must be a size such as \"50MB\"")),
    }
}

fn rate(v: Option<&Value>) -> Result<Option<Rate>, ApiError> {
    let text = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(ApiError::bad("rate must be calls per second or \"max\"")),
    };
    Rate::parse(&text).map(Some).map_err(ApiError::bad)
}

async fn generate(State(app): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let map = json_body(&headers, &body, &["target_size", "rate"])?;
    let (target, rate) = (target_size(map.get("target_size"))?, rate(map.get("rate"))?);
    let p = app.pipeline.clone();
    blocking(move || p.start_generation(target, rate).map(|()| accepted(&p))).await
}

async fn stop(State(app): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    json_body(&headers, &body, &[])?;
    app.pipeline.stop_generation()?;
    Ok(accepted(&app.pipeline))
}

async fn analyze(State(app): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let map = json_body(&headers, &body, &["file"])?;
    let file = match map.get("file") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(ApiError::bad("file must be a file name from /api/files")),
    };
    let p = app.pipeline.clone();
    blocking(move || p.analyze(file.as_deref())).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(json!({ "ok": true, "queued": true }))).into_response())
}

async fn api_not_found() -> Response {
    json_error(StatusCode::NOT_FOUND, "no such API endpoint")
}

async fn method_not_allowed() -> Response {
    json_error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
}

async fn static_file(State(app): State<Arc<AppState>>, method: Method, req: Request) -> Response {
    if !matches!(method, Method::GET | Method::HEAD) {
        return json_error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    }
    let path = req.uri().path().to_string();
    crate::static_files::serve(&app.root, &path).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn host_policy_names_loopback_and_refuses_other_names() {
        let p = HostPolicy::for_addr("127.0.0.1:8000".parse().unwrap());
        for ok in ["127.0.0.1:8000", "localhost:8000", "LOCALHOST:8000", "[::1]:8000"] {
            assert!(p.allows(Some(ok)), "{ok}");
        }
        for bad in ["127.0.0.1:8001", "evil.example:8000", "localhost", "127.0.0.1"] {
            assert!(!p.allows(Some(bad)), "{bad}");
        }
        assert!(!p.allows(None));
        assert!(HostPolicy::for_addr("0.0.0.0:8000".parse().unwrap()).allows(Some("box.lan:8000")));
    }

    #[test]
    fn same_origin_accepts_own_pages_and_non_browsers_only() {
        let host = Some("127.0.0.1:8000");
        assert!(same_origin(&headers(&[]), host).is_ok(), "curl sends neither header");
        assert!(
            same_origin(&headers(&[("origin", "http://127.0.0.1:8000"), ("sec-fetch-site", "same-origin")]), host)
                .is_ok()
        );
        assert!(same_origin(&headers(&[("sec-fetch-site", "none")]), host).is_ok());
        for bad in [
            headers(&[("origin", "http://evil.example")]),
            headers(&[("origin", "null")]),
            headers(&[("origin", "http://127.0.0.1:8001")]),
            headers(&[("origin", "https://127.0.0.1:8000")]),
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("sec-fetch-site", "same-site"), ("origin", "http://127.0.0.1:8000")]),
        ] {
            assert!(same_origin(&bad, host).is_err(), "{bad:?}");
        }
    }
}
