// haibao editor: every change is sent as an edit of the layout file and
// saved at once; the poster shown is always the engine's render of the
// file on disk. Plain JS, no build step, nothing loaded from elsewhere.
'use strict';

const $ = (id) => document.getElementById(id);
const S = {
  meta: null,      // {schema, fonts, assets}
  name: '',        // layout shown
  st: null,        // state from the server: digest, source, elements, fields…
  render: null,    // last render: image, boxes, findings, width, height
  zoom: 1,
  sel: -1,         // selected element index
  undo: [],        // sources to go back to
  redo: [],
  dataCase: 'sample',
  queue: Promise.resolve(), // edits are sent one after another
  pending: 0,
  renderSeq: 0,
  rendering: 0,
  conflict: false,
};
window.editor = S;
// Undo keeps whole files; a few hundred steps of a layout are a few MB.
const MAX_UNDO = 300;
// idle tells tests (and the status line) that nothing is in flight.
window.editorIdle = () => S.pending === 0 && S.rendering === 0 && S.render !== null && S.st !== null && S.render.digest === S.st.digest;

async function api(method, path, body) {
  const opt = { method, headers: { 'X-Haibao-Edit': '1' } };
  if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  const r = await fetch('api/' + path, opt);
  let data = null;
  try { data = await r.json(); } catch (e) { data = { error: r.statusText }; }
  return { status: r.status, data };
}

function status(msg) { $('status').textContent = msg; }

function showError(msg) {
  const e = $('error');
  e.textContent = msg || '';
  e.hidden = !msg;
}

function showConflict(on) {
  S.conflict = on;
  $('conflict').hidden = !on;
}

// ---- loading ----

async function init() {
  S.meta = (await api('GET', 'meta')).data;
  for (const a of S.meta.assets) {
    const o = document.createElement('option');
    o.value = 'asset:' + a;
    $('assetlist').append(o);
  }
  for (const f of S.meta.fonts) {
    const o = document.createElement('option');
    o.value = f;
    $('fontlist').append(o);
  }
  const names = (await api('GET', 'layouts')).data;
  for (const n of names) {
    const o = document.createElement('option');
    o.value = o.textContent = n;
    $('layout').append(o);
  }
  const want = decodeURIComponent(location.hash.slice(1));
  await open(names.includes(want) ? want : names[0]);
  setInterval(watchDisk, 2000);
}

async function open(name) {
  S.name = name;
  $('layout').value = name;
  if (location.hash.slice(1) !== name) history.replaceState(null, '', '#' + encodeURIComponent(name));
  S.undo = []; S.redo = []; S.sel = -1; S.dataCase = 'sample';
  showConflict(false);
  showError('');
  const r = await api('GET', 'layouts/' + encodeURIComponent(name));
  if (r.status !== 200) { showError(r.data.error); return; }
  setState(r.data);
  await rerender();
  if (!S.fitted) { fit(); S.fitted = true; }
}

// watchDisk notices a save from elsewhere (a text editor) and says so;
// it never reloads over the designer's work on its own.
async function watchDisk() {
  if (!S.st || S.pending || S.conflict) return;
  const asked = S.st.digest;
  const r = await api('GET', 'layouts/' + encodeURIComponent(S.name));
  // A save of ours that finished meanwhile is not someone else's.
  if (r.status === 200 && !S.pending && S.st.digest === asked && r.data.digest !== asked) {
    $('conflictmsg').textContent = 'This layout was changed on disk by another program.';
    showConflict(true);
  }
}

function setState(st) {
  S.st = st;
  if (S.sel >= st.elements.length) S.sel = -1;
  const ps = (st.problems || []).map(p => `${p.file}:${p.line}:${p.col}: ${p.message}`).join('\n');
  showError(ps);
  const cs = $('case');
  cs.innerHTML = '';
  for (const c of st.cases) {
    const o = document.createElement('option');
    o.value = o.textContent = c;
    cs.append(o);
  }
  if (!st.cases.includes(S.dataCase)) S.dataCase = 'sample';
  cs.value = S.dataCase;
  drawTree();
  drawProps();
  drawFields();
  updateButtons();
}

