// Running keras_vae exports in the browser: onnxruntime-web (wasm backend) on the ONNX
// graphs a manifest.json lists, plus the small numeric helpers the page needs (a seeded
// RNG, drawing preprocessing, pixel rendering). No DOM code here, except ImageData.
//
// onnxruntime-web is imported from the local npm install (keras_vae/web/node_modules, put
// there by `npm ci`), and its .wasm files are served by the same server: nothing is
// fetched from a CDN.

import * as ort from './node_modules/onnxruntime-web/dist/ort.wasm.min.mjs';

export { ort };

export const SUPPORTED_MANIFEST_VERSIONS = [1];

// Must run before the first session is created.
export function configureOrt({ threads = 1 } = {}) {
  ort.env.wasm.wasmPaths = new URL('./node_modules/onnxruntime-web/dist/', import.meta.url).href;
  // One thread by default: predictable timings and no need for SharedArrayBuffer;
  // ?threads=N uses more when the page is cross-origin isolated (keras-vae demo is).
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
}

// onnxruntime-web rejects a run() while another is in flight on the wasm backend, and the
// page fires runs from sliders, buttons and the pen at once: every run goes through this
// one queue.
let queue = Promise.resolve();
function exclusive(fn) {
  const result = queue.then(fn, fn);
  queue = result.catch(() => {});
  return result;
}

export class InputError extends Error {}

// One export: its manifest and an onnxruntime-web session per ONNX graph.
export class WebVAE {
  static async load(name, url) {
    const base = new URL(url, document.baseURI);
    const response = await fetch(new URL('manifest.json', base));
    if (!response.ok) throw new Error(`${name}: no manifest.json at ${base} (HTTP ${response.status})`);
    const manifest = await response.json();
    if (!SUPPORTED_MANIFEST_VERSIONS.includes(manifest.manifest_version)) {
      throw new Error(`${name}: manifest_version ${manifest.manifest_version} is not supported by this page`);
    }
    const sessions = {};
    for (const [graph, spec] of Object.entries(manifest.graphs)) {
      if (!spec.files || !spec.files.onnx) continue; // exported to other formats only
      sessions[graph] = await ort.InferenceSession.create(new URL(spec.files.onnx, base).href, {
        executionProviders: ['wasm'],
        graphOptimizationLevel: 'all',
      });
    }
    if (!sessions.decoder) throw new Error(`${name}: the export has no ONNX decoder (export with formats including onnx)`);
    return new WebVAE(name, manifest, sessions);
  }

  constructor(name, manifest, sessions) {
    this.name = name;
    this.manifest = manifest;
    this.sessions = sessions;
    this.imageShape = manifest.image_shape;
    this.latentDim = manifest.latent_dim;
    this.conditional = manifest.conditional;
    this.numClasses = manifest.num_classes;
    this.labelNames = manifest.label_names || (this.conditional ? [...Array(this.numClasses).keys()].map(String) : null);
    this.valueRange = manifest.value_range;
    this.pixels = this.imageShape.reduce((a, b) => a * b, 1);
  }

  has(graph) {
    return graph in this.sessions;
  }

  // Feeds checked against the manifest, the way keras_vae.runtime checks them in Python.
  _labels(labels, n) {
    if (!this.conditional) {
      if (labels != null) throw new InputError(`${this.name} is unconditional and takes no labels`);
      return {};
    }
    if (labels == null || labels.length !== n) throw new InputError(`${this.name} needs ${n} labels`);
    for (const y of labels) {
      if (!Number.isInteger(y) || y < 0 || y >= this.numClasses) {
        throw new InputError(`labels must be integers in [0, ${this.numClasses}), got ${y}`);
      }
    }
    return { label: new ort.Tensor('int32', Int32Array.from(labels), [n]) };
  }

  _floats(values, n, width, what, range) {
    if (!(values instanceof Float32Array) || values.length !== n * width) {
      throw new InputError(`${what} must be a Float32Array of ${n} x ${width} values`);
    }
    for (const v of values) {
      if (!Number.isFinite(v) || (range && (v < range[0] || v > range[1]))) {
        throw new InputError(`${what} values must be finite${range ? ` and in [${range}]` : ''}, got ${v}`);
      }
    }
  }

  _run(graph, feeds) {
    if (!this.sessions[graph]) throw new Error(`${this.name} has no ONNX ${graph}`);
    return exclusive(() => this.sessions[graph].run(feeds));
  }

  // z: Float32Array of n * latentDim -> Float32Array of n * pixels (the likelihood's mean).
  async decode(z, labels = null, n = 1) {
    this._floats(z, n, this.latentDim, 'z');
    const out = await this._run('decoder', {
      z: new ort.Tensor('float32', z, [n, this.latentDim]),
      ...this._labels(labels, n),
    });
    return out.image_mean.data;
  }

  _image(image, n) {
    this._floats(image, n, this.pixels, 'image', this.valueRange);
    return new ort.Tensor('float32', image, [n, ...this.imageShape]);
  }

  async encode(image, labels = null, n = 1) {
    const out = await this._run('encoder', { image: this._image(image, n), ...this._labels(labels, n) });
    return { zMean: out.z_mean.data, zLogVar: out.z_log_var.data };
  }

