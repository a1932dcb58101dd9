"""tf.data pipelines of images in [0, 1], with optional binarisation.

Training data is held in memory as uint8 (47 MB for MNIST) and converted per batch,
so the input pipeline stays far off the training step's critical path.
"""

import numpy as np

from keras_vae.data import catalog
from keras_vae.data.source import prepared_builder

BINARIZE_MODES = (None, "dynamic", "fixed")


def load_arrays(name, split, data_dir=None):
    """Returns ``(images uint8 (n, h, w, c), labels int32 (n,))`` of a split."""
    import tensorflow_datasets as tfds

    spec = catalog.get(name)
    if split not in spec.splits:
        raise ValueError(f"dataset {name!r} has splits {spec.splits}, got {split!r}")
    builder = prepared_builder(name, data_dir)
    data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1, shuffle_files=False))
    return data["image"], data["label"].astype("int32")


def binarize_fixed(images, seed=0):
    """One fixed Bernoulli draw per pixel (the standard stochastically binarised test set)."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images.astype("float32") / 255.0
    rng = np.random.default_rng(seed)
    return (rng.random(images.shape, dtype=np.float32) < images).astype("float32")


def load_images(name, split, data_dir=None, binarize=None, seed=0, limit=None):
    """Numpy images in [0, 1] (float32) and labels; ``binarize`` is None or ``"fixed"``."""
    if binarize not in (None, "fixed"):
        raise ValueError(f"load_images binarizes with None or 'fixed', got {binarize!r}")
    images, labels = load_arrays(name, split, data_dir)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    if binarize == "fixed":
        return binarize_fixed(images, seed), labels
    return images.astype("float32") / 255.0, labels


def make_dataset(
    name,
    split,
    batch_size=128,
    binarize=None,
    with_labels=False,
    shuffle=None,
    seed=0,
    data_dir=None,
    limit=None,
):
    """A batched ``tf.data.Dataset`` of images (and labels when ``with_labels``).

    Args:
        name: dataset name (``keras_vae.data.names()``).
        split: ``"train"`` or ``"test"``.
        batch_size: examples per batch.
        binarize: None (grey levels in [0, 1]), ``"dynamic"`` (a fresh Bernoulli draw of
            every pixel each epoch, reproducible from ``seed``) or ``"fixed"`` (one draw
            from ``seed``, the same every epoch: for evaluation).
        with_labels: yield ``(images, labels)`` instead of images.
        shuffle: reshuffle every epoch; defaults to True for the train split.
        seed: seed of shuffling and binarisation.
        data_dir: folder of the dataset's original files (see ``keras_vae.data.source``).
        limit: keep only the first ``limit`` examples (for tests and quick runs).

    Example:
    >>> ds = keras_vae.data.make_dataset("mnist", "train", binarize="dynamic", data_dir="../shared/data/mnist")
    """
    import tensorflow as tf

    if binarize not in BINARIZE_MODES:
        raise ValueError(f"binarize must be one of {BINARIZE_MODES}, got {binarize!r}")
    images, labels = load_arrays(name, split, data_dir)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    if binarize == "fixed":
        images = (binarize_fixed(images, seed) * 255).astype("uint8")
    shuffle = split == "train" if shuffle is None else shuffle

    ds = tf.data.Dataset.from_tensor_slices((images, labels)).cache()
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    if binarize == "dynamic":
        # Per-batch seeds from a dataset that re-randomises each epoch: fresh draws
        # every epoch, yet the whole run is reproducible from `seed`.
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        ds = tf.data.Dataset.zip(ds, seeds)

        def to_float(batch, pair):
            x, y = batch
            p = tf.cast(x, tf.float32) / 255.0
            u = tf.random.stateless_uniform(tf.shape(p), seed=tf.cast(pair, tf.int32) % (2**31 - 1))
            return tf.cast(u < p, tf.float32), y

    else:

        def to_float(x, y):
            return tf.cast(x, tf.float32) / 255.0, y

    ds = ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    if not with_labels:
        ds = ds.map(lambda x, y: x)
    return ds.prefetch(tf.data.AUTOTUNE)
