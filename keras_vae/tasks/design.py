"""Generative design in latent space: new items of a class, blends of two items, attribute edits.

Three operations over a trained model's latent space, each returning decoded images
(the decoder's mean, pixel probabilities for a Bernoulli model):

- ``class_samples``: draws z ~ N(0, I) and decodes it under a chosen class
  (a conditional model, e.g. ``cvae_fashion_mnist``).
- ``interpolate``: decodes points on the path between two items' posterior means,
  spherical (slerp, the default: it keeps the norm a Gaussian prior's samples have) or
  linear (lerp).
- ``attribute_direction`` / ``apply_direction``: the difference of the mean codes of two
  groups of items (e.g. two classes: "shirt minus t-shirt", "ankle boot minus sneaker")
  is a direction in latent space; adding multiples of it to an item's code moves the
  item towards the second group while keeping what the code holds besides (White 2016).

Example:
>>> model = keras_vae.zoo.load("conv_fashion_mnist")
>>> path = interpolate(model, x_test[0], x_test[1], steps=8)        # (8, 28, 28, 1)
>>> d = attribute_direction(model, x_train[y_train == 7], x_train[y_train == 9])
>>> edits = apply_direction(model, x_test[0], d, strengths=[0, 0.5, 1.0])
"""

import numpy as np

from keras_vae.models import checks


def class_samples(model, classes, per_class=8, seed=0, temperature=1.0):
    """``per_class`` samples of each class in ``classes``, class by class: (len(classes) * per_class, h, w, c).

    Args:
        model: a conditional keras_vae model.
        classes: class ids to draw.
        per_class: samples per class.
        seed: seed of the latent draws (the same z for every class, so a column shares its style).
        temperature: scale of z's standard deviation (below 1 trades variety for typical items).
    """
    if not model.conditional:
        raise ValueError("class-conditional samples need a conditional model (e.g. cvae_fashion_mnist)")
    per_class = checks.check_positive_int(per_class, "per_class")
    classes = checks.check_labels(classes, model.num_classes, None)
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature!r}")
    z = np.random.default_rng(seed).standard_normal((per_class, model.latent_dim)).astype("float32") * temperature
    z = np.tile(z, (len(classes), 1))
    labels = np.repeat(classes, per_class)
    return model.decode(z, labels)


def _codes(model, images, labels=None):
    z_mean, _ = model.encode(images, labels)
    return z_mean


def _path(a, b, steps, method):
    t = np.linspace(0.0, 1.0, steps, dtype="float64")[:, None]
    a, b = a.astype("float64"), b.astype("float64")
    if method == "lerp":
        return ((1 - t) * a + t * b).astype("float32")
    if method != "slerp":
        raise ValueError(f"unknown interpolation {method!r}; expected 'slerp' or 'lerp'")
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    cos = np.clip(np.dot(a, b) / max(na * nb, 1e-12), -1.0, 1.0)
    omega = np.arccos(cos)
    if omega < 1e-6:  # (anti)parallel codes: slerp degenerates to lerp
        return ((1 - t) * a + t * b).astype("float32")
    return ((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)).astype("float32")


def interpolate(model, image_a, image_b, steps=8, method="slerp", label=None):
    """Decoded images on the latent path from ``image_a`` to ``image_b`` (both ends included).

    Args:
        model: a keras_vae model.
        image_a, image_b: two images (h, w, c) in [0, 1].
        steps: images on the path (>= 2).
        method: ``"slerp"`` (spherical) or ``"lerp"`` (straight line).
        label: conditional models only: the class both items are encoded and decoded under.

    Returns:
        ``(steps, h, w, c)`` images, the first close to ``image_a``'s reconstruction, the last to ``image_b``'s.
    """
    steps = checks.check_positive_int(steps, "steps")
    if steps < 2:
        raise ValueError(f"steps must be >= 2 (both ends), got {steps}")
    pair = np.stack([np.asarray(image_a), np.asarray(image_b)])
    labels = None if label is None else [label, label]
    za, zb = _codes(model, pair, labels)
    path = _path(za, zb, steps, method)
    return model.decode(path, None if label is None else np.full(steps, label))


def attribute_direction(model, images_from, images_to, labels_from=None, labels_to=None):
    """The latent direction from one group of items to another: mean code of ``images_to`` minus ``images_from``.

    Args:
        model: a keras_vae model (unconditional, or conditional with the groups' labels).
        images_from, images_to: (n, h, w, c) images in [0, 1], e.g. the training items of two classes.

    Returns:
        A (latent_dim,) float32 vector.
    """
    a = _codes(model, images_from, labels_from)
    b = _codes(model, images_to, labels_to)
    if len(a) == 0 or len(b) == 0:
        raise ValueError("attribute_direction needs at least one image in each group")
    return (b.mean(axis=0) - a.mean(axis=0)).astype("float32")


def apply_direction(model, image, direction, strengths=(0.0, 0.25, 0.5, 0.75, 1.0), label=None):
    """Decodes ``z_mean(image) + s * direction`` for each strength ``s``: (len(strengths), h, w, c).

    ``s = 0`` is the item's reconstruction; ``s = 1`` moves its code by the whole mean
    difference between the two groups the direction was measured on.
    """
    direction = checks.check_latents(np.asarray(direction)[None], model.latent_dim)[0]
    strengths = np.asarray(strengths, "float32")
    if strengths.ndim != 1 or len(strengths) == 0 or not np.all(np.isfinite(strengths)):
        raise ValueError(f"strengths must be a non-empty list of finite numbers, got {strengths!r}")
    z = _codes(model, np.asarray(image)[None], None if label is None else [label])[0]
    codes = z[None] + strengths[:, None] * direction[None]
    return model.decode(codes, None if label is None else np.full(len(codes), label))
