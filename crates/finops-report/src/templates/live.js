(function () {
  "use strict";
  // Live updates only when the viewer serves the page; a page opened from disk stays static.
  if (!/^https?:$/.test(location.protocol) || typeof EventSource === "undefined") return;
  var page = document.body.getAttribute("data-page") || "";
  var $ = function (id) { return document.getElementById(id); };
  var MB = 1024 * 1024;
  var STATES = { idle: "idle", running: "generating", stopping: "stopping", done: "complete", stopped: "stopped", failed: "failed" };
  var gen = null;

  function size(b) {
    if (b >= 1024 * MB) return (b / 1024 / MB).toFixed(2) + " GB";
    if (b >= MB) return (b / MB).toFixed(1) + " MB";
    if (b >= 1024) return (b / 1024).toFixed(1) + " KB";
    return b + " B";
  }
  function int(n) { return Math.round(n).toLocaleString("en-US"); }

  function toast(text, kind) {
    var box = $("toasts");
    if (!box) return;
    var d = document.createElement("div");
    d.className = "toast" + (kind ? " " + kind : "");
    d.setAttribute("role", kind === "error" ? "alert" : "status");
    d.textContent = text;
    box.appendChild(d);
    while (box.children.length > 4) box.removeChild(box.firstChild);
    setTimeout(function () { if (d.parentNode) d.parentNode.removeChild(d); }, 6000);
  }

  // Replaces the element matching `selector` with the same element of a fresh copy of `url`,
  // keeping the scroll position.
  function swap(url, selectors) {
    return fetch(url, { cache: "no-store", credentials: "same-origin" }).then(function (res) {
      if (!res.ok) throw new Error("HTTP " + res.status);
      return res.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var x = window.scrollX, y = window.scrollY;
      selectors.forEach(function (sel) {
        var fresh = doc.querySelector(sel), old = document.querySelector(sel);
        if (fresh && old) old.replaceWith(document.adoptNode(fresh));
      });
      window.scrollTo(x, y);
    });
  }

  function showProgress(g) {
    gen = g;
    var bar = $("progress-bar"), text = $("progress-text");
    if (bar && g.state !== "idle") {
      var pct = Math.max(0, Math.min(100, g.progress_pct || 0));
      bar.style.width = pct.toFixed(1) + "%";
      bar.parentNode.setAttribute("aria-valuenow", pct.toFixed(0));
      if (text) {
        var t = size(g.bytes) + " of " + size(g.target_bytes) + " (" + pct.toFixed(0) + "%) · " + int(g.calls) + " calls · " + (STATES[g.state] || g.state);
        if (g.state === "running" && g.scenario) t += " · scenario: " + g.scenario;
        if (g.state === "running" && g.sim_time) t += " · simulated time " + g.sim_time.slice(0, 16).replace("T", " ");
        text.textContent = t;
      }
    }
    controls();
  }

  function controls() {
    var panel = $("controls");
    if (!panel) return;
    panel.hidden = false;
    var active = gen && (gen.state === "running" || gen.state === "stopping");
    $("start").disabled = !!active;
    $("stop").disabled = !(gen && gen.state === "running");
  }

  function fillFiles(files, current) {
    var sel = $("data-file");
    if (!sel) return;
    var keep = sel.value || current;
    while (sel.firstChild) sel.removeChild(sel.firstChild);
    if (!files || !files.length) {
      var none = document.createElement("option");
      none.value = "";
      none.textContent = "no data files yet";
      sel.appendChild(none);
    }
    (files || []).forEach(function (f) {
      var o = document.createElement("option");
      o.value = f.name;
      o.textContent = f.name + " (" + size(f.bytes) + (f.generating ? ", generating" : "") + ")";
      if (f.name === keep) o.selected = true;
      sel.appendChild(o);
    });
  }

  function say(text) { var s = $("controls-status"); if (s) s.textContent = text; }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (j) {
        if (!res.ok) throw new Error(j.error || ("HTTP " + res.status));
        return j;
      });
    });
  }

  if (page === "index" && $("controls")) {
    $("generate-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var body = {};
      var target = $("target-size").value.trim(), rate = $("rate").value.trim();
      if (target) body.target_size = target;
      if (rate) body.rate = rate;
      post("/api/generate", body).then(function () { toast("Generation started"); }, function (err) { toast(err.message, "error"); });
    });
    $("stop").addEventListener("click", function () {
      post("/api/generate/stop").then(function () { toast("Stopping generation; the rows so far are kept"); }, function (err) { toast(err.message, "error"); });
    });
    $("analyze-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var file = $("data-file").value;
      post("/api/analyze", file ? { file: file } : {}).then(function () { say("Analysis queued for " + (file || "the current file")); }, function (err) { toast(err.message, "error"); });
    });
  }

  var refreshed = [];
  var events = new EventSource("/api/events");
  events.addEventListener("status", function (e) {
    var s = JSON.parse(e.data);
    showProgress(s.generation);
    fillFiles(s.data_files, s.data_file);
    if (page === "index" && $("target-size") && !$("target-size").value) $("target-size").value = size(s.generation.target_bytes).replace(" ", "");
    if (page === "index" && $("rate") && !$("rate").value) $("rate").value = s.generation.rate ? String(s.generation.rate) : "max";
  });
  events.addEventListener("progress", function (e) {
    var g = JSON.parse(e.data);
    var was = gen && gen.state;
    showProgress(g);
    if (was !== g.state && (g.state === "done" || g.state === "stopped")) toast("Generation " + STATES[g.state] + ": " + size(g.bytes) + ", " + int(g.calls) + " calls");
    if (was !== g.state && g.state === "failed") toast(g.error || "Generation failed", "error");
  });
  events.addEventListener("analysis", function (e) {
    var a = JSON.parse(e.data);
    if (a.state === "running") say("Analyzing " + a.source + " (run " + a.run + ")…");
    if (a.state === "failed") { say("Analysis failed"); toast("Analysis failed: " + (a.error || "see the server log"), "error"); }
    if (a.state !== "done") return;
    say("Reports refreshed (run " + a.run + ", " + int(a.calls) + " calls, " + a.seconds.toFixed(2) + " s)");
    if ($("data-file")) {
      fetch("/api/files", { cache: "no-store", credentials: "same-origin" }).then(function (r) { return r.json(); })
        .then(function (j) { fillFiles(j.files, a.source); }, function () {});
    }
    if (page === "index") {
      var n = refreshed.length;
      refreshed = [];
      swap(location.pathname, ["#live", "footer"]).then(function () {
        toast(n + " report" + (n === 1 ? "" : "s") + " refreshed · " + int(a.calls) + " calls");
      }, function () {});
    }
  });
  events.addEventListener("budget", function (e) {
    var b = JSON.parse(e.data);
    toast("Budget \u201c" + b.budget + "\u201d: " + b.pct + "% reached at " + b.fired_at.replace("T", " ").replace(":00:00Z", ":00 UTC"), b.pct >= 100 ? "error" : "");
  });
  events.addEventListener("report", function (e) {
    var r = JSON.parse(e.data);
    refreshed.push(r.id);
    if (page !== "index" && r.id === page) {
      swap(location.pathname, ["main", "footer"]).then(function () {
        toast(r.title + " refreshed · " + int(r.calls) + " calls");
      }, function () {});
    }
  });
})();
