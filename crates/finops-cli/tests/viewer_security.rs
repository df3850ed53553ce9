//! The viewer's defences: paths cannot leave the report folder (`../`, `%2e%2e`, absolute paths,
//! symlinks), other sites cannot change anything (cross-origin POSTs, DNS rebinding), one generation
//! at a time, and errors are JSON that reveal nothing about the machine.
mod common;

use std::time::{Duration, Instant};

use common::{Viewer, get, post, request};

const SECRET: &str = "TOP-SECRET-4711";

fn assert_json_error(r: &common::Reply, status: u16, root: &str) {
    assert_eq!(r.status, status, "{r:?}");
    let v = r.json();
    assert!(v["error"].is_string(), "{r:?}");
    assert!(!r.body.contains(root) && !r.body.contains("/tmp") && !r.body.contains("panicked"), "{r:?}");
}

#[test]
fn viewer_refuses_traversal_cross_origin_requests_and_a_second_generation() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let html = root.join("reports/html");
    std::fs::create_dir_all(html.join("sub")).unwrap();
    std::fs::create_dir_all(root.join("data")).unwrap();
    std::fs::write(html.join("index.html"), "<h1>finops index</h1>").unwrap();
    std::fs::write(html.join("sub/page.html"), "<p>inside</p>").unwrap();
    std::fs::write(html.join("inside-target.html"), "<p>linked inside</p>").unwrap();
    std::fs::write(root.join("secret.txt"), SECRET).unwrap();
    std::fs::write(html.join(".hidden"), SECRET).unwrap();
    std::fs::write(html.join("index.html.partial"), SECRET).unwrap();
    std::os::unix::fs::symlink(root.join("secret.txt"), html.join("leak.html")).unwrap();
    std::os::unix::fs::symlink(root, html.join("linkdir")).unwrap();
    std::os::unix::fs::symlink(html.join("inside-target.html"), html.join("alias.html")).unwrap();
    let v = Viewer::start(root, &["serve", "--port", "0", "--target-size", "50MB", "--rate", "3000"]);
    let root_text = root.to_string_lossy().to_string();

    // Inside the folder: served.
    let r = get(&v.addr, "/");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("finops index") && r.headers.contains("x-content-type-options: nosniff"));
    assert!(r.headers.contains("content-security-policy: frame-ancestors 'none'"));
    assert_eq!(get(&v.addr, "/sub/page.html").body, "<p>inside</p>");
    assert_eq!(get(&v.addr, "/alias.html").body, "<p>linked inside</p>", "a symlink within the folder is fine");

    // Outside, or not a plain path: 404, and not a byte of the secret.
    for path in [
        "/../secret.txt",
        "/../../secret.txt",
        "/sub/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/sub%2f..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        &format!("/{}/secret.txt", root_text.trim_start_matches('/')),
        &format!("/%2f{}", root.join("secret.txt").to_string_lossy().trim_start_matches('/').replace('/', "%2f")),
        "/leak.html",
        "/linkdir/secret.txt",
        "/.hidden",
        "/%2ehidden",
        "/index.html.partial",
        "/index.html%00.txt",
        "/nope.html",
    ] {
        let r = get(&v.addr, path);
        assert!(r.status == 404 || r.status == 400, "{path}: {r:?}");
        assert!(!r.body.contains(SECRET), "{path} leaked the secret");
        if r.status == 404 {
            assert_json_error(&r, 404, &root_text);
        }
    }
    // An absolute URL in the request line does not escape either.
    let r = request(&v.addr, "GET", &format!("http://{}/../secret.txt", v.addr), &[], "");
    assert!(!r.body.contains(SECRET) && r.status != 200, "{r:?}");

    // DNS rebinding: a page on another name pointing at 127.0.0.1 is not answered.
    let r = request(&v.addr, "GET", "/api/status", &[("Host", "attacker.example:8000")], "");
    assert_json_error(&r, 421, &root_text);

    // Other sites cannot change anything.
    let evil = [
        vec![("Origin", "http://attacker.example"), ("Content-Type", "application/json")],
        vec![("Origin", "null"), ("Content-Type", "application/json")],
        vec![("Sec-Fetch-Site", "cross-site"), ("Content-Type", "application/json")],
        vec![("Sec-Fetch-Site", "same-site"), ("Content-Type", "application/json")],
    ];
    for path in ["/api/generate", "/api/generate/stop", "/api/analyze"] {
        for headers in &evil {
            let r = request(&v.addr, "POST", path, headers, "{}");
            assert_json_error(&r, 403, &root_text);
        }
        // A cross-site form can only send form or text bodies: refused as not JSON.
        let r = request(&v.addr, "POST", path, &[("Content-Type", "application/x-www-form-urlencoded")], "a=1");
        assert_json_error(&r, 415, &root_text);
    }
    assert_eq!(get(&v.addr, "/api/status").json()["generation"]["state"], "idle", "nothing was started");
    // GET cannot change state, and unknown routes say so in JSON.
    assert_json_error(&get(&v.addr, "/api/generate"), 405, &root_text);
    assert_json_error(&request(&v.addr, "DELETE", "/index.html", &[], ""), 405, &root_text);
    assert_json_error(&get(&v.addr, "/api/nothing"), 404, &root_text);

    // Data files are picked by name only.
    for file in ["../secret.txt", "/etc/passwd", "..", "sub/x.csv", "secret.txt", "missing.csv", "%2e%2e.csv"] {
        let r = post(&v.addr, "/api/analyze", &serde_json::json!({ "file": file }).to_string());
        assert_json_error(&r, 400, &root_text);
    }
    for body in ["{\"target_size\": \"lots\"}", "{\"rate\": 0}", "{\"rate\": \"fast\"}", "{\"target\": 1}", "[1]", "{"]
    {
        let r = post(&v.addr, "/api/generate", body);
        assert_json_error(&r, 400, &root_text);
    }

    // Two generation requests at the same moment: one starts, the other is refused.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let racers: Vec<_> = (0..2)
        .map(|_| {
            let (addr, barrier) = (v.addr.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                post(&addr, "/api/generate", "{\"target_size\": \"50MB\", \"rate\": 3000}").status
            })
        })
        .collect();
    let mut codes: Vec<u16> = racers.into_iter().map(|t| t.join().unwrap()).collect();
    codes.sort_unstable();
    assert_eq!(codes, [202, 409]);
    let r = post(&v.addr, "/api/generate", "");
    assert_json_error(&r, 409, &root_text);
    assert!(r.body.contains("already running"));
    assert_eq!(get(&v.addr, "/api/status").json()["generation"]["state"], "running");

    // Stop it; then there is nothing to stop, and a new one may start.
    assert_eq!(post(&v.addr, "/api/generate/stop", "").status, 202);
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let state = get(&v.addr, "/api/status").json()["generation"]["state"].clone();
        if state == "stopped" {
            break;
        }
        assert!(Instant::now() < until, "still {state}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_json_error(&post(&v.addr, "/api/generate/stop", ""), 409, &root_text);
    let files = get(&v.addr, "/api/files").json();
    assert_eq!(files["files"][0]["name"], "simulated_calls.csv", "{files}");
    assert_eq!(post(&v.addr, "/api/analyze", "{\"file\": \"simulated_calls.csv\"}").status, 202);
}
