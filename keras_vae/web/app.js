// The demo page: one section per export, with the panels its manifest allows.
//   Latent plane   2-d latent models: two sliders (or a click on the decoded manifold).
//   Generate       conditional models (class picker) and models with latent_dim != 2:
//                  samples from z ~ N(0, I) drawn by a seeded generator.
//   Draw           models with an encoder: draw a digit, see the reconstruction and,
//                  when the export has a scorer, its anomaly score.
//
// Hooks for tests and benchmarks (documented in keras_vae/web/README.md):
//   window.demo.ready               resolves when every model is loaded and drawn once
//   window.demo.models[name]        the WebVAE objects
//   window.demo.timeDecode(name, batch, repeats)
//   window.lastDecoded              {model, z, label, pixels}: the latent panel's last decode
//   window.lastGenerated            {model, label, seed, z, labels, pixels}
//   window.lastDrawn                {model, label, image, zMean, reconstruction, score}

import { configureOrt, normals, preprocessDrawing, toImageData, WebVAE } from './vae.js';

const params = new URLSearchParams(location.search);
configureOrt({ threads: Number(params.get('threads') || 1) });

const LATENT_LIMIT = 3; // sliders span [-3, 3]: 99.7% of the prior's mass per axis
const MANIFOLD_SIZE = 12; // digits per side of the decoded latent plane behind the pad
const SAMPLES = 8;

const statusEl = document.getElementById('status');
const modelsEl = document.getElementById('models');

window.lastDecoded = null;
window.lastGenerated = null;
window.lastDrawn = null;
const demo = (window.demo = {
  models: {},
  errors: [],
  timeDecode: (name, batch, repeats = 50) => demo.models[name].timeDecode(batch, repeats),
});

function setStatus(text, state) {
  statusEl.textContent = text;
  statusEl.dataset.state = state;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c != null));
  return node;
}

function pixelCanvas(h, w, cssSize, cls = '') {
  return el('canvas', { width: w, height: h, class: `pixels ${cls}`, style: `width:${cssSize}px;height:${cssSize * h / w}px` });
}

function paint(canvas, vae, values, index = 0) {
  canvas.getContext('2d').putImageData(toImageData(values, vae.imageShape, index, vae.valueRange), 0, 0);
}

// Paints images [0, n) of a batch into a rows x cols grid canvas.
function paintGrid(canvas, vae, values, rows, cols) {
  const [h, w] = vae.imageShape;
  const ctx = canvas.getContext('2d');
  for (let i = 0; i < rows * cols; i++) {
    ctx.putImageData(toImageData(values, vae.imageShape, i, vae.valueRange), (i % cols) * w, Math.floor(i / cols) * h);
  }
}

// Runs `task(arg)` one at a time; while one runs, only the newest request waits, so a
// fast slider or pen never builds a backlog.
function latestWins(task) {
  let running = false;
  let pending = null;
  const pump = async () => {
    running = true;
    while (pending) {
      const { arg, resolve, reject } = pending;
      pending = null;
      try {
        resolve(await task(arg));
      } catch (e) {
        reject(e);
        report(e);
      }
    }
    running = false;
  };
  return (arg) => new Promise((resolve, reject) => {
    if (pending) pending.resolve(null); // superseded
    pending = { arg, resolve, reject };
    if (!running) pump();
  });
}

function report(error) {
  console.error(error);
  demo.errors.push(String(error && error.message ? error.message : error));
  setStatus(`error: ${demo.errors[demo.errors.length - 1]}`, 'error');
}

// ---- class picker --------------------------------------------------------------------------
function classPicker(vae, state, onChange) {
  const buttons = vae.labelNames.map((name, i) =>
    el('button', {
      type: 'button', class: i === state.label ? 'class selected' : 'class', 'data-label': i, text: name,
      onclick: () => {
        state.label = i;
        buttons.forEach((b, j) => b.classList.toggle('selected', j === i));
        onChange();
      },
    }));
  return el('div', { class: 'classes', role: 'group', 'aria-label': 'class' }, ...buttons);
}

