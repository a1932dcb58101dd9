"""Per-graph inputs ({input name: array}) built from a batch of images and labels.

The decoder and the scorer need more than images: latents and noise. They are derived
from the images through the Keras encoder, so every graph is fed values from the data
distribution rather than arbitrary numbers.
"""

import numpy as np

# Examples of the second verification feed: a batch size other than the first one
# checks the dynamic (or resizable) batch axis of every artifact.
RESIZE_EXAMPLES = 3


def _with_label(feed, labels):
    if labels is not None:
        feed["label"] = np.asarray(labels, "int32")
    return feed


def graph_feeds(graphs, images, labels, noise, decoder_z):
    """Inputs of every graph for one batch.

    Args:
        graphs: {name: ``graphs.Graph``}.
        images: float32 images (batch, h, w, c).
        labels: int32 labels (batch,), or None for an unconditional model.
        noise: the scorer's noise (batch, latent_dim).
        decoder_z: the decoder's latents (batch, latent_dim).

    Returns:
        {graph name: {input name: array}} for the graphs in ``graphs`` (a family without
        a decoder graph gets no decoder feed).
    """
    images = np.asarray(images, "float32")
    feeds = {
        "encoder": _with_label({"image": images}, labels),
        "decoder": _with_label({"z": np.asarray(decoder_z, "float32")}, labels),
        "scorer": {**_with_label({"image": images}, labels), "noise": np.asarray(noise, "float32")},
    }
    return {name: feed for name, feed in feeds.items() if name in graphs}


def _posterior(graphs, images, labels):
    out = graphs["encoder"].reference(_with_label({"image": np.asarray(images, "float32")}, labels))
    return out["z_mean"], out["z_log_var"]


def verification_feeds(graphs, images, labels, seed=0):
    """Two fixed feeds per graph for comparing an artifact with Keras.

    The first is the whole batch with the scorer at the posterior mean (zero noise) and
    the decoder at the encoder's z_mean: its mean score is the figure quantised variants
    report. The second is ``RESIZE_EXAMPLES`` examples with N(0, I) noise and prior
    latents, which exercises the noise path and a different batch size.

    Args:
        graphs: {name: ``graphs.Graph``}.
        images: the verification images.
        labels: their labels, or None.
        seed: seed of the noise and prior draws.

    Returns:
        a list of two {graph name: feed} dicts.
    """
    z_mean, _ = _posterior(graphs, images, labels)
    rng = np.random.default_rng(seed)
    n = min(RESIZE_EXAMPLES, len(images))
    draws = rng.standard_normal((2, n, z_mean.shape[-1])).astype("float32")
    small = None if labels is None else labels[:n]
    return [
        graph_feeds(graphs, images, labels, np.zeros_like(z_mean), z_mean),
        graph_feeds(graphs, images[:n], small, draws[0], draws[1]),
    ]


def calibration_feeds(graphs, images, labels, batch_size=32, seed=0):
    """Representative feeds for full-integer calibration, in batches.

    The decoder is calibrated on posterior samples z ~ q(z|x) of the calibration images
    and the scorer on N(0, I) noise: the ranges the graphs see in use.

    Args:
        graphs: {name: ``graphs.Graph``}.
        images: the calibration images.
        labels: their labels, or None.
        batch_size: examples per representative batch.
        seed: seed of the noise draws.

    Returns:
        {graph name: list of feeds}.
    """
    z_mean, z_log_var = _posterior(graphs, images, labels)
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(z_mean.shape).astype("float32")
    z = z_mean + np.exp(0.5 * z_log_var) * rng.standard_normal(z_mean.shape).astype("float32")
    out = {name: [] for name in graphs}
    for start in range(0, len(images), batch_size):
        s = slice(start, start + batch_size)
        batch = graph_feeds(graphs, images[s], None if labels is None else labels[s], noise[s], z[s])
        for name in graphs:
            out[name].append(batch[name])
    return out
