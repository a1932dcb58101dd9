"""Latent traversals: what each latent dimension draws, one dimension at a time.

A traversal fixes a base code ``z0`` (the posterior mean of one image, or the prior's mean
0), then, for each chosen dimension ``j``, decodes ``z0`` with ``z0[j]`` replaced by each of
``steps`` evenly spaced values from ``-limit`` to ``+limit``. Laid out as a grid, a row is
one dimension and a column one value; only dimension ``j`` changes along row ``j``.
This is the picture beta-VAE papers use to show disentangled factors (Higgins et al., 2017).

Which dimensions are worth a row: a dimension the encoder does not use has a posterior
equal to the prior for every image, so it carries no information and its row shows one
image repeated. The per-dimension KL, averaged over data, measures how much each
dimension is used:

    KL_j(x) = KL(q(z_j|x) || N(0, 1)) = 0.5 * (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)

with ``mu_j = z_mean[j]`` and ``sigma_j^2 = exp(z_log_var[j])`` from ``model.encode(x)``;
summed over ``j`` it is the KL term of the ELBO. ``mean_kl_per_dim`` averages it over
images (nats), ``rank_dims`` sorts dimensions by it (most informative first) and
``active_dims`` keeps those above a threshold (0.01 nats by default: on 500 MNIST test
images the shipped ``dense_mnist`` has three collapsed dimensions at about 1e-4 nats and
the rest above 0.02; every dimension of ``conv_mnist`` is above 0.07).

Example:
>>> from keras_vae.tasks import traversal
>>> grid = traversal.traverse(model, x=test_images[:1], data=test_images[:500])  # uint8 (rows, cols) picture
>>> traversal.save_png(grid, "traversal.png")
"""

import numpy as np

from keras_vae import images as images_lib
from keras_vae.images import save_png  # noqa: F401  (re-exported: atomic PNG writer)
from keras_vae.models import checks

DEFAULT_MAX_DIMS = 10
ACTIVE_THRESHOLD = 0.01  # nats of mean KL per dimension


def kl_per_dim(z_mean, z_log_var):
    """``0.5 * (mu^2 + exp(log_var) - 1 - log_var)`` elementwise: KL of each posterior dimension to N(0, 1)."""
    z_mean = np.asarray(z_mean, "float64")
    z_log_var = np.asarray(z_log_var, "float64")
    return 0.5 * (np.square(z_mean) + np.exp(z_log_var) - 1.0 - z_log_var)


def mean_kl_per_dim(model, x, labels=None, batch_size=512):
    """Mean over the images ``x`` of each dimension's KL(q(z_j|x) || N(0, 1)), in nats; shape (latent_dim,)."""
    z_mean, z_log_var = model.encode(x, labels, batch_size=batch_size)
    if len(z_mean) == 0:
        raise ValueError("mean_kl_per_dim needs at least one image")
    return kl_per_dim(z_mean, z_log_var).mean(axis=0)


def order_by_kl(kl):
    """Dimension indices sorted by ``kl`` (one value per dimension), largest first; ties by index."""
    return [int(j) for j in np.argsort(-np.asarray(kl), kind="stable")]


def rank_dims(model, x, labels=None, batch_size=512):
    """All latent dimensions, most informative first (by ``mean_kl_per_dim`` on ``x``; ties by index)."""
    return order_by_kl(mean_kl_per_dim(model, x, labels, batch_size))


def active_dims(model, x, labels=None, threshold=ACTIVE_THRESHOLD, batch_size=512):
    """Dimensions whose mean KL on ``x`` exceeds ``threshold`` nats, most informative first."""
    if not threshold >= 0:
        raise ValueError(f"threshold must be >= 0 nats, got {threshold!r}")
    kl = mean_kl_per_dim(model, x, labels, batch_size)
    return [j for j in order_by_kl(kl) if kl[j] > threshold]


def parse_dims(text):
    """``"0,3,7"`` -> ``[0, 3, 7]`` (for the command line)."""
    try:
        return [int(part) for part in str(text).split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"dims must be comma-separated integers such as 0,1,2; got {text!r}") from None


def check_dims(dims, latent_dim):
    if isinstance(dims, (int, np.integer)):
        dims = [dims]
    dims = list(dims)
    if not dims:
        raise ValueError("dims is empty: name at least one latent dimension")
    for j in dims:
        if isinstance(j, bool) or not isinstance(j, (int, np.integer)):
            raise ValueError(f"dims must be integers, got {j!r}")
        if not 0 <= j < latent_dim:
            raise ValueError(f"latent dimension {j} is out of range: this model's dims are 0..{latent_dim - 1}")
    if len(set(dims)) != len(dims):
        raise ValueError(f"dims must be distinct, got {dims}")
    return [int(j) for j in dims]


def check_steps(steps):
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 2:
        raise ValueError(f"steps must be an integer >= 2 (a traversal needs both ends), got {steps!r}")
    return int(steps)


