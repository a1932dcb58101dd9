"""Image grids written as PNG (for samples, reconstructions, manifolds)."""

from pathlib import Path

import numpy as np

from keras_vae.files import atomic_path


def grid(images, rows, cols, pad=1):
    """Tiles (n, h, w, c) images in [0, 1] into one uint8 array: (rows*h, cols*w) for grey, (..., 3) for RGB."""
    images = np.asarray(images)
    n, h, w = images.shape[:3]
    if n > rows * cols:
        raise ValueError(f"{n} images do not fit a {rows}x{cols} grid")
    rgb = images.ndim == 4 and images.shape[-1] == 3
    canvas = np.ones((rows * (h + pad) + pad, cols * (w + pad) + pad) + ((3,) if rgb else ()), "float32")
    for i in range(n):
        r, c = divmod(i, cols)
        canvas[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) : pad + c * (w + pad) + w] = (
            images[i] if rgb else images[i, ..., 0]
        )
    return (np.clip(canvas, 0, 1) * 255).round().astype("uint8")


def save_png(array, path):
    """Writes a uint8 grid as PNG via a temporary file renamed into place: never half a file."""
    from PIL import Image

    with atomic_path(path) as tmp:
        Image.fromarray(array, mode="RGB" if array.ndim == 3 else "L").save(tmp, format="PNG")
    return Path(path)
