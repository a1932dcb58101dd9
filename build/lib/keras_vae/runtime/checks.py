"""Checks of the arrays fed to an exported graph, against the manifest.

A runtime given a wrong array either fails with an opaque message (onnxruntime's
"Got invalid dimensions for input: image ...") or, worse, silently computes garbage
(a uint8 image in [0, 255] passed to a Bernoulli decoder). These checks run first and
say what was expected, mirroring ``keras_vae.models.checks`` so that code written for
``model.decode(z, labels)`` behaves the same on an export.
"""

import numpy as np


class InputError(ValueError):
    """An input does not match the export's manifest (shape, dtype, value range, labels)."""


def _as_array(value, what):
    if isinstance(value, (str, bytes)):
        raise InputError(f"{what} must be an array, got {type(value).__name__}")
    try:
        return np.asarray(value)
    except Exception as e:  # noqa: BLE001 - anything numpy cannot turn into an array
        raise InputError(f"{what} must be array-like, got {type(value).__name__}") from e


def _shape_text(shape):
    return "(" + ", ".join("batch" if d is None else str(d) for d in shape) + ")"


def check_float(value, spec, what, value_range=None):
    """``value`` as a float32 array of ``spec``'s shape (any batch size).

    Args:
        value: array-like.
        spec: the ``TensorSpec`` from the manifest.
        what: name used in error messages (``"images"``, ``"z"``).
        value_range: (low, high) the values must lie in, or None.

    Raises:
        InputError: wrong shape, a non-floating dtype, NaN/inf, or values out of range.
    """
    arr = _as_array(value, what)
    fixed = tuple(spec.shape[1:])
    if arr.shape == fixed:
        raise InputError(
            f"{what} must have a batch axis: expected shape {_shape_text(spec.shape)}, got {arr.shape}; "
            f"use x[None] for a single example"
        )
    if arr.ndim != len(spec.shape) or arr.shape[1:] != fixed:
        raise InputError(f"{what} must have shape {_shape_text(spec.shape)}, got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        hint = " (scale uint8 pixels with x / 255.0)" if arr.dtype == np.uint8 else ""
        raise InputError(f"{what} must have a floating dtype (the graph takes float32), got {arr.dtype}{hint}")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{what} contain NaN or infinite values")
    if value_range is not None and arr.size:
        lo, hi = value_range
        amin, amax = float(arr.min()), float(arr.max())
        if amin < lo or amax > hi:
            raise InputError(f"{what} values must lie in [{lo:g}, {hi:g}], got values in [{amin:.4g}, {amax:.4g}]")
    return arr


def check_labels(labels, num_classes, batch_size):
    """Labels as an int32 array of shape (batch,) in [0, num_classes), or None.

    Args:
        labels: array-like of class ids, or None for an unconditional model.
        num_classes: the manifest's ``num_classes`` (None: unconditional).
        batch_size: number of examples the labels go with.

    Raises:
        InputError: labels given to an unconditional model or missing for a conditional
            one, a wrong shape or count, non-integer values, or ids out of range.
    """
    if num_classes is None:
        if labels is not None:
            raise InputError("this export is unconditional and takes no labels")
        return None
    if labels is None:
        raise InputError(f"this conditional export needs labels: integers in [0, {num_classes}), one per example")
    arr = _as_array(labels, "labels")
    if arr.ndim == 2 and arr.shape[-1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise InputError(f"labels must have shape (batch,), got {arr.shape}; e.g. np.full(n, label)")
    if arr.shape[0] != batch_size:
        raise InputError(f"got {arr.shape[0]} labels for {batch_size} examples")
    if np.issubdtype(arr.dtype, np.floating):
        # Integral floats are accepted, as by the Keras model's own API.
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise InputError(f"labels must be integers, got non-integer {arr.dtype} values")
    elif arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise InputError(f"labels must be integers, got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        raise InputError(f"labels must lie in [0, {num_classes}), got values in [{arr.min():g}, {arr.max():g}]")
    return arr.astype(np.int32)


def check_count(n, name="n"):
    """A positive Python int (bools and floats are refused)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"{name} must be a positive integer, got {n!r}")
    return int(n)
