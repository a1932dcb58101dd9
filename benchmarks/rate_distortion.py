"""Lossy coding with a VAE's quantised latents against JPEG and WebP: rate (bits/image) vs distortion.

    nice -n 15 python benchmarks/rate_distortion.py --data-dir ../shared/data/mnist \\
        --plot docs/compression_rate_distortion.png

Data: the evaluation's fixed binarisation of the MNIST test split (seed 0), all 10,000
images unless ``--limit``. Distortion is measured against those binary images, since the
binarised models describe binary data and that is what was coded: mean squared error over
pixels in [0, 1] and PSNR = 10 log10(1 / MSE). Every codec sees the same images. A second
figure, PSNR against the grey-level originals the binary images were drawn from (their
pixel-wise expectation), is printed and plotted beside it: it shows how much of each
reconstruction is digit rather than binarisation noise.

Rows:
    VAE (``keras_vae.compression.compress(..., lossy_step=s)``): the posterior means rounded
        to a grid of step s, entropy-coded under Gaussians fitted to the batch ("fitted") or
        under the N(0, 1) prior ("prior"), decoded to the decoder's mean image (pixel
        probabilities). Rate: every byte of the .kvz file (header included) / images.
    VAE unquantised: the decoder's mean image at the exact posterior mean (the distortion
        floor of the latent codes, at an unbounded rate; printed, not plotted).
    JPEG (Pillow, greyscale 0/255, quality q): rate from the image-only stream
        (``streamtype=2``: quantisation and Huffman tables shared by all images, as the
        VAE's weights are), and, for reference, from the full JFIF file.
    WebP lossy (Pillow, quality q, method 6): the whole file per image.
"""

import argparse
import io
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

STEPS = (2.0, 1.5, 1.0, 0.7, 0.5, 0.35, 0.25, 0.15, 0.1, 0.05)
JPEG_QUALITIES = (1, 5, 10, 20, 30, 50, 75, 90, 95)
WEBP_QUALITIES = (0, 5, 10, 20, 30, 50, 75, 90, 100)


def distortion(recon, images, grey):
    """Figures of one reconstruction: MSE and PSNR against the binary images and the grey originals."""
    recon = np.asarray(recon, "float64")
    mse = float(np.mean((recon - images) ** 2))
    mse_grey = float(np.mean((recon - grey) ** 2))
    return {"mse": mse, "psnr": float(10 * np.log10(1.0 / mse)), "mse_grey": mse_grey,
            "psnr_grey": float(10 * np.log10(1.0 / mse_grey))}


def pillow_rows(images, grey, fmt, qualities, **params):
    from PIL import Image

    rows = []
    pixels = (images[..., 0] * 255).astype(np.uint8)
    for q in qualities:
        sizes, short, recon = 0, 0, []
        for image in pixels:
            im = Image.fromarray(image, mode="L")
            buffer = io.BytesIO()
            im.save(buffer, format=fmt, quality=q, **params)
            sizes += len(buffer.getvalue())
            if fmt == "JPEG":
                only = io.BytesIO()
                im.save(only, format=fmt, quality=q, streamtype=2, **params)
                short += len(only.getvalue())
            recon.append(np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("L"), "float64") / 255)
        row = {"codec": fmt if fmt == "JPEG" else "WebP", "setting": f"quality {q}",
               **distortion(np.stack(recon)[..., None], images, grey),
               "bits_per_image": 8 * (short or sizes) / len(images)}
        if fmt == "JPEG":
            row["file_bits_per_image"] = 8 * sizes / len(images)
        rows.append(row)
    return rows


def vae_rows(name, images, grey, steps):
    from keras_vae import zoo
    from keras_vae.compression import compress, decompress

    model = zoo.load(name)
    rows = []
    for entropy_model in ("fitted", "prior"):
        for step in steps:
            blob = compress(model, images, name=name, lossy_step=step, entropy_model=entropy_model)
            rows.append({"codec": f"VAE {name} ({entropy_model})", "setting": f"step {step}",
                         **distortion(decompress(model, blob, name=name), images, grey),
                         "bits_per_image": 8 * len(blob) / len(images)})
    floor = {"codec": f"VAE {name} unquantised", "setting": "exact z_mean",
             **distortion(model.reconstruct(images), images, grey), "bits_per_image": float("inf")}
    return rows, floor


def plot(rows, path, count):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from keras_vae.files import write_bytes_atomic

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    codecs = list(dict.fromkeys(r["codec"] for r in rows if np.isfinite(r["bits_per_image"])))
    for ax, key, target in ((axes[0], "psnr", "the binary images coded"), (axes[1], "psnr_grey", "the grey originals")):
        for codec in codecs:
            pts = sorted((r["bits_per_image"], r[key]) for r in rows if r["codec"] == codec)
            ax.plot(*zip(*pts), marker="o", markersize=3, label=codec)
        jpeg_files = sorted((r["file_bits_per_image"], r[key]) for r in rows if "file_bits_per_image" in r)
        ax.plot(*zip(*jpeg_files), marker="o", markersize=3, linestyle=":", label="JPEG (whole JFIF file)")
        ax.set_xscale("log")
        ax.set_xlabel("rate (bits per image, log scale)")
        ax.set_ylabel(f"PSNR (dB) against {target}")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Lossy coding of {count} binarised MNIST test images (fixed binarisation, seed 0)")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    write_bytes_atomic(path, buffer.getvalue())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", help="folder of the MNIST files (or $KERAS_VAE_DATA_DIR)")
    parser.add_argument("--model", default="conv_mnist")
    parser.add_argument("--limit", type=int, help="first N test images only (default: all 10,000)")
    parser.add_argument("--plot", help="write the rate-distortion plot (PNG) here")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    from keras_vae import data
    from keras_vae.evaluation import binarized_test_set

    images, _ = binarized_test_set("mnist", args.data_dir)
    grey, _ = data.load_images("mnist", "test", args.data_dir)  # the same order, grey levels in [0, 1]
    images, grey = images[: args.limit], grey[: args.limit].astype("float64")
    rows, floor = vae_rows(args.model, images, grey, STEPS)
    rows += pillow_rows(images, grey, "JPEG", JPEG_QUALITIES)
    rows += pillow_rows(images, grey, "WEBP", WEBP_QUALITIES, method=6)
    print(f"{len(images)} binarised MNIST test images; distortion against the binary images and the grey originals\n")
    print(f"{'codec':30s} {'setting':14s} {'bits/image':>10s} {'MSE':>8s} {'PSNR dB':>8s} {'grey PSNR':>9s}")
    for r in rows + [floor]:
        extra = f"  (whole file {r['file_bits_per_image']:.0f})" if "file_bits_per_image" in r else ""
        print(f"{r['codec']:30s} {r['setting']:14s} {r['bits_per_image']:10.1f} {r['mse']:8.4f} {r['psnr']:8.2f} "
              f"{r['psnr_grey']:9.2f}{extra}")
    if args.plot:
        plot(rows, args.plot, len(images))
        print(f"\nwrote {args.plot}")
    if args.json:
        from keras_vae.files import write_text_atomic

        write_text_atomic(args.json, json.dumps({"images": len(images), "rows": rows + [floor]}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
