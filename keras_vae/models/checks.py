"""Validation of user inputs at the models' public API boundary (eager, numpy-side).

The checks themselves are ``keras_vae.runtime.checks`` (numpy only), shared with the
TF-free runtime; this module applies them to a model's shapes. Errors are
``InputError``s (a ``ValueError``) that say what was expected and what came.
"""

import numpy as np

from keras_vae.runtime.checks import (
    InputError, batch_slices, check_array, check_non_negative_float, check_non_negative_int, check_positive_int,
    is_token_model,
)
from keras_vae.runtime.checks import check_labels as _check_labels

__all__ = [
    "InputError", "batch_slices", "check_array", "check_images", "check_labels", "check_latents",
    "check_model_inputs", "check_non_negative_float", "check_non_negative_int", "check_positive_int", "check_seed",
    "seed_generator", "check_not_empty",
    "check_sample_count", "check_importance_samples", "MAX_SEED", "is_token_model",
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


# Seeds are unsigned 32-bit integers everywhere (numpy, tf.random and Keras all take them).
MAX_SEED = 2**32 - 1


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
