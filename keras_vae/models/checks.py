"""Validation of user inputs at the models' public API boundary (eager, numpy-side).

The checks themselves are ``keras_vae.runtime.checks`` (numpy only), shared with the
TF-free runtime; this module applies them to a model's shapes. Errors are
``InputError``s (a ``ValueError``) that say what was expected and what came.
"""

from keras_vae.runtime.checks import InputError, batch_slices, check_array, check_positive_int
from keras_vae.runtime.checks import check_labels as _check_labels

__all__ = [
    "InputError", "batch_slices", "check_array", "check_images", "check_labels", "check_latents",
    "check_model_inputs", "check_positive_int",
]


def check_images(x, image_shape, value_range=None):
    """``x`` as float32 of shape (batch, *image_shape), finite and within ``value_range``."""
    return check_array(x, image_shape, "images", value_range)


def check_labels(labels, num_classes, batch_size):
    """Integer labels of shape (batch,) in [0, num_classes), or None for an unconditional model."""
    return _check_labels(labels, num_classes, batch_size, subject="model")


def check_latents(z, latent_dim):
    """Latent points as finite float32 of shape (batch, latent_dim)."""
    return check_array(z, (latent_dim,), "latents")


def check_model_inputs(model, x, labels):
    """Images and labels for ``model``'s inference API: ``(float32 images, int32 labels or None)``."""
    x = check_images(x, model.image_shape, model.likelihood.value_range)
    return x, check_labels(labels, model.num_classes, len(x))
