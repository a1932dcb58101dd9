"""``keras-vae compress`` and ``keras-vae decompress``.

    keras-vae compress conv_mnist images.npy --out images.kvz
    keras-vae compress conv_mnist pngs/ --out images.kvz            # a folder of PNGs (0/255)
    keras-vae compress conv_mnist images.npy --out small.kvz --lossy-step 0.5
    keras-vae decompress conv_mnist images.kvz --out restored.npy   # or --out folder/

Wire into the main parser with ``add_parser(subparsers)``; handlers raise ValueError /
FileNotFoundError on bad input, which ``keras_vae.cli.main`` prints as one line.
"""

import io
import os
import tempfile
from pathlib import Path

import numpy as np

COMPRESS_HELP = "compress images losslessly with bits-back coding (or lossily with --lossy-step) into a .kvz file"
DECOMPRESS_HELP = "decompress a .kvz file with the model it was compressed with"


def read_images(path):
    """Images from a ``.npy`` file or a folder of PNG files (sorted by name, 0/255 -> 0/1).

    Raises:
        FileNotFoundError: a missing path.
        ValueError: an unreadable file, an empty folder, or PNGs of different sizes.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"input {path} does not exist")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".png")
        if not files:
            raise ValueError(f"no images to compress: folder {path} holds no .png files")
        from PIL import Image

        arrays = []
        for f in files:
            try:
                with Image.open(f) as im:
                    arrays.append(np.asarray(im.convert("L")))
            except OSError as e:
                raise ValueError(f"cannot read image {f}: {e}") from e
        if len({a.shape for a in arrays}) > 1:
            raise ValueError(f"the PNGs in {path} have different sizes: {sorted({a.shape for a in arrays})}")
        images = np.stack(arrays)[..., None]
        # Binary PNGs are 0/255; anything else stays 8-bit and is refused as such by the lossless codec.
        return (images // 255) if np.isin(images, (0, 255)).all() else images
    if path.suffix.lower() != ".npy":
        raise ValueError(f"input {path} must be a .npy file or a folder of .png files")
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot read {path} as a numpy array: {e}") from e


def write_images(images, out):
    """Writes ``images`` to a ``.npy`` file or a new folder of PNGs, atomically."""
    from keras_vae.files import write_bytes_atomic

    out = Path(out)
    if out.suffix.lower() == ".npy":
        buffer = io.BytesIO()
        np.save(buffer, images)
        write_bytes_atomic(out, buffer.getvalue())
        return
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"output folder {out} already exists and is not empty")
    from PIL import Image

    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    width = max(5, len(str(len(images) - 1)))
    pixels = np.clip(np.round(np.asarray(images, "float64") * 255), 0, 255).astype(np.uint8)
    for i, image in enumerate(pixels):
        Image.fromarray(image[..., 0], mode="L").save(stage / f"{i:0{width}d}.png")
    if out.exists():
        out.rmdir()
    os.replace(stage, out)


def _check_out(out, suffixes, what):
    if Path(out).suffix.lower() not in suffixes:
        raise ValueError(f"--out {out}: {what}")


def cmd_compress(args):
    from keras_vae.compression import compress
    from keras_vae.export.cli import load_source
    from keras_vae.files import write_bytes_atomic

    _check_out(args.out, {".kvz"}, "the compressed file's name must end in .kvz")
    images = read_images(args.input)
    model, recipe, _ = load_source(args.name)
    stats = {}
    blob = compress(model, images, name=recipe.name if recipe else None, latent_bits=args.latent_bits,
                    lossy_step=args.lossy_step, entropy_model=args.entropy_model, stats=stats)
    write_bytes_atomic(args.out, blob)
    n = len(images)
    dims = n * int(np.prod(model.image_shape))
    kind = "lossless, bits-back" if args.lossy_step is None else f"lossy, step {args.lossy_step}"
    print(f"compressed {n} images ({'x'.join(map(str, model.image_shape))}) into {args.out}: {len(blob)} bytes, "
          f"{8 * len(blob) / dims:.4f} bits/dim, {8 * len(blob) / n:.1f} bits/image ({kind})")


def cmd_decompress(args):
    from keras_vae.compression import decompress
    from keras_vae.export.cli import load_source

    path = Path(args.file)
    if not path.is_file():
        raise FileNotFoundError(f"compressed file {path} does not exist")
    if Path(args.out).suffix.lower() != ".npy" and Path(args.out).suffix:
        raise ValueError(f"--out {args.out}: give a .npy file or a folder (a path without a suffix)")
    data = path.read_bytes()
    from keras_vae.compression import container

    container.unpack(data)  # a corrupt or truncated file fails before the model is loaded
    model, recipe, _ = load_source(args.name)
    images = decompress(model, data, name=recipe.name if recipe else None)
    write_images(images, args.out)
    print(f"decompressed {len(images)} images to {args.out}")


def add_parser(subparsers):
    """Registers ``compress`` and ``decompress`` on an ``argparse`` subparsers object.

    Args:
        subparsers: the result of ``parser.add_subparsers()``.
    """
    from keras_vae.cli_args import positive_float, positive_int
    from keras_vae.compression.latents import DEFAULT_LATENT_BITS

    p = subparsers.add_parser("compress", help=COMPRESS_HELP, description=COMPRESS_HELP)
    p.add_argument("name", help="zoo name (shipped weights) or path to a .keras model")
    p.add_argument("input", help="a .npy array (n, h, w, 1) of 0/1 pixels, or a folder of 0/255 PNGs")
    p.add_argument("--out", required=True, help="the compressed file, *.kvz (written atomically)")
    p.add_argument("--latent-bits", type=positive_int, default=DEFAULT_LATENT_BITS,
                   help=f"lossless: bits per latent dimension (default {DEFAULT_LATENT_BITS})")
    p.add_argument("--lossy-step", type=positive_float, help="lossy: quantisation step of the posterior means (latent units)")
    p.add_argument("--entropy-model", choices=("fitted", "prior"), default="fitted",
                   help="lossy: code the means under Gaussians fitted to this batch (default) or under the prior")
    p.set_defaults(func=cmd_compress)

    p = subparsers.add_parser("decompress", help=DECOMPRESS_HELP, description=DECOMPRESS_HELP)
    p.add_argument("name", help="the zoo name or .keras model the file was compressed with")
    p.add_argument("file", help="a .kvz file")
    p.add_argument("--out", required=True, help="a .npy file, or a new folder of PNGs")
    p.set_defaults(func=cmd_decompress)
    return p