def check_limit(limit):
    try:
        limit = float(limit)
    except (TypeError, ValueError):
        raise ValueError(f"limit must be a positive number, got {limit!r}") from None
    if not (np.isfinite(limit) and limit > 0):
        raise ValueError(f"limit must be a positive finite number, got {limit!r}")
    return limit


def traversal_values(steps=9, limit=3.0):
    """The ``steps`` values each traversed dimension takes: evenly spaced over [-limit, limit]."""
    limit = check_limit(limit)
    return np.linspace(-limit, limit, check_steps(steps)).astype("float32")


def traversal_latents(base, dims, steps=9, limit=3.0):
    """Codes of shape (len(dims) * steps, latent_dim): row i, column c has ``base`` with dim ``dims[i]`` = value c."""
    base = np.asarray(base, "float32").reshape(-1)
    dims = check_dims(dims, len(base))
    values = traversal_values(steps, limit)
    z = np.tile(base, (len(dims), len(values), 1))
    for row, j in enumerate(dims):
        z[row, :, j] = values
    return z.reshape(-1, len(base))


def _single_label(model, labels):
    """The one class a conditional traversal is drawn in (None for an unconditional model)."""
    if not model.conditional:
        if labels is not None:
            raise ValueError("labels are for conditional models; this model is unconditional")
        return None
    if labels is None:
        raise ValueError(f"this conditional model needs labels: the class, an integer in [0, {model.num_classes})")
    arr = np.asarray(labels).reshape(-1)
    if arr.size != 1:
        raise ValueError(f"a traversal is drawn in one class; got {arr.size} labels")
    return int(checks.check_labels(arr, model.num_classes, 1)[0])


def base_code(model, x=None, labels=None):
    """The code every traversal row starts from: the posterior mean of the one image ``x``, or zeros."""
    label = _single_label(model, labels)
    if x is None:
        return np.zeros(model.latent_dim, "float32"), label
    x = np.asarray(x)
    if x.ndim == len(model.image_shape):
        x = x[None]
    if x.ndim != len(model.image_shape) + 1 or len(x) != 1:
        raise ValueError(f"x must be one image of shape {model.image_shape} (or a batch of one), got {x.shape}")
    z_mean, _ = model.encode(x, None if label is None else [label])
    return z_mean[0], label


def traversal_images(model, x=None, labels=None, dims=None, steps=9, limit=3.0, data=None, data_labels=None,
                     max_dims=DEFAULT_MAX_DIMS):
    """Decoded traversals, shape (len(dims), steps, *image_shape), and the dims drawn (see ``traverse``)."""
    steps = check_steps(steps)
    limit = check_limit(limit)
    max_dims = checks.check_positive_int(max_dims, "max_dims")
    if dims is None:
        if data is not None:
            dims = rank_dims(model, data, data_labels)[:max_dims]
        else:
            dims = list(range(min(model.latent_dim, max_dims)))
    dims = check_dims(dims, model.latent_dim)
    base, label = base_code(model, x, labels)
    z = traversal_latents(base, dims, steps, limit)
    decoded = model.decode(z, None if label is None else np.full(len(z), label, "int32"))
    return decoded.reshape((len(dims), steps) + tuple(model.image_shape)), dims


def traverse(model, x=None, labels=None, dims=None, steps=9, limit=3.0, data=None, data_labels=None,
             max_dims=DEFAULT_MAX_DIMS):
    """A picture of latent traversals: one row per latent dimension, one column per value.

    Args:
        model: a keras_vae model.
        x: one image (``image_shape`` or a batch of one) whose posterior mean is the base
            code; None starts from z = 0, the prior's mean.
        labels: the class (one integer), for conditional models: it conditions both the
            encoding of ``x`` and every decoded image.
        dims: latent dimensions, one row each, in this order. None takes the ``max_dims``
            dimensions with the largest mean KL on ``data`` (most informative first) when
            ``data`` is given, else dimensions ``0 .. max_dims-1``.
        steps: columns: values from ``-limit`` to ``+limit`` (at least 2).
        limit: the traversal covers [-limit, limit] in each dimension (prior standard deviations).
        data: images (n, *image_shape) to rank dimensions on when ``dims`` is None.
        data_labels: their labels, for conditional models.
        max_dims: most rows drawn when ``dims`` is None.

    Returns:
        uint8 array of shape (rows * (h + 1) + 1, steps * (w + 1) + 1): white 1-pixel
        borders, as ``keras_vae.images.grid`` draws them; write it with ``save_png``.
    """
    decoded, _ = traversal_images(model, x, labels, dims, steps, limit, data, data_labels, max_dims)
    return to_grid(decoded)


def to_grid(decoded):
    """(rows, cols, h, w, c) images in [0, 1] -> one uint8 picture (``keras_vae.images.grid``)."""
    rows, cols = decoded.shape[:2]
    return images_lib.grid(decoded.reshape((rows * cols,) + decoded.shape[2:]), rows, cols)