// ---- latent plane ----------------------------------------------------------------------------
function latentPanel(vae, state, listeners) {
  const [h, w] = vae.imageShape;
  const pad = el('canvas', { width: MANIFOLD_SIZE * w, height: MANIFOLD_SIZE * h, class: 'pad', title: 'click or drag to pick z' });
  const manifold = document.createElement('canvas');
  manifold.width = pad.width;
  manifold.height = pad.height;
  const out = pixelCanvas(h, w, 196, 'decoded');
  const sliders = [0, 1].map((i) => el('input', {
    type: 'range', name: `z${i + 1}`, min: -LATENT_LIMIT, max: LATENT_LIMIT, step: 0.01, value: 0,
    'aria-label': `z${i + 1}`,
  }));
  const readouts = [0, 1].map(() => el('output', { text: '0.00' }));
  let drawnMean = null;

  const zFromSliders = () => Float32Array.from(sliders, (s) => parseFloat(s.value));
  const toPad = (v) => ((v + LATENT_LIMIT) / (2 * LATENT_LIMIT));

  function paintPad() {
    const ctx = pad.getContext('2d');
    ctx.drawImage(manifold, 0, 0);
    const z = zFromSliders();
    const mark = (zz, style, fill) => {
      ctx.beginPath();
      ctx.arc(toPad(zz[0]) * pad.width, (1 - toPad(zz[1])) * pad.height, 9, 0, 2 * Math.PI);
      ctx.lineWidth = 3;
      ctx.strokeStyle = style;
      if (fill) { ctx.fillStyle = fill; ctx.fill(); }
      ctx.stroke();
    };
    if (drawnMean) mark(drawnMean, '#38bdf8');
    mark(z, '#f97316', 'rgba(249,115,22,0.35)');
  }

  // The decoded plane: MANIFOLD_SIZE^2 digits on a grid over [-3, 3]^2 (z2 up), one batch.
  async function paintManifold() {
    const n = MANIFOLD_SIZE * MANIFOLD_SIZE;
    const z = new Float32Array(2 * n);
    for (let r = 0; r < MANIFOLD_SIZE; r++) {
      for (let c = 0; c < MANIFOLD_SIZE; c++) {
        const i = r * MANIFOLD_SIZE + c;
        z[2 * i] = -LATENT_LIMIT + (2 * LATENT_LIMIT) * (c + 0.5) / MANIFOLD_SIZE;
        z[2 * i + 1] = LATENT_LIMIT - (2 * LATENT_LIMIT) * (r + 0.5) / MANIFOLD_SIZE;
      }
    }
    const labels = vae.conditional ? new Array(n).fill(state.label) : null;
    paintGrid(manifold, vae, await vae.decode(z, labels, n), MANIFOLD_SIZE, MANIFOLD_SIZE);
    paintPad();
  }

  const decode = latestWins(async () => {
    const z = zFromSliders();
    const label = vae.conditional ? state.label : null;
    const pixels = await vae.decode(z, label == null ? null : [label], 1);
    paint(out, vae, pixels);
    window.lastDecoded = { model: vae.name, z: Array.from(z), label, pixels };
    return pixels;
  });

  function update() {
    sliders.forEach((s, i) => { readouts[i].textContent = parseFloat(s.value).toFixed(2); });
    paintPad();
    return decode();
  }
  sliders.forEach((s) => s.addEventListener('input', update));

  function padPick(event) {
    if (event.type !== 'pointerdown' && !(event.buttons & 1)) return;
    const rect = pad.getBoundingClientRect();
    const fx = (event.clientX - rect.left) / rect.width;
    const fy = (event.clientY - rect.top) / rect.height;
    sliders[0].value = (-LATENT_LIMIT + 2 * LATENT_LIMIT * fx).toFixed(2);
    sliders[1].value = (LATENT_LIMIT - 2 * LATENT_LIMIT * fy).toFixed(2);
    update();
  }
  pad.addEventListener('pointerdown', padPick);
  pad.addEventListener('pointermove', padPick);

  listeners.label.push(() => Promise.all([paintManifold(), update()]));
  listeners.drawn.push((zMean) => { drawnMean = zMean; paintPad(); });
  listeners.init.push(() => Promise.all([paintManifold(), update()]));

  return el('div', { class: 'panel latent' },
    el('h3', { text: 'Latent plane' }),
    el('p', { class: 'hint', text: 'Move the sliders, or click the decoded plane.' }),
    el('div', { class: 'row' },
      pad,
      el('div', { class: 'col' },
        out,
        ...sliders.map((s, i) => el('label', { class: 'slider' }, `z${i + 1}`, s, readouts[i]))),
    ));
}