async function rerender() {
  const seq = ++S.renderSeq;
  S.rendering++;
  try {
    const r = await api('POST', 'layouts/' + encodeURIComponent(S.name) + '/render', { case: S.dataCase });
    if (seq !== S.renderSeq) return;
    if (r.status !== 200) { showError(r.data.error); return; }
    if (r.data.error) showError(r.data.error);
    if (r.data.image) {
      const img = $('poster');
      await new Promise((ok) => { img.onload = ok; img.onerror = ok; img.src = r.data.image; });
      S.render = r.data;
    } else {
      S.render = Object.assign({}, S.render || {}, { digest: r.data.digest, findings: r.data.findings });
    }
    layoutStage();
    drawLint();
  } finally {
    S.rendering--;
  }
}

// ---- edits ----

// commit sends ops as one edit; the file's previous bytes go on the undo
// stack, so undo puts back exactly what was there.
function commit(ops) {
  S.pending++;
  status('saving…');
  S.queue = S.queue.then(async () => {
    const before = S.st.source;
    const r = await api('POST', 'layouts/' + encodeURIComponent(S.name) + '/edit', { digest: S.st.digest, ops });
    if (!handleSave(r)) return;
    S.undo.push(before);
    if (S.undo.length > MAX_UNDO) S.undo.shift();
    S.redo = [];
    updateButtons();
    await rerender();
  }).catch((e) => showError(String(e))).finally(() => { S.pending--; });
  return S.queue;
}

function handleSave(r) {
  if (r.status === 409) {
    $('conflictmsg').textContent = 'This layout changed on disk since the page loaded it; your last change was not saved.';
    showConflict(true);
    status('conflict');
    return false;
  }
  if (r.status !== 200) {
    showError(r.data.error + (r.data.problems ? '\n' + r.data.problems.map(p => `${p.line}:${p.col}: ${p.message}`).join('\n') : ''));
    status('not saved');
    return false;
  }
  showError('');
  status('saved');
  setState(r.data);
  return true;
}

function putSource(src, from, to) {
  S.pending++;
  S.queue = S.queue.then(async () => {
    const cur = S.st.source;
    const r = await api('PUT', 'layouts/' + encodeURIComponent(S.name) + '/source', { digest: S.st.digest, source: src });
    if (!handleSave(r)) { from.push(src); return; }
    to.push(cur);
    updateButtons();
    await rerender();
  }).catch((e) => showError(String(e))).finally(() => { S.pending--; });
  return S.queue;
}

function undo() { if (S.undo.length) putSource(S.undo.pop(), S.undo, S.redo); }
function redo() { if (S.redo.length) putSource(S.redo.pop(), S.redo, S.undo); }

function updateButtons() {
  $('undo').disabled = !S.undo.length;
  $('redo').disabled = !S.redo.length;
  $('delete').disabled = $('duplicate').disabled = S.sel < 0;
}

function selected() { return S.st && S.sel >= 0 ? S.st.elements[S.sel] : null; }

function select(i) {
  S.sel = i;
  drawTree();
  drawProps();
  drawOverlay();
  updateButtons();
}

function elementOp(op, extra) {
  const el = selected();
  return Object.assign({ op, index: el.index, id: el.id || undefined }, extra || {});
}

function uniqueID(base) {
  const ids = new Set(S.st.elements.map(e => e.id));
  if (!ids.has(base)) return base;
  for (let i = 2; ; i++) if (!ids.has(base + i)) return base + i;
}

function addElement(type) {
  const id = uniqueID(type);
  const cx = Math.round((S.render ? S.render.width : 750) / 2 - 100);
  const base = { id, type, x: cx, y: 40 };
  const extra = {
    text: { text: '新文本 New text', width: 300, size: 32, color: '#333333' },
    image: { src: 'asset:' + (S.meta.assets[0] || ''), width: 200, height: 200 },
    rect: { width: 200, height: 120, fill: '#e6e6e6' },
    line: { width: 200, color: '#cccccc', thickness: 2 },
    code: { page: 'pages/index/index', scene: 'a=1', size: 200 },
  }[type];
  const n = S.st.elements.length;
  commit([{ op: 'add', index: n, value: Object.assign(base, extra) }]).then(() => {
    if (S.st.elements.length === n + 1) select(n);
  });
}

// ---- stage: poster, boxes, handles, guides ----

