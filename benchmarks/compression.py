"""Lossless compression of the binarised MNIST test set: bits-back with our VAEs against standard codecs.

    nice -n 15 python benchmarks/compression.py --data-dir ../shared/data/mnist
    python benchmarks/compression.py --data-dir ../shared/data/mnist --limit 200 --models conv_mnist

Data: the evaluation's fixed binarisation of the MNIST test split
(``keras_vae.evaluation.binarized_test_set``: one Bernoulli draw per pixel, seed 0), all
10,000 images unless ``--limit``. Every codec gets the same images, and every row checks
that decoding gives them back bit for bit.

Rows:
    bits-back (BB-ANS) with each zoo model (``keras_vae.compression.compress``): the
        whole set as one .kvz file. "file" counts every byte of it (header, the 832
        initial bits, payload); "net" leaves out the header and the initial bits, which
        is how Townsend et al. (2019) report BB-ANS; "ideal" is the float64 information
        content the coder is asked to code (its overhead is net - ideal); the model's
        negative ELBO (one posterior draw per image, seed 0, as in the card) is beside it.
    gzip / bz2 / lzma: the whole set packed 8 pixels per byte (``np.packbits``, row-major),
        compressed as one stream at each module's default level, as in the paper's
        benchmark_compressors.py.
    PNG (``optimize=True``) and WebP (``lossless=True, quality=100``): one file per image
        from a 1-bit Pillow image, sizes summed, as in the paper.

Speeds are images per second of encoding and decoding on this machine (single process).
``--json PATH`` also writes the figures. ``--latency`` instead times the ways of calling the
networks at batch 1 that bits-back could use (why it calls compiled functions):

    python benchmarks/compression.py --latency
"""

import argparse
import bz2
import gzip
import io
import json
import lzma
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

PAPER = {"BB-ANS": 0.19, "bz2": 0.25, "gzip": 0.33, "WebP": 0.44, "PNG": 0.78}  # bits/dim, their table 2


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def stream_codec(module):
    def encode(bits):
        return module.compress(np.packbits(bits.reshape(-1)).tobytes())

    def decode(blob, shape):
        flat = np.unpackbits(np.frombuffer(module.decompress(blob), np.uint8))
        return flat[: int(np.prod(shape))].reshape(shape)

    return encode, decode


def image_codec(fmt, **params):
    from PIL import Image

    def encode(bits):
        files = []
        for image in bits:
            buffer = io.BytesIO()
            Image.fromarray(image[..., 0].astype(bool)).save(buffer, format=fmt, **params)  # mode "1"
            files.append(buffer.getvalue())
        return files

    def decode(files, shape):
        return np.stack([np.asarray(Image.open(io.BytesIO(f)).convert("L")) > 127 for f in files]).reshape(shape)

    return encode, decode


def run_baseline(name, codec, bits):
    encode, decode = codec
    blob, t_enc = timed(encode, bits)
    restored, t_dec = timed(decode, blob, bits.shape)
    size = sum(len(f) for f in blob) if isinstance(blob, list) else len(blob)
    return {"codec": name, "bits_per_dim": 8 * size / bits.size, "bytes": size,
            "exact": bool(np.array_equal(restored.astype(np.uint8), bits)),
            "encode_images_per_s": len(bits) / t_enc, "decode_images_per_s": len(bits) / t_dec}


def run_bbans(name, bits, latent_bits):
    from keras_vae import zoo
    from keras_vae.compression import compress, decompress

    model = zoo.load(name)
    stats = {}
    blob, t_enc = timed(lambda: compress(model, bits, name=name, latent_bits=latent_bits, stats=stats))
    restored, t_dec = timed(lambda: decompress(model, blob, name=name))
    neg_elbo_nats = float(-np.mean(model.elbo(bits.astype("float32"), seed=0)))
    dims = bits.size
    net = stats["total_bits"] - stats["seed_bits"]
    return {
        "codec": f"bits-back {name}", "model": name, "latent_bits": latent_bits,
        "bits_per_dim": 8 * len(blob) / dims, "bytes": len(blob),
        "net_bits_per_dim": net / dims, "ideal_bits_per_dim": stats["ideal_bits"]["net"] / dims,
        "initial_bits": stats["seed_bits"], "container_bytes": len(blob) - stats["total_bits"] // 8,
        "neg_elbo_nats": neg_elbo_nats, "neg_elbo_bits_per_dim": neg_elbo_nats / np.log(2) / np.prod(bits.shape[1:]),
        "exact": bool(np.array_equal(restored, bits)),
        "encode_images_per_s": len(bits) / t_enc, "decode_images_per_s": len(bits) / t_dec,
    }


