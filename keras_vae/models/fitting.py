"""What ``VAE.fit`` adds to ``keras.Model.fit``: checked inputs and a guard against NaN.

``encode`` refuses an image batch of the wrong shape, dtype or range; ``fit`` does the
same, so a (n, 28, 28) array, uint8 pixels in 0..255 or values outside the likelihood's
range fail at once with the reason, instead of training to garbage. Numpy inputs are
checked in full; a ``tf.data.Dataset`` is checked by its ``element_spec`` (shape and
dtype; its values are not read, so a generator is not consumed).

A loss that turns NaN stops training at that batch (``keras.callbacks.TerminateOnNaN``
is added unless the caller passed one) and ``fit`` warns, naming the epoch: the weights
are then garbage and the run should be repeated with a lower learning rate.
"""

import warnings

import numpy as np

from keras_vae.models import checks


class DivergedWarning(RuntimeWarning):
    """``fit`` stopped because the loss became NaN or infinite."""


def _image_spec(spec):
    if isinstance(spec, dict):
        return spec.get("image")
    if isinstance(spec, (tuple, list)):
        return spec[0] if spec else None
    return spec


def check_dataset_spec(model, dataset):
    """Checks a dataset's image shape and dtype against ``model.image_shape``."""
    spec = _image_spec(dataset.element_spec)
    if spec is None or not hasattr(spec, "shape"):
        return
    shape = tuple(spec.shape)[1:]
    expected = tuple(model.image_shape)
    if len(shape) != len(expected) or any(s is not None and s != e for s, e in zip(shape, expected)):
        raise ValueError(
            f"fit: dataset batches must have shape (batch, {', '.join(map(str, expected))}), got "
            f"(batch, {', '.join('?' if s is None else str(s) for s in shape)}); is it batched (dataset.batch(n))?"
        )
    if not spec.dtype.is_floating:
        hint = " (map x -> tf.cast(x, 'float32') / 255.0 for uint8 pixels)" if spec.dtype.name == "uint8" else ""
        raise ValueError(f"fit: dataset images must be a floating dtype, got {spec.dtype.name}{hint}")


def check_fit_data(model, x, y):
    """Validates ``fit``'s ``x`` (and labels ``y``); returns the arrays to train on."""
    try:
        import tensorflow as tf

        if isinstance(x, tf.data.Dataset):
            check_dataset_spec(model, x)
            return x, y
    except ImportError:  # another Keras backend without TensorFlow installed
        pass
    if isinstance(x, (np.ndarray, list)):  # a tuple is Keras' (inputs, ...) structure: left to Keras
        x = checks.check_images(x, model.image_shape, model.likelihood.value_range)
        checks.check_not_empty(x)
        if y is not None or model.conditional:
            if not getattr(model, "labels_optional", False) or y is not None:
                y = checks.check_labels(y, model.num_classes, len(x))
    return x, y


def with_nan_guard(callbacks):
    """``callbacks`` plus ``TerminateOnNaN`` unless one is there already."""
    import keras

    callbacks = list(callbacks or [])
    if not any(isinstance(c, keras.callbacks.TerminateOnNaN) for c in callbacks):
        callbacks.append(keras.callbacks.TerminateOnNaN())
    return callbacks


def warn_if_diverged(history):
    """Warns (``DivergedWarning``) if the last recorded loss is NaN or infinite."""
    losses = (history.history or {}).get("loss") if history is not None else None
    if losses and not np.isfinite(losses[-1]):
        warnings.warn(
            f"fit stopped in epoch {len(losses)}: the loss became {losses[-1]}; the weights are no longer usable. "
            "Lower the learning rate (or the KL weight) and train again from a fresh model.",
            DivergedWarning,
            stacklevel=3,
        )