function layoutStage() {
  if (!S.render || !S.render.width) return;
  const w = S.render.width * S.zoom, h = S.render.height * S.zoom;
  const img = $('poster');
  img.style.width = w + 'px';
  img.style.height = h + 'px';
  $('zoomlabel').textContent = Math.round(S.zoom * 100) + '%';
  drawOverlay();
}

function boxOf(el) {
  if (!S.render || !el) return null;
  return S.render.boxes.find(b => b.id === el.key) || null;
}

function drawOverlay() {
  const ov = $('overlay');
  ov.innerHTML = '';
  if (!S.render) return;
  const z = S.zoom;
  for (const b of S.render.boxes) {
    const d = document.createElement('div');
    d.className = 'box';
    d.dataset.id = b.id;
    place(d, b.x, b.y, b.w, b.h);
    const el = selected();
    if (el && el.key === b.id) {
      d.classList.add('sel');
      d.id = 'selbox';
      for (const k of ['e', 's', 'se']) {
        const hnd = document.createElement('div');
        hnd.className = 'handle ' + k;
        hnd.dataset.handle = k;
        d.append(hnd);
      }
    }
    ov.append(d);
  }
  // Lint markers sit at the top right corner of their element.
  const seen = {};
  for (const f of S.render.findings || []) {
    const b = S.render.boxes.find(x => x.id === f.element);
    if (!b) continue;
    const n = seen[b.id] = (seen[b.id] || 0) + 1;
    const m = document.createElement('div');
    m.className = 'marker sev-' + f.severity;
    m.textContent = '!';
    m.title = `${f.rule}: ${f.message}`;
    m.dataset.rule = f.rule;
    m.style.left = ((b.x + b.w) * z - (n - 1) * 20) + 'px';
    m.style.top = (b.y * z) + 'px';
    ov.append(m);
  }
}

function place(d, x, y, w, h) {
  const z = S.zoom;
  d.style.left = x * z + 'px';
  d.style.top = y * z + 'px';
  d.style.width = Math.max(w * z, 2) + 'px';
  d.style.height = Math.max(h * z, 2) + 'px';
}

function setZoom(z, keep) {
  const vp = $('viewport');
  z = Math.min(8, Math.max(0.1, z));
  const fx = keep ? keep.x : vp.clientWidth / 2, fy = keep ? keep.y : vp.clientHeight / 2;
  const ux = (vp.scrollLeft + fx - 40) / S.zoom, uy = (vp.scrollTop + fy - 40) / S.zoom;
  S.zoom = z;
  layoutStage();
  vp.scrollLeft = ux * z + 40 - fx;
  vp.scrollTop = uy * z + 40 - fy;
}
window.editorSetZoom = (z) => setZoom(z);
window.editorSelect = (i) => select(i);

function fit() {
  if (!S.render) return;
  const vp = $('viewport');
  const z = Math.min((vp.clientWidth - 80) / S.render.width, (vp.clientHeight - 80) / S.render.height);
  setZoom(Math.max(0.1, Math.floor(z * 20) / 20));
}

// hit finds the topmost element under a point in layout units.
function hit(x, y) {
  const boxes = S.render ? S.render.boxes : [];
  for (let i = boxes.length - 1; i >= 0; i--) {
    const b = boxes[i];
    if (x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h) return b;
  }
  return null;
}

function indexOfID(id) {
  return S.st.elements.findIndex(e => e.key === id);
}

function toLayout(ev) {
  const r = $('overlay').getBoundingClientRect();
  return { x: (ev.clientX - r.left) / S.zoom, y: (ev.clientY - r.top) / S.zoom };
}

