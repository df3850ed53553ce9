#!/usr/bin/env python3
"""Opens every generated page in headless Chromium and checks what a reader would see.

Usage: python3 tests/browser/check_reports.py FINOPS_BINARY [SCREENSHOT_DIR]
Needs Debian's chromium (/usr/bin/chromium) and the `playwright` package (driver only; no browser
download). `.ci/run` installs both; the Rust test `crates/finops-cli/tests/browser.rs` runs this.

Two sites are built with the given binary: one from simulated data, one from the same data with
hostile model, customer, organization and feature names. On every page, at 1280 px and at a 390 px
phone width, it checks:
- no console errors or warnings, no uncaught exceptions, no dialogs;
- no network request other than the page's own file (the pages are self-contained);
- every chart is an SVG with drawn marks and a non-zero size;
- the page fits 390 px without horizontal scrolling (tables scroll inside their own box);
- on the hostile site, no injected script ran (window.__xss stays undefined).
Screenshots (phone width, full page) go to SCREENSHOT_DIR (default: a temporary folder); the path
is printed.
"""
import csv
import os
import subprocess
import sys
import tempfile

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = {
    "model": "<script>window.__xss=1</script>",
    "customer_id": '"><img src=x onerror="window.__xss=2">',
    "organization_id": "</svg><script>window.__xss=3</script>",
    "feature_id": "javascript:window.__xss=4",
    "region": "' onmouseover='window.__xss=5",
}


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{r.stderr}")


def build_sites(binary, work):
    calls = os.path.join(work, "calls.csv")
    run([binary, "simulate", "-q", "--calls", "40000", "--customers", "150", "--out", calls])
    run([binary, "analyze", "-q", "--input", calls, "--out", os.path.join(work, "site"), "--target-size", "50MB"])
    hostile = os.path.join(work, "hostile.csv")
    with open(calls, newline="") as src, open(hostile, "w", newline="") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames)
        writer.writeheader()
        for i, row in enumerate(reader):
            for j, (column, value) in enumerate(HOSTILE.items()):
                if i % (5 + j) == 0:
                    row[column] = value
            writer.writerow(row)
    run([binary, "analyze", "-q", "--input", hostile, "--out", os.path.join(work, "hostile")])
    return [("site", os.path.join(work, "site", "html"), False), ("hostile", os.path.join(work, "hostile", "html"), True)]


def check_page(browser, url, hostile, shot):
    problems = []
    for width in (1280, 390):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.on("console", lambda m: m.type in ("error", "warning") and problems.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
        page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.on("request", lambda r: r.url != url and problems.append(f"request: {r.url}"))
        page.goto(url)
        charts = page.evaluate(
            """() => [...document.querySelectorAll('svg.chart')].map(s => {
                   const r = s.getBoundingClientRect();
                   return {marks: s.querySelectorAll('rect, path, circle, polyline').length,
                           empty: s.classList.contains('empty'), w: r.width, h: r.height,
                           title: (s.querySelector('title') || {}).textContent || ''};
               })"""
        )
        for c in charts:
            if c["w"] <= 0 or c["h"] <= 0:
                problems.append(f"chart not drawn at {width}px: {c['title']}")
            if not c["empty"] and c["marks"] == 0:
                problems.append(f"chart without marks: {c['title']}")
        if not url.endswith("index.html") and not charts:
            problems.append("report without charts")
        if width == 390:
            scroll = page.evaluate("() => document.documentElement.scrollWidth")
            if scroll > 391:
                problems.append(f"page is {scroll}px wide at a 390px viewport")
            page.screenshot(path=shot, full_page=True)
        if hostile and page.evaluate("() => window.__xss") is not None:
            problems.append("an injected script ran")
        page.close()
    return problems, len(charts)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    shots = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="finops-screens-")
    os.makedirs(shots, exist_ok=True)
    failures = 0
    with tempfile.TemporaryDirectory() as work, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, folder, hostile in build_sites(binary, work):
            pages = sorted(f for f in os.listdir(folder) if f.endswith(".html"))
            if len(pages) != 14:
                print(f"FAIL {name}: expected 14 pages, found {len(pages)}")
                failures += 1
            for f in pages:
                url = "file://" + os.path.join(folder, f)
                problems, charts = check_page(browser, url, hostile, os.path.join(shots, f"{name}-{f[:-5]}.png"))
                status = "ok  " if not problems else "FAIL"
                print(f"{status} {name}/{f}: {charts} charts")
                for pr in problems:
                    print(f"     {pr}")
                failures += bool(problems)
        browser.close()
    print(f"screenshots: {shots}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
