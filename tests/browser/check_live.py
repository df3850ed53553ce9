#!/usr/bin/env python3
"""Watches the live viewer in headless Chromium while `finops demo` generates data.

Usage: python3 tests/browser/check_live.py BASE_URL [SCREENSHOT_DIR]
BASE_URL is the viewer, e.g. http://127.0.0.1:8000, with a generation running.
The Rust test `crates/finops-cli/tests/browser.rs` starts the demo and runs this.

Checks:
- the index shows its controls (only when served) and the progress bar advances;
- a toast appears when the reports refresh;
- an open report, scrolled down, refreshes itself in place after "Re-run analysis" is clicked on the
  index: a toast appears and the scroll position is kept;
- no console errors (a blocked script or connection would log one), no uncaught exceptions, and no
  request to any other origin.
"""
import os
import sys
import tempfile

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 60_000


def watch(page, base, problems):
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error on {page.url}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"uncaught on {page.url}: {e}"))
    page.on("request", lambda r: not r.url.startswith(base) and problems.append(f"request to another origin: {r.url}"))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    base = sys.argv[1].rstrip("/")
    shots = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="finops-live-")
    os.makedirs(shots, exist_ok=True)
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        index = browser.new_page(viewport={"width": 1280, "height": 900})
        watch(index, base, problems)
        index.goto(base + "/")
        index.wait_for_selector("#controls:not([hidden])", timeout=WAIT_MS)
        print("ok   controls shown when served")
        index.wait_for_function("() => document.getElementById('progress-text').textContent.includes('calls')", timeout=WAIT_MS)
        start = index.evaluate("() => parseFloat(document.getElementById('progress-bar').style.width)")
        index.wait_for_function(
            f"() => parseFloat(document.getElementById('progress-bar').style.width) > {start} + 1", timeout=WAIT_MS
        )
        end = index.evaluate("() => parseFloat(document.getElementById('progress-bar').style.width)")
        print(f"ok   progress bar advanced from {start:.1f}% to {end:.1f}%")
        index.wait_for_selector("#toasts .toast", timeout=WAIT_MS)
        print(f"ok   toast on the index: {index.inner_text('#toasts .toast')!r}")
        index.screenshot(path=os.path.join(shots, "live-index.png"))

        report = browser.new_page(viewport={"width": 1280, "height": 700})
        watch(report, base, problems)
        report.goto(base + "/understanding.html")
        report.wait_for_load_state("load")
        report.wait_for_timeout(500)  # the event stream connects
        report.evaluate("() => window.scrollTo(0, 900)")
        before = report.evaluate("() => window.scrollY")
        index.click("#analyze")
        report.wait_for_selector("#toasts .toast", timeout=WAIT_MS)
        text = report.inner_text("#toasts .toast")
        report.wait_for_timeout(300)
        after = report.evaluate("() => window.scrollY")
        title = report.inner_text("main h1")
        if abs(after - before) > 5:
            problems.append(f"the refreshed report lost its scroll position: {before} -> {after}")
        if title != "Understanding Usage & Cost":
            problems.append(f"the refreshed report lost its content: h1 {title!r}")
        print(f"ok   report refreshed in place: {text!r}, scroll {before} -> {after}")
        status = index.inner_text("#controls-status")
        print(f"ok   controls status: {status!r}")
        browser.close()
    for pr in problems:
        print(f"FAIL {pr}")
    print(f"screenshots: {shots}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