// snap moves a box by (dx, dy) and pulls its edges and centre onto the
// nearest other edge, centre or the canvas centre within a few pixels;
// it returns the corrected distances and the guides to draw.
function snap(b, dx, dy) {
  if (!$('snap').checked) return { dx, dy, guides: [] };
  const lim = 6 / S.zoom;
  const W = S.render.width, H = S.render.height;
  const xs = [0, W / 2, W], ys = [0, H / 2, H];
  for (const o of S.render.boxes) {
    if (o.id === b.id) continue;
    xs.push(o.x, o.x + o.w / 2, o.x + o.w);
    ys.push(o.y, o.y + o.h / 2, o.y + o.h);
  }
  const guides = [];
  const best = (pos, targets) => {
    let bd = null, bt = null;
    for (const p of pos) for (const t of targets) {
      const d = t - p;
      if (Math.abs(d) <= lim && (bd === null || Math.abs(d) < Math.abs(bd))) { bd = d; bt = t; }
    }
    return [bd, bt];
  };
  const nx = b.x + dx, ny = b.y + dy;
  const [sx, tx] = best([nx, nx + b.w / 2, nx + b.w], xs);
  const [sy, ty] = best([ny, ny + b.h / 2, ny + b.h], ys);
  if (sx !== null && dx !== 0) { dx += sx; guides.push({ v: true, at: tx }); }
  if (sy !== null && dy !== 0) { dy += sy; guides.push({ v: false, at: ty }); }
  return { dx, dy, guides };
}

function drawGuides(guides) {
  const ov = $('overlay');
  ov.querySelectorAll('.guide').forEach(g => g.remove());
  for (const g of guides) {
    const d = document.createElement('div');
    d.className = 'guide ' + (g.v ? 'v' : 'h');
    if (g.v) d.style.left = g.at * S.zoom + 'px'; else d.style.top = g.at * S.zoom + 'px';
    ov.append(d);
  }
}

let drag = null;

function onDown(ev) {
  if (ev.button === 1 || (ev.button === 0 && S.space)) return startPan(ev);
  if (ev.button !== 0 || !S.render) return;
  const p = toLayout(ev);
  const handle = ev.target.dataset && ev.target.dataset.handle;
  let b = null;
  if (handle) {
    b = boxOf(selected());
  } else {
    const sb = boxOf(selected());
    b = sb && p.x >= sb.x && p.x <= sb.x + sb.w && p.y >= sb.y && p.y <= sb.y + sb.h ? sb : hit(p.x, p.y);
    const i = b ? indexOfID(b.id) : -1;
    if (i < 0) { select(-1); return; }
    if (i !== S.sel) select(i);
    b = boxOf(selected());
  }
  ev.preventDefault();
  drag = { b, handle, sx: ev.clientX, sy: ev.clientY, dx: 0, dy: 0 };
}

function onMove(ev) {
  if (S.pan) return doPan(ev);
  if (!drag) return;
  let dx = (ev.clientX - drag.sx) / S.zoom, dy = (ev.clientY - drag.sy) / S.zoom;
  const box = $('selbox');
  if (drag.handle) {
    if (drag.handle === 'e') dy = 0;
    if (drag.handle === 's') dx = 0;
    drag.dx = dx; drag.dy = dy;
    if (box) place(box, drag.b.x, drag.b.y, Math.max(1, drag.b.w + dx), Math.max(1, drag.b.h + dy));
    return;
  }
  if (ev.shiftKey) { if (Math.abs(dx) > Math.abs(dy)) dy = 0; else dx = 0; }
  const s = snap(drag.b, dx, dy);
  drag.dx = s.dx; drag.dy = s.dy;
  drawGuides(s.guides);
  if (box) place(box, drag.b.x + s.dx, drag.b.y + s.dy, drag.b.w, drag.b.h);
}

function onUp() {
  if (S.pan) { S.pan = null; $('viewport').classList.remove('panning'); return; }
  if (!drag) return;
  const d = drag;
  drag = null;
  drawGuides([]);
  const dx = Math.round(d.dx), dy = Math.round(d.dy);
  if (!dx && !dy) { drawOverlay(); return; }
  if (d.handle) return resize(d.b, dx, dy);
  move(d.b, dx, dy);
}

function move(b, dx, dy) {
  commit([elementOp('move', { dx, dy, x: Math.round(b.x + dx), y: Math.round(b.y + dy) })]);
}

// resize sets the size keys the element's type has: codes are square.
function resize(b, dx, dy) {
  const el = selected();
  const props = typeProps(el.type);
  const ops = [];
  if (!props.width && props.size) {
    ops.push(elementOp('set', { path: ['size'], value: Math.max(1, Math.round(Math.max(b.w + dx, b.h + dy))) }));
  } else {
    if (dx) ops.push(elementOp('set', { path: ['width'], value: Math.max(1, Math.round(b.w + dx)) }));
    if (dy && props.height) ops.push(elementOp('set', { path: ['height'], value: Math.max(1, Math.round(b.h + dy)) }));
  }
  if (ops.length) commit(ops); else drawOverlay();
}

