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
    """Returns ``z`` as float32 of shape (batch, latent_dim); NaN or inf is refused.

    A NaN latent decodes to a NaN image that a PNG writer silently turns into black.
    """
    arr = _as_array(z, "latents")
    if arr.ndim != 2 or arr.shape[1] != latent_dim:
        raise ValueError(f"latents must have shape (batch, {latent_dim}), got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(f"latents must be a floating dtype, got {arr.dtype}")
    arr = arr.astype("float32", copy=False)
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr).all(axis=1)))
        raise ValueError(f"latents contain NaN or infinite values ({bad} of {len(arr)} rows)")
    return arr


# Seeds are unsigned 32-bit integers everywhere (numpy, tf.random and Keras all take them).
MAX_SEED = 2**32 - 1


def check_positive_int(value, name, maximum=None, why=""):
    """``value`` as int if it is an integer in ``[1, maximum]``.

    Args:
        value: the number to check.
        name: how the error names it (an argument or a CLI flag).
        maximum: largest accepted value (None: no limit).
        why: what the limit protects, appended to the error (``"memory"``).
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={value} is too large: at most {maximum:,}{f' ({why})' if why else ''}")
    return int(value)


def check_seed(seed, name="seed"):
    """``seed`` as int in ``[0, 2**32 - 1]``, None, or a ``keras.random.SeedGenerator``.

    A generator passes through, so that a caller splitting one long job into calls
    (``keras_vae.evaluation`` does, to show progress) draws the same noise as one call.
    """
    if seed is None or type(seed).__name__ == "SeedGenerator":
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"{name} must be an integer in [0, {MAX_SEED}], got {seed!r}")
    return int(seed)


def seed_generator(seed):
    """A ``keras.random.SeedGenerator`` from a checked seed (a generator is returned as is)."""
    import keras

    seed = check_seed(seed)
    return seed if isinstance(seed, keras.random.SeedGenerator) else keras.random.SeedGenerator(seed)


def check_not_empty(x, name="images"):
    """Refuses a batch of zero examples where the result would be meaningless (a mean, a figure)."""
    if len(x) == 0:
        raise ValueError(f"{name} is an empty batch: pass at least one example")
    return x


# Largest result the inference API materialises at once (float32 bytes); beyond it a
# call would exhaust memory long before returning, so it is refused up front.
MAX_RESULT_BYTES = 4 * 2**30
# Most importance samples per example: k decoder passes each, far beyond any useful bound.
MAX_IMPORTANCE_SAMPLES = 10**6


def check_sample_count(n, image_shape, name="n"):
    """``n`` images of ``image_shape`` must fit in ``MAX_RESULT_BYTES`` of float32."""
    per_image = 4 * int(np.prod(image_shape))
    return check_positive_int(
        n, name, maximum=MAX_RESULT_BYTES // per_image,
        why=f"{per_image * int(n) / 2**30:.3g} GiB of images; draw them in several calls" if isinstance(n, int) else "",
    )


def check_importance_samples(k, name="k"):
    return check_positive_int(k, name, maximum=MAX_IMPORTANCE_SAMPLES, why="k decoder passes per example")


def check_model_inputs(model, x, labels):
    """Images and labels for ``model``'s inference API: ``(float32 images, int32 labels or None)``."""
    x = check_images(x, model.image_shape, model.likelihood.value_range)
    return x, check_labels(labels, model.num_classes, len(x))


def batch_slices(n, batch_size):
    """Slices covering ``range(n)`` in steps of ``batch_size``."""
    batch_size = check_positive_int(batch_size, "batch_size")
    return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
