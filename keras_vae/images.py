"""Image grids written as PNG (for samples, reconstructions, manifolds)."""

from pathlib import Path

import numpy as np

from keras_vae.files import atomic_path


def grid(images, rows, cols, pad=1):
    """Tiles (n, h, w, c) images in [0, 1] into one (rows*h, cols*w) uint8 array."""
    images = np.asarray(images)
    n, h, w = images.shape[:3]
    if n > rows * cols:
        raise ValueError(f"{n} images do not fit a {rows}x{cols} grid")
    canvas = np.ones((rows * (h + pad) + pad, cols * (w + pad) + pad), "float32")
    for i in range(n):
        r, c = divmod(i, cols)
        canvas[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) : pad + c * (w + pad) + w] = images[
            i, ..., 0
        ]
    return (np.clip(canvas, 0, 1) * 255).round().astype("uint8")


def save_png(array, path):
    """Writes a uint8 grid as PNG via a temporary file renamed into place: never half a file."""
    from PIL import Image

    with atomic_path(path) as tmp:
        Image.fromarray(array, mode="L").save(tmp, format="PNG")
    return Path(path)