// ---- generate ------------------------------------------------------------------------------
function generatePanel(vae, state, listeners) {
  const [h, w] = vae.imageShape;
  const cols = SAMPLES / 2;
  const grid = el('canvas', { width: cols * w, height: 2 * h, class: 'pixels samples', style: `width:${cols * 70}px;height:140px` });
  const seed = el('input', { type: 'number', name: 'seed', value: 0, min: 0, step: 1, 'aria-label': 'seed' });
  const used = el('span', { class: 'hint' });

  const generate = latestWins(async () => {
    const s = Math.max(0, Math.floor(Number(seed.value) || 0));
    const z = normals(s, SAMPLES * vae.latentDim);
    const labels = vae.conditional ? new Array(SAMPLES).fill(state.label) : null;
    const pixels = await vae.decode(z, labels, SAMPLES);
    paintGrid(grid, vae, pixels, 2, cols);
    used.textContent = `seed ${s}` + (vae.conditional ? `, class ${vae.labelNames[state.label]}` : '');
    window.lastGenerated = { model: vae.name, label: vae.conditional ? state.label : null, seed: s, z: Array.from(z), labels, pixels };
    return pixels;
  });
  const button = el('button', {
    type: 'button', class: 'generate', text: 'Generate',
    // New samples: the next seed. A class change redraws with the same seed.
    onclick: () => { seed.value = Math.max(0, Math.floor(Number(seed.value) || 0)) + 1; generate(); },
  });
  listeners.label.push(() => generate());
  listeners.init.push(() => generate());
  return el('div', { class: 'panel generate' },
    el('h3', { text: vae.conditional ? 'Generate a class' : 'Generate' }),
    el('p', { class: 'hint', text: `${SAMPLES} samples, z ~ N(0, I) from a seeded generator; Generate takes the next seed.` }),
    grid,
    el('div', { class: 'row controls' }, el('label', {}, 'seed ', seed), button, used));
}