  // Negative ELBO in nats at the posterior mean (noise = 0), and the reconstruction there.
  async score(image, labels = null, n = 1) {
    const out = await this._run('scorer', {
      image: this._image(image, n),
      ...this._labels(labels, n),
      noise: new ort.Tensor('float32', new Float32Array(n * this.latentDim), [n, this.latentDim]),
    });
    return { score: out.score.data, reconstruction: out.reconstruction.data };
  }

  // Decoder latency for the benchmark: median over `repeats` runs after `warmup` runs.
  async timeDecode(batch, repeats = 50, warmup = 5) {
    const z = normals(0, batch * this.latentDim);
    const labels = this.conditional ? Array.from({ length: batch }, (_, i) => i % this.numClasses) : null;
    for (let i = 0; i < warmup; i++) await this.decode(z, labels, batch);
    const times = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await this.decode(z, labels, batch);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return {
      batch, repeats, threads: ort.env.wasm.numThreads, crossOriginIsolated: self.crossOriginIsolated,
      median_ms: times[Math.floor(times.length / 2)], min_ms: times[0],
    };
  }
}

// ---- seeded random numbers ---------------------------------------------------------
// mulberry32: a tiny 32-bit generator; the same seed gives the same samples on every
// browser (it differs from numpy's generator: compare runtimes by feeding the same z).
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// `count` standard normal draws (Box-Muller) from mulberry32(seed).
export function normals(seed, count) {
  const uniform = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = 1 - uniform(); // in (0, 1]: log(0) never happens
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

// ---- drawing -> model input ------------------------------------------------------------
// Area-average resampling of a (h, w) float image onto (outH, outW): each output pixel
// is the mean of the source area it covers, so thin strokes fade instead of vanishing.
function resample(src, h, w, outH, outW) {
  const out = new Float32Array(outH * outW);
  const sy = h / outH;
  const sx = w / outW;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * sy;
    const y1 = y0 + sy;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * sx;
      const x1 = x0 + sx;
      let sum = 0;
      for (let y = Math.floor(y0); y < Math.min(h, Math.ceil(y1)); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.min(w, Math.ceil(x1)); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          sum += src[y * w + x] * wy * wx;
        }
      }
      out[oy * outW + ox] = sum / (sy * sx);
    }
  }
  return out;
}

// A drawing (RGBA, white ink on black) as an MNIST-style image: the ink's bounding box
// scaled to fit `box` pixels (20 in MNIST), placed so its centre of mass sits at the
// centre of a size x size image (28). Returns null for an empty drawing.
export function preprocessDrawing(rgba, width, height, size = 28, box = 20) {
  const ink = new Float32Array(width * height);
  let top = height, bottom = -1, left = width, right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = rgba[(y * width + x) * 4] / 255;
      ink[y * width + x] = v;
      if (v > 0.05) {
        top = Math.min(top, y); bottom = Math.max(bottom, y);
        left = Math.min(left, x); right = Math.max(right, x);
      }
    }
  }
  if (bottom < 0) return null;
  // Square crop around the bounding box, so the digit keeps its aspect ratio.
  const side = Math.max(bottom - top + 1, right - left + 1);
  const cy = (top + bottom + 1) / 2;
  const cx = (left + right + 1) / 2;
  const crop = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    const sy = Math.floor(cy - side / 2) + y;
    if (sy < 0 || sy >= height) continue;
    for (let x = 0; x < side; x++) {
      const sx = Math.floor(cx - side / 2) + x;
      if (sx >= 0 && sx < width) crop[y * side + x] = ink[sy * width + sx];
    }
  }
  const small = resample(crop, side, side, box, box);
  let mass = 0, my = 0, mx = 0;
  for (let y = 0; y < box; y++) {
    for (let x = 0; x < box; x++) {
      const v = small[y * box + x];
      mass += v; my += v * y; mx += v * x;
    }
  }
  const clampShift = (s) => Math.max(0, Math.min(size - box, s));
  const offY = clampShift(Math.round(size / 2 - 0.5 - my / mass));
  const offX = clampShift(Math.round(size / 2 - 0.5 - mx / mass));
  const out = new Float32Array(size * size);
  for (let y = 0; y < box; y++) {
    for (let x = 0; x < box; x++) out[(y + offY) * size + x + offX] = Math.min(1, Math.max(0, small[y * box + x]));
  }
  return out;
}

// ---- rendering -----------------------------------------------------------------------------
// Image `index` of a batch (values in valueRange, default [0, 1]) as an ImageData.
export function toImageData(values, imageShape, index = 0, valueRange = null) {
  const [h, w, c] = imageShape;
  const [lo, hi] = valueRange || [0, 1];
  const data = new ImageData(w, h);
  const offset = index * h * w * c;
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) {
      const v = values[offset + p * c + (c === 1 ? 0 : k)];
      data.data[p * 4 + k] = Math.round(255 * Math.min(1, Math.max(0, (v - lo) / (hi - lo))));
    }
    data.data[p * 4 + 3] = 255;
  }
  return data;
}
