//! The report folder over HTTP. Written here rather than with tower-http's `ServeDir` because that
//! follows symlinks out of the folder; this resolves every path and serves it only if it is still
//! inside the (resolved) root.
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

use crate::api::json_error;

/// Maps a request path (still percent-encoded) to a file under `root`, or `None` when the path is
/// not a plain relative path (`..`, `.`, empty segments, hidden names, backslashes, NUL, encoded
/// slashes) or resolves outside `root`.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("index.html"), "<h1>hi</h1>").unwrap();
/// use finops_server::static_files::resolve;
/// assert!(resolve(dir.path(), "/index.html").is_some());
/// assert!(resolve(dir.path(), "/").is_some()); // the index
/// assert!(resolve(dir.path(), "/../etc/passwd").is_none());
/// assert!(resolve(dir.path(), "/%2e%2e/etc/passwd").is_none());
/// ```
pub fn resolve(root: &Path, request_path: &str) -> Option<PathBuf> {
    // `//x` or `a//b` is no path a page of ours links to.
    if !request_path.starts_with('/') || request_path.contains("//") {
        return None;
    }
    let mut rel = PathBuf::new();
    for raw in request_path.split('/').skip(1) {
        let seg = percent_decode_str(raw).decode_utf8().ok()?;
        if seg.is_empty() {
            continue;
        }
        if seg.starts_with('.') || seg.contains(['/', '\\', '\0', ':']) {
            return None;
        }
        rel.push(seg.as_ref());
    }
    let candidate = root.join(&rel);
    let file = if candidate.is_dir() { candidate.join("index.html") } else { candidate };
    let (root, file) = (root.canonicalize().ok()?, file.canonicalize().ok()?);
    if !file.starts_with(&root) || !file.is_file() {
        return None;
    }
    // Files being written are never served half-done.
    if file.extension().is_some_and(|e| e == "partial") {
        return None;
    }
    Some(file)
}

/// Serves `request_path` from `root`, or a JSON 404 that says nothing about the file system.
pub async fn serve(root: &Path, request_path: &str) -> Response {
    let Some(file) = resolve(root, request_path) else {
        return json_error(StatusCode::NOT_FOUND, "not found");
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let mime = mime_guess::from_path(&file).first_or_octet_stream();
            let text = mime.type_() == mime_guess::mime::TEXT || mime.subtype() == mime_guess::mime::JSON;
            let content_type =
                if text { format!("{}; charset=utf-8", mime.essence_str()) } else { mime.essence_str().to_string() };
            let mut res = Body::from(bytes).into_response();
            let h = res.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            // Pages change while data grows: always revalidate.
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            res
        }
        Err(e) => {
            tracing::warn!(path = %file.display(), error = %e, "cannot read a report file");
            json_error(StatusCode::NOT_FOUND, "not found")
        }
    }
}