// ---- draw ------------------------------------------------------------------------------------
function drawPanel(vae, state, listeners) {
  const [h, w] = vae.imageShape;
  const board = el('canvas', { width: 224, height: 224, class: 'board', title: 'draw here' });
  const input = pixelCanvas(h, w, 84, 'input');
  const recon = pixelCanvas(h, w, 84, 'reconstruction');
  const scoreEl = el('output', { class: 'score', text: vae.has('scorer') ? 'draw something' : 'no scorer in this export' });
  const ctx = board.getContext('2d');
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, board.width, board.height);
  };
  clear();

  const run = latestWins(async () => {
    const pixels = ctx.getImageData(0, 0, board.width, board.height);
    const image = preprocessDrawing(pixels.data, board.width, board.height, h);
    if (!image || vae.imageShape[2] !== 1 || w !== h) return null;
    const labels = vae.conditional ? [state.label] : null;
    const { zMean } = await vae.encode(image, labels, 1);
    const reconstruction = await vae.decode(zMean, labels, 1);
    const score = vae.has('scorer') ? (await vae.score(image, labels, 1)).score[0] : null;
    paint(input, vae, image);
    paint(recon, vae, reconstruction);
    if (score != null) scoreEl.textContent = `${score.toFixed(1)} nats`;
    window.lastDrawn = { model: vae.name, label: labels ? labels[0] : null, image, zMean: Array.from(zMean), reconstruction, score };
    listeners.drawn.forEach((f) => f(Array.from(zMean)));
    return window.lastDrawn;
  });

  let last = null;
  const point = (e) => {
    const r = board.getBoundingClientRect();
    return [(e.clientX - r.left) * board.width / r.width, (e.clientY - r.top) * board.height / r.height];
  };
  board.addEventListener('pointerdown', (e) => {
    board.setPointerCapture(e.pointerId);
    last = point(e);
    ctx.beginPath();
    ctx.fillStyle = '#fff';
    ctx.arc(last[0], last[1], 8, 0, 2 * Math.PI);
    ctx.fill();
  });
  board.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = point(e);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 16; // about the stroke width of an MNIST digit at this scale
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...p);
    ctx.stroke();
    last = p;
    run();
  });
  const end = () => { if (last) { last = null; run(); } };
  board.addEventListener('pointerup', end);
  board.addEventListener('pointercancel', end);
  listeners.label.push(() => run());

  return el('div', { class: 'panel draw' },
    el('h3', { text: 'Draw' }),
    el('p', { class: 'hint', text: 'Draw a digit or a garment: the model sees it at 28x28, encodes, decodes, and scores it.' }),
    el('div', { class: 'row' },
      board,
      el('div', { class: 'col' },
        el('figure', {}, input, el('figcaption', { text: 'model input' })),
        el('figure', {}, recon, el('figcaption', { text: 'reconstruction' })))),
    el('div', { class: 'row controls' },
      el('button', { type: 'button', class: 'clear', text: 'Clear', onclick: () => { clear(); } }),
      el('span', { title: 'negative ELBO at the posterior mean: higher means less like the training data' },
        'anomaly score (−ELBO): ', scoreEl)));
}

// ---- a model's section -------------------------------------------------------------------
function modelSection(vae) {
  const m = vae.manifest;
  const state = { label: 0 };
  const listeners = { label: [], drawn: [], init: [] };
  const source = (m.model && m.model.source) || '';
  const facts = [
    m.model && m.model.class, `latent ${vae.latentDim}`, m.likelihood && m.likelihood.name,
    vae.conditional ? `${vae.numClasses} classes` : null,
    source.includes('untrained') ? 'untrained weights' : source,
    m.verification && m.verification.passed ? 'export verified against Keras' : null,
  ].filter(Boolean);
  const panels = [];
  if (vae.latentDim === 2) panels.push(latentPanel(vae, state, listeners));
  if (vae.conditional || vae.latentDim !== 2) panels.push(generatePanel(vae, state, listeners));
  if (vae.has('encoder')) panels.push(drawPanel(vae, state, listeners));
  const section = el('section', { class: 'model', 'data-model': vae.name },
    el('h2', {}, vae.name, ' ', el('small', { text: facts.join(' · ') })),
    vae.conditional ? classPicker(vae, state, () => listeners.label.forEach((f) => f())) : null,
    el('div', { class: 'panels' }, ...panels));
  modelsEl.append(section);
  return Promise.all(listeners.init.map((f) => f()));
}

async function modelList() {
  // ?models=URL,URL serves exports from any static server; otherwise keras-vae demo's list.
  if (params.get('models')) {
    return params.get('models').split(',').map((url) => {
      const u = url.endsWith('/') ? url : `${url}/`;
      return { name: u.split('/').filter(Boolean).pop(), url: u };
    });
  }
  const response = await fetch('models.json');
  if (!response.ok) throw new Error('no models.json: serve this page with `keras-vae demo`, or pass ?models=URL1,URL2');
  return (await response.json()).models;
}

demo.ready = (async () => {
  setStatus('loading models…', 'loading');
  const list = await modelList();
  for (const { name, url } of list) {
    setStatus(`loading ${name}…`, 'loading');
    const vae = await WebVAE.load(name, url);
    demo.models[name] = vae;
    await modelSection(vae);
  }
  setStatus(`ready: ${list.map((m) => m.name).join(', ')} · onnxruntime-web wasm, ${configureThreads()} thread(s)`, 'ready');
})().catch((e) => {
  report(e);
  throw e;
});

function configureThreads() {
  return Number(params.get('threads') || 1);
}
