"""Validation of user inputs at the public API boundary (eager, numpy-side).

Errors say what was expected and what came, so a wrong call fails loudly instead of
training on garbage or returning a silently wrong likelihood.
"""

import numpy as np


def _as_array(value, what):
    try:
        return np.asarray(value)
    except Exception as e:  # noqa: BLE001 - anything not array-like
        raise ValueError(f"{what} must be array-like, got {type(value).__name__}") from e


def check_images(x, image_shape, value_range=None):
    """Returns ``x`` as float32 of shape (batch, *image_shape) after validation."""
    arr = _as_array(x, "images")
    expected = (None,) + tuple(image_shape)
    if arr.ndim == len(image_shape) and arr.shape == tuple(image_shape):
        raise ValueError(
            f"images must have a batch axis: expected shape (batch, {', '.join(map(str, image_shape))}), "
            f"got {arr.shape}; use x[None] for a single image"
        )
    if arr.ndim != len(expected) or arr.shape[1:] != tuple(image_shape):
        raise ValueError(f"images must have shape (batch, {', '.join(map(str, image_shape))}), got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        hint = " (scale uint8 pixels with x / 255.0)" if arr.dtype == np.uint8 else ""
        raise ValueError(f"images must be a floating dtype, got {arr.dtype}{hint}")
    arr = arr.astype("float32", copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError("images contain NaN or infinite values")
    if value_range is not None and arr.size:
        lo, hi = value_range
        amin, amax = float(arr.min()), float(arr.max())
        if amin < lo or amax > hi:
            raise ValueError(f"image values must lie in [{lo}, {hi}], got values in [{amin:.4g}, {amax:.4g}]")
    return arr


def check_labels(labels, num_classes, batch_size):
    """Returns integer labels of shape (batch,) in [0, num_classes)."""
    if num_classes is None:
        if labels is not None:
            raise ValueError("this model is unconditional and takes no labels")
        return None
    if labels is None:
        raise ValueError(f"this conditional model needs labels: integers in [0, {num_classes})")
    arr = _as_array(labels, "labels")
    if arr.ndim == 2 and arr.shape[-1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"labels must have shape (batch,), got {arr.shape}")
    if batch_size is not None and arr.shape[0] != batch_size:
        raise ValueError(f"got {arr.shape[0]} labels for {batch_size} inputs")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"labels must be integers, got non-integer {arr.dtype} values")
    elif not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"labels must be integers, got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes}), got values in [{arr.min()}, {arr.max()}]")
    return arr.astype("int32")


def check_latents(z, latent_dim):
    arr = _as_array(z, "latents")
    if arr.ndim != 2 or arr.shape[1] != latent_dim:
        raise ValueError(f"latents must have shape (batch, {latent_dim}), got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(f"latents must be a floating dtype, got {arr.dtype}")
    return arr.astype("float32", copy=False)


def check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_model_inputs(model, x, labels):
    """Images and labels for ``model``'s inference API: ``(float32 images, int32 labels or None)``."""
    x = check_images(x, model.image_shape, model.likelihood.value_range)
    return x, check_labels(labels, model.num_classes, len(x))


def batch_slices(n, batch_size):
    """Slices covering ``range(n)`` in steps of ``batch_size``."""
    batch_size = check_positive_int(batch_size, "batch_size")
    return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
