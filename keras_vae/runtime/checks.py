"""The one set of input checks of keras_vae: numpy and the standard library only.

The Keras models (``keras_vae.models.checks``) and the TF-free runtime
(``ExportedVAE``) both validate with these functions, so ``model.decode(z, labels)``
and ``ExportedVAE(...).decode(z, labels)`` refuse the same inputs with the same words.
They live in ``keras_vae.runtime`` because that package is also shipped alone as
``keras-vae-runtime``, which holds no other keras_vae module.

A runtime given a wrong array either fails with an opaque message (onnxruntime's
"Got invalid dimensions for input: image ...") or, worse, silently computes garbage
(a uint8 image in [0, 255] passed to a Bernoulli decoder); a model would train on it.
"""

import math

import numpy as np


class InputError(ValueError):
    """An input is not what the model or export takes (shape, dtype, value range, labels, counts)."""


def _as_array(value, what, expected=""):
    if isinstance(value, (str, bytes)):
        raise InputError(f"{what} must be an array, got {type(value).__name__}{expected}")
    try:
        return np.asarray(value)
    except Exception as e:  # noqa: BLE001 - anything numpy cannot turn into an array
        raise InputError(f"{what} must be array-like, got {type(value).__name__}{expected}") from e


def _shape_text(example_shape):
    return "(" + ", ".join(["batch"] + [str(d) for d in example_shape]) + ")"


def check_array(value, example_shape, what, value_range=None):
    """``value`` as a contiguous float32 array of shape (batch, *example_shape).

    Args:
        value: array-like.
        example_shape: shape of one example (no batch axis), e.g. ``(28, 28, 1)``.
        what: name used in error messages (``"images"``, ``"z"``).
        value_range: (low, high) the values must lie in, or None.

    Raises:
        InputError: a missing batch axis, a wrong shape, a non-floating dtype, NaN/inf,
            or values out of range.

    Example:
    >>> check_array(np.zeros((2, 3)), (3,), "z").dtype
    dtype('float32')
    """
    example_shape = tuple(example_shape)
    expected = _shape_text(example_shape)
    arr = _as_array(value, what, f"; expected shape {expected}")
    if arr.shape == example_shape:
        raise InputError(
            f"{what} must have a batch axis: expected shape {expected}, got {arr.shape}; "
            "use x[None] for a single example"
        )
    if arr.ndim != len(example_shape) + 1 or arr.shape[1:] != example_shape:
        raise InputError(f"{what} must have shape {expected}, got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        hint = " (scale uint8 pixels with x / 255.0)" if arr.dtype == np.uint8 else ""
        raise InputError(f"{what} must have a floating dtype, got {arr.dtype}{hint}")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{what} contain NaN or infinite values")
    if value_range is not None and arr.size:
        lo, hi = value_range
        amin, amax = float(arr.min()), float(arr.max())
        if amin < lo or amax > hi:
            hint = " (8-bit pixels? scale them with x / 255.0)" if hi == 1 and 1 < amax <= 255 else ""
            raise InputError(
                f"{what}: values must lie in [{lo:g}, {hi:g}], got values in [{amin:.4g}, {amax:.4g}]{hint}"
            )
    return arr


def check_labels(labels, num_classes, batch_size, subject="model"):
    """Labels as an int32 array of shape (batch,) in [0, num_classes), or None.

    Args:
        labels: array-like of class ids, or None for an unconditional model.
        num_classes: the model's ``num_classes`` (None: unconditional).
        batch_size: number of examples the labels go with (None: any).
        subject: ``"model"`` or ``"export"``, for the messages.

    Raises:
        InputError: labels given to an unconditional model or missing for a conditional
            one, a wrong shape or count, non-integer values, or ids out of range.
    """
    if num_classes is None:
        if labels is not None:
            raise InputError(f"this {subject} is unconditional and takes no labels")
        return None
    if labels is None:
        raise InputError(f"this conditional {subject} needs labels: integers in [0, {num_classes}), one per example")
    arr = _as_array(labels, "labels")
    if arr.ndim == 2 and arr.shape[-1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise InputError(f"labels must have shape (batch,), got {arr.shape}; e.g. np.full(n, label)")
    if batch_size is not None and arr.shape[0] != batch_size:
        raise InputError(f"got {arr.shape[0]} labels for {batch_size} examples")
    if np.issubdtype(arr.dtype, np.floating):
        # Integral floats are accepted.
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise InputError(f"labels must be integers, got non-integer {arr.dtype} values")
    elif arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise InputError(f"labels must be integers, got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        raise InputError(f"labels must lie in [0, {num_classes}), got values in [{arr.min():g}, {arr.max():g}]")
    return arr.astype(np.int32)


def check_positive_int(value, name="n", maximum=None, why=""):
    """A positive Python int (bools and floats are refused), at most ``maximum`` if given.

    Args:
        value: the number to check.
        name: how the error names it (an argument or a CLI flag).
        maximum: largest accepted value (None: no limit).
        why: what the limit protects, appended to the error (``"memory"``).

    Example:
    >>> check_positive_int(3, "k")
    3
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError(f"{name} must be a positive integer, got {value!r}")
    if maximum is not None and value > maximum:
        raise InputError(f"{name}={value} is too large: at most {maximum:,}{f' ({why})' if why else ''}")
    return int(value)


def check_non_negative_int(value, name):
    """A Python int >= 0 (bools and floats are refused).

    Example:
    >>> check_non_negative_int(0, "m1_epochs")
    0
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise InputError(f"{name} must be an integer >= 0, got {value!r}")
    return int(value)


def check_non_negative_float(value, name):
    """A finite number >= 0 as a float (bools, strings, NaN and infinities are refused).

    Example:
    >>> check_non_negative_float(0.1, "alpha")
    0.1
    """
    ok = not isinstance(value, (bool, str)) and isinstance(value, (int, float, np.integer, np.floating))
    if not ok or not (math.isfinite(float(value)) and value >= 0):
        raise InputError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def batch_slices(n, batch_size):
    """Slices covering ``range(n)`` in steps of ``batch_size`` (a positive int)."""
    batch_size = check_positive_int(batch_size, "batch_size")
    return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]


def is_token_model(model):
    """True for a model (or model class) whose data is token ids (``data_kind == "tokens"``: SequenceVAE), not images."""
    return getattr(model, "data_kind", "images") == "tokens"