function startPan(ev) {
  const vp = $('viewport');
  S.pan = { x: ev.clientX, y: ev.clientY, l: vp.scrollLeft, t: vp.scrollTop };
  vp.classList.add('panning');
  ev.preventDefault();
}

function doPan(ev) {
  const vp = $('viewport');
  vp.scrollLeft = S.pan.l - (ev.clientX - S.pan.x);
  vp.scrollTop = S.pan.t - (ev.clientY - S.pan.y);
}

// ---- tree ----

function drawTree() {
  const ul = $('tree');
  ul.innerHTML = '';
  for (const el of S.st.elements) {
    const li = document.createElement('li');
    li.draggable = true;
    li.dataset.index = el.index;
    const t = document.createElement('span');
    t.className = 'type';
    t.textContent = el.type;
    li.append(t, document.createTextNode(el.id || el.key));
    if (el.index === S.sel) li.classList.add('sel');
    li.onclick = () => select(el.index);
    li.ondragstart = (ev) => { ev.dataTransfer.setData('text/plain', String(el.index)); };
    li.ondragover = (ev) => { ev.preventDefault(); li.classList.add('over'); };
    li.ondragleave = () => li.classList.remove('over');
    li.ondrop = (ev) => {
      ev.preventDefault();
      li.classList.remove('over');
      reorder(Number(ev.dataTransfer.getData('text/plain')), el.index);
    };
    ul.append(li);
  }
}

function reorder(from, to) {
  if (from === to || isNaN(from)) return;
  const el = S.st.elements[from];
  const id = el.id;
  commit([{ op: 'reorder', index: from, id: id || undefined, to }]).then(() => {
    select(id ? S.st.elements.findIndex(e => e.id === id) : to);
  });
}
window.editorReorder = reorder;

// ---- properties, generated from the layout schema ----

function deref(s) {
  while (s && s.$ref) {
    const name = s.$ref.split('/').pop();
    const more = Object.assign({}, s);
    delete more.$ref;
    s = Object.assign({}, S.meta.schema.$defs[name], more);
  }
  return s || {};
}

function typeProps(type) {
  const d = S.meta.schema.$defs[type + 'Element'];
  return d ? d.properties : {};
}

// isColor: colour keys get a picker; a background may also be a gradient
// or an image (objects), which are edited as JSON.
function isColor(raw, val) {
  const ref = raw.$ref || '';
  return ref.endsWith('/color') || (ref.endsWith('/background') && (val === undefined || typeof val === 'string'));
}

function drawProps() {
  const form = $('props');
  form.innerHTML = '';
  const el = selected();
  $('propstitle').textContent = el ? `Properties · ${el.type} ${el.id || ''}` : 'Properties';
  if (!el) {
    // Nothing selected: the canvas's own keys.
    $('propstitle').textContent = 'Properties · canvas';
    const canvas = { index: -1, props: S.st.canvas || {}, path: ['canvas'] };
    for (const [key, raw] of Object.entries(deref(S.meta.schema.properties.canvas).properties || {})) {
      form.append(field(canvas, key, raw));
    }
    return;
  }
  const props = typeProps(el.type);
  for (const [key, raw] of Object.entries(props)) {
    if (key === 'type') continue;
    form.append(field(el, key, raw));
  }
}

