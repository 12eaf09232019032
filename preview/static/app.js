// haibao preview: lists layouts, renders the chosen one, reloads on change.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const state = { layouts: [], current: null, dataText: {}, result: null, busy: false, again: false };

  function showProblems(problems) {
    const el = $("problems");
    if (!problems || problems.length === 0) { el.hidden = true; el.textContent = ""; $("frame").classList.remove("stale"); return; }
    el.hidden = false;
    el.textContent = problems.map((p) => p.text).join("\n");
  }

  function renderList() {
    const ul = $("layouts");
    ul.innerHTML = "";
    for (const l of state.layouts) {
      const li = document.createElement("li");
      li.dataset.name = l.name;
      li.className = l.name === state.current ? "active" : "";
      const name = document.createElement("span");
      name.textContent = l.title ? `${l.name} · ${l.title}` : l.name;
      const size = document.createElement("small");
      size.textContent = `${l.width}×${l.height || "auto"}`;
      li.append(name, size);
      li.addEventListener("click", () => choose(l.name));
      ul.append(li);
    }
  }

  function layout() { return state.layouts.find((l) => l.name === state.current); }

  // Parses the data editor; on a syntax error it says where and returns undefined.
  function readData() {
    const text = $("data").value;
    try {
      const v = JSON.parse(text);
      if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("data must be a JSON object");
      $("data").classList.remove("bad");
      $("data-error").textContent = "";
      return v;
    } catch (e) {
      let msg = e.message;
      const m = /position (\d+)/.exec(msg);
      if (m) {
        const before = text.slice(0, Number(m[1]));
        const line = before.split("\n").length, col = before.length - before.lastIndexOf("\n");
        msg = `line ${line}, column ${col}: ${msg}`;
      }
      $("data").classList.add("bad");
      $("data-error").textContent = "Not sent: " + msg;
      return undefined;
    }
  }

  async function render() {
    const l = layout();
    if (!l) return;
    const data = readData();
    if (data === undefined) return;
    if (state.busy) { state.again = true; return; }
    state.busy = true;
    try {
      const q = new URLSearchParams({ format: $("format").value });
      if ($("scale").value) q.set("scale", $("scale").value);
      const resp = await fetch(`api/render/${encodeURIComponent(l.name)}?${q}`, { method: "POST", body: JSON.stringify(data) });
      const body = await resp.json();
      if (!resp.ok) {
        $("frame").classList.add("stale");
        $("data-error").textContent = body.error || "render failed";
        return;
      }
      state.result = body;
      $("frame").classList.remove("stale");
      const img = $("poster");
      img.src = body.image;
      img.dataset.version = String(Date.now());
      $("download").href = body.image;
      $("download").download = `${l.name}.${body.format === "jpeg" ? "jpg" : body.format}`;
      $("stats").textContent = `${body.width}×${body.height} · ${body.ms.toFixed(1)} ms · ${(body.bytes / 1024).toFixed(1)} KB`;
      $("empty").hidden = true;
      layoutStage();
    } catch (e) {
      $("data-error").textContent = "Render failed: " + e.message;
    } finally {
      state.busy = false;
      if (state.again) { state.again = false; render(); }
    }
  }

  // Sizes the image for the zoom and draws the element outlines.
  function layoutStage() {
    const r = state.result;
    if (!r) return;
    const img = $("poster");
    let zoom = $("zoom").value;
    const cssW = r.width / r.scale;
    if (zoom === "fit") {
      const stage = $("stage");
      zoom = Math.min(1, (stage.clientWidth - 64) / cssW, (stage.clientHeight - 64) / (r.height / r.scale));
    }
    zoom = Number(zoom);
    img.style.width = `${cssW * zoom}px`;
    // Lint findings sit next to the element they concern, always shown.
    const marks = $("findings");
    marks.innerHTML = "";
    const byId = new Map(r.boxes.map((b) => [b.id, b]));
    let row = 0;
    const stacked = new Map(); // findings already placed beside each element
    for (const f of r.findings || []) {
      if (f.severity === "hint") continue;
      const b = byId.get(f.element);
      const m = document.createElement("div");
      m.className = `finding ${f.severity}`;
      m.textContent = `${f.severity === "error" ? "✖" : "⚠"} ${f.rule}`;
      m.title = `${f.message} (line ${f.line})`;
      if (b) {
        const n = stacked.get(b.id) || 0;
        stacked.set(b.id, n + 1);
        m.style.left = `${(b.x + b.w) * zoom + 4}px`; m.style.top = `${b.y * zoom + 22 * n}px`;
      } else {
        m.style.left = "4px"; m.style.top = `${4 + 22 * row++}px`;
      }
      marks.append(m);
    }
    const boxes = $("boxes");
    boxes.innerHTML = "";
    if (!$("outline").checked) return;
    for (const b of r.boxes) {
      const d = document.createElement("div");
      d.style.left = `${b.x * zoom}px`; d.style.top = `${b.y * zoom}px`;
      d.style.width = `${b.w * zoom}px`; d.style.height = `${b.h * zoom}px`;
      const label = document.createElement("span");
      label.textContent = `${b.id} (${b.type})`;
      d.append(label);
      boxes.append(d);
    }
  }

  function choose(name) {
    if (state.current) state.dataText[state.current] = $("data").value;
    state.current = name;
    const l = layout();
    $("data").value = state.dataText[name] || JSON.stringify(l ? l.sample : {}, null, 2);
    history.replaceState(null, "", `#${encodeURIComponent(name)}`);
    renderList();
    render();
  }

  async function refresh() {
    const resp = await fetch("api/layouts", { cache: "no-store" });
    const body = await resp.json();
    state.layouts = body.layouts;
    showProblems(body.problems);
    if (body.problems.length) $("frame").classList.add("stale");
    const wanted = state.current || decodeURIComponent(location.hash.slice(1));
    if (!state.layouts.find((l) => l.name === wanted)) {
      state.current = null;
      if (state.layouts.length) { choose(state.layouts[0].name); return; }
    } else if (!state.current) { choose(wanted); return; }
    renderList();
    render();
  }

  function listen() {
    const es = new EventSource("api/events");
    es.addEventListener("change", () => refresh());
    es.onerror = () => { /* EventSource reconnects by itself */ };
  }

  let timer;
  $("data").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(render, 300); });
  $("use-sample").addEventListener("click", () => { const l = layout(); if (l) { $("data").value = JSON.stringify(l.sample, null, 2); render(); } });
  for (const id of ["format", "scale"]) $(id).addEventListener("change", render);
  for (const id of ["zoom", "outline"]) $(id).addEventListener("change", layoutStage);
  window.addEventListener("resize", layoutStage);
  refresh().then(listen);
})();