def call_latency(name, calls=100):
    """Median ms per batch-1 call: eager sub-model, ``predict``, and the coder's compiled functions."""
    import statistics

    from keras_vae import zoo
    from keras_vae.compression import networks

    model = zoo.load(name)
    posterior, logits = networks.model_functions(model)
    x = np.zeros((1,) + model.image_shape, "float32")
    z = np.zeros((1, model.latent_dim), "float32")
    ways = {
        "decoder, eager model.decoder(z)": lambda: np.asarray(model.decoder([z], training=False)),
        "decoder, model.decoder.predict(z)": lambda: model.decoder.predict(z, verbose=0),
        "decoder, compiled (networks.model_functions)": lambda: logits(z),
        "encoder, eager model.encoder(x)": lambda: [np.asarray(t) for t in model.encoder([x], training=False)],
        "encoder, compiled (networks.model_functions)": lambda: posterior(x),
    }
    for label, fn in ways.items():
        for _ in range(3):
            fn()
        times = []
        for _ in range(calls):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        print(f"{name} {label:46s} {1000 * statistics.median(times):7.2f} ms (median of {calls})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", help="folder of the MNIST files (or $KERAS_VAE_DATA_DIR)")
    parser.add_argument("--models", default="conv_mnist,dense_mnist", help="comma-separated zoo names")
    parser.add_argument("--limit", type=int, help="first N test images only (default: all 10,000)")
    parser.add_argument("--latent-bits", type=int, default=12)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--latency", action="store_true", help="only time batch-1 network calls (first model)")
    args = parser.parse_args(argv)
    if args.latency:
        call_latency(args.models.split(",")[0])
        return 0

    from keras_vae.evaluation import binarized_test_set

    images, _ = binarized_test_set("mnist", args.data_dir)
    bits = images[: args.limit].astype(np.uint8)
    print(f"binarised MNIST test set (fixed binarisation, seed 0): {len(bits)} images, {bits.size} pixels, "
          f"{bits.mean():.4f} of them 1", flush=True)

    rows = []
    for name in [m for m in args.models.split(",") if m]:
        rows.append(run_bbans(name, bits, args.latent_bits))
        print(f"  done {rows[-1]['codec']}", flush=True)
    baselines = [
        ("gzip", stream_codec(gzip)), ("bz2", stream_codec(bz2)), ("lzma", stream_codec(lzma)),
        ("PNG", image_codec("PNG", optimize=True)), ("WebP", image_codec("WEBP", lossless=True, quality=100)),
    ]
    for name, codec in baselines:
        rows.append(run_baseline(name, codec, bits))

    print(f"\n{'codec':24s} {'bits/dim':>9s} {'net':>7s} {'ideal':>7s} {'-ELBO':>7s} {'paper':>6s} "
          f"{'exact':>6s} {'enc img/s':>10s} {'dec img/s':>10s}")
    for r in rows:
        paper = PAPER.get("BB-ANS" if r["codec"].startswith("bits-back") else r["codec"])
        cells = [f"{r['bits_per_dim']:9.4f}"]
        for key in ("net_bits_per_dim", "ideal_bits_per_dim", "neg_elbo_bits_per_dim"):
            cells.append(f"{r[key]:7.4f}" if key in r else f"{'':7s}")
        cells.append(f"{paper:6.2f}" if paper else f"{'':6s}")
        print(f"{r['codec']:24s} {' '.join(cells)} {str(r['exact']):>6s} {r['encode_images_per_s']:10.0f} "
              f"{r['decode_images_per_s']:10.0f}")
    for r in rows:
        if "net_bits_per_dim" in r:
            gap = 100 * (r["net_bits_per_dim"] / r["neg_elbo_bits_per_dim"] - 1)
            print(f"{r['codec']}: net rate {gap:+.2f}% vs the model's negative ELBO ({r['neg_elbo_nats']:.2f} nats); "
                  f"initial bits {r['initial_bits']}, container (header, checksum) {r['container_bytes']} bytes")
    if args.json:
        from keras_vae.files import write_text_atomic

        write_text_atomic(args.json, json.dumps({"images": len(bits), "rows": rows}, indent=2) + "\n")
    return 0 if all(r["exact"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