// field makes the input for one key of el (an element, or the canvas).
function field(el, key, raw) {
  const s = deref(raw);
  const has = Object.prototype.hasOwnProperty.call(el.props, key);
  const val = el.props[key];
  const wrap = document.createElement('div');
  wrap.className = 'field' + (has ? ' set' : '');
  wrap.dataset.key = key;
  const label = document.createElement('label');
  label.textContent = key;
  const help = document.createElement('div');
  help.className = 'help';
  help.textContent = raw.description || s.description || '';
  wrap.append(label);
  const row = document.createElement('div');
  row.className = 'row';
  const path = (el.path || []).concat([key]);
  const op = (kind, extra) => el.path ? Object.assign({ op: kind, index: -1, path }, extra) : elementOp(kind, Object.assign({ path }, extra));
  const send = (v) => {
    if (v === undefined) {
      if (has) commit([op('unset')]);
      return;
    }
    commit([op('set', { value: v })]);
  };
  const types = [].concat(s.type || []);
  let input;
  if (isColor(raw, val)) {
    const pick = document.createElement('input');
    pick.type = 'color';
    pick.name = key + '-picker';
    const hx = toHex(val);
    if (hx) pick.value = hx;
    input = document.createElement('input');
    input.type = 'text';
    input.value = has ? String(val) : '';
    pick.onchange = () => { input.value = pick.value; send(pick.value); };
    input.onchange = () => send(input.value.trim() === '' ? undefined : input.value.trim());
    row.append(pick, input);
  } else if (s.enum || (s.anyOf && s.anyOf.some(a => a.enum) && !s.anyOf.some(a => a.type === 'object' || a.$ref))) {
    input = document.createElement('select');
    const opts = [''].concat(s.enum || [].concat(...s.anyOf.filter(a => a.enum).map(a => a.enum)));
    if (has && !opts.includes(val)) opts.push(val);
    for (const o of opts) {
      const op = document.createElement('option');
      op.value = o; op.textContent = o === '' ? '(default)' : o;
      input.append(op);
    }
    input.value = has ? val : '';
    input.onchange = () => send(input.value === '' ? undefined : (isNaN(Number(input.value)) ? input.value : Number(input.value)));
    row.append(input);
  } else if (types.length === 1 && types[0] === 'boolean') {
    input = document.createElement('select');
    for (const o of ['', 'true', 'false']) {
      const op = document.createElement('option');
      op.value = o; op.textContent = o === '' ? '(default)' : o;
      input.append(op);
    }
    input.value = has ? String(val) : '';
    input.onchange = () => send(input.value === '' ? undefined : input.value === 'true');
    row.append(input);
  } else if (types.length === 1 && (types[0] === 'number' || types[0] === 'integer')) {
    input = document.createElement('input');
    input.type = 'number';
    input.step = 'any';
    input.value = has ? val : '';
    input.onchange = () => send(input.value === '' ? undefined : Number(input.value));
    row.append(input);
  } else if (types.includes('string') && !s.anyOf && !s.oneOf) {
    input = document.createElement(key === 'text' ? 'textarea' : 'input');
    if (key !== 'text') input.type = 'text';
    if (key === 'text') input.rows = 2;
    if (key === 'src') input.setAttribute('list', 'assetlist');
    if (key === 'font') input.setAttribute('list', 'fontlist');
    input.value = has ? String(val) : '';
    input.onchange = () => send(input.value === '' ? undefined : input.value);
    row.append(input);
  } else {
    // Anything else (x, y, spans, dash, gradient…) is edited as JSON;
    // a bare word is taken as a string (x: center).
    input = document.createElement('input');
    input.type = 'text';
    input.value = has ? JSON.stringify(val) : '';
    input.onchange = () => {
      const t = input.value.trim();
      if (t === '') return send(undefined);
      let v;
      try { v = JSON.parse(t); } catch (e) { v = t; }
      send(v);
    };
    row.append(input);
  }
  input.name = key;
  input.title = help.textContent;
  wrap.append(row, help);
  return wrap;
}

