"""Image grids written as PNG (for samples, reconstructions, manifolds)."""

import numpy as np


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
    import os
    from pathlib import Path

    from PIL import Image

    path = Path(path)
    tmp = path.with_name(path.name + ".partial.png")
    try:
        Image.fromarray(array, mode="RGB" if array.ndim == 3 else "L").save(tmp, format="PNG")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