function toHex(v) {
  if (typeof v !== 'string') return '';
  let m = v.trim().match(/^#([0-9a-f]{3,8})$/i);
  if (m) {
    let h = m[1];
    if (h.length === 3 || h.length === 4) h = h.slice(0, 3).split('').map(c => c + c).join('');
    return '#' + h.slice(0, 6).toLowerCase();
  }
  m = v.match(/^\s*rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/i);
  if (m) return '#' + [m[1], m[2], m[3]].map(n => Math.min(255, Number(n)).toString(16).padStart(2, '0')).join('');
  return '';
}

// ---- data and lint ----

function drawFields() {
  const ul = $('fields');
  ul.innerHTML = '';
  for (const f of S.st.fields) {
    const li = document.createElement('li');
    const v = S.render && S.render.data ? S.render.data[f.name] : S.st.sample[f.name];
    li.innerHTML = '<code></code> <span class="type"></span><span class="val"></span>';
    li.children[0].textContent = '{{' + f.name + '}}';
    li.children[1].textContent = f.type + (f.max_chars ? ' ≤' + f.max_chars : '');
    li.children[2].textContent = v === undefined ? '(none)' : String(v);
    li.title = (f.description || '') + '\nClick to insert into the selected text.';
    li.onclick = () => insertField(f.name);
    ul.append(li);
  }
}

function insertField(name) {
  const el = selected();
  if (!el || el.type !== 'text') { showError('Select a text element to insert {{' + name + '}} into.'); return; }
  const ta = document.querySelector('#props [name=text]');
  const cur = el.props.text === undefined ? '' : String(el.props.text);
  let next = cur + '{{' + name + '}}';
  if (ta && document.activeElement === ta) {
    next = ta.value.slice(0, ta.selectionStart) + '{{' + name + '}}' + ta.value.slice(ta.selectionEnd);
  }
  commit([elementOp('set', { path: ['text'], value: next })]);
}

function drawLint() {
  const ul = $('lint');
  ul.innerHTML = '';
  const fs = (S.render && S.render.findings) || [];
  if (!fs.length) { ul.innerHTML = '<li>No findings for this data.</li>'; }
  for (const f of fs) {
    const li = document.createElement('li');
    li.className = 'sev-' + f.severity;
    li.textContent = `${f.severity} ${f.element ? f.element + ' ' : ''}${f.line ? f.line + ':' + f.col + ' ' : ''}${f.message}`;
    li.onclick = () => { const i = indexOfID(f.element); if (i >= 0) select(i); };
    ul.append(li);
  }
  drawFields();
}

// ---- wiring ----

$('layout').onchange = () => open($('layout').value);
$('undo').onclick = undo;
$('redo').onclick = redo;
$('delete').onclick = () => { if (selected()) { commit([elementOp('remove')]); select(-1); } };
$('duplicate').onclick = () => {
  const el = selected();
  if (!el) return;
  const nid = uniqueID((el.id || el.type) + '-copy');
  const at = el.index + 1;
  commit([elementOp('duplicate', { new_id: nid })]).then(() => select(at));
};
for (const b of document.querySelectorAll('[data-add]')) b.onclick = () => addElement(b.dataset.add);
$('zoomin').onclick = () => setZoom(S.zoom * 1.25);
$('zoomout').onclick = () => setZoom(S.zoom / 1.25);
$('zoomfit').onclick = fit;
$('case').onchange = () => { S.dataCase = $('case').value; rerender(); };
$('reload').onclick = () => { S.fitted = true; open(S.name); };
$('overlay').addEventListener('mousedown', onDown);
$('viewport').addEventListener('mousedown', (ev) => { if (ev.button === 1 || S.space) startPan(ev); });
window.addEventListener('mousemove', onMove);
window.addEventListener('mouseup', onUp);
$('viewport').addEventListener('wheel', (ev) => {
  if (!ev.ctrlKey && !ev.metaKey) return;
  ev.preventDefault();
  const r = $('viewport').getBoundingClientRect();
  setZoom(S.zoom * (ev.deltaY < 0 ? 1.1 : 1 / 1.1), { x: ev.clientX - r.left, y: ev.clientY - r.top });
}, { passive: false });
window.addEventListener('keydown', (ev) => {
  const a = document.activeElement;
  const typing = /^(TEXTAREA|SELECT)$/.test(a.tagName) || (a.tagName === 'INPUT' && !/^(checkbox|radio|button|color)$/.test(a.type));
  if (ev.key === ' ' && !typing) { S.space = true; ev.preventDefault(); return; }
  if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 'z' && !typing) {
    ev.preventDefault();
    if (ev.shiftKey) redo(); else undo();
    return;
  }
  if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 'y' && !typing) { ev.preventDefault(); redo(); return; }
  if (typing || !selected()) return;
  if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 'd') { ev.preventDefault(); $('duplicate').click(); return; }
  if (ev.key === 'Delete' || ev.key === 'Backspace') { ev.preventDefault(); $('delete').click(); return; }
  const step = ev.shiftKey ? 10 : 1;
  const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[ev.key];
  if (!d) return;
  ev.preventDefault();
  const b = boxOf(selected()) || { x: 0, y: 0 };
  move(b, d[0], d[1]);
});
window.addEventListener('keyup', (ev) => { if (ev.key === ' ') S.space = false; });

init().catch((e) => showError(String(e)));
