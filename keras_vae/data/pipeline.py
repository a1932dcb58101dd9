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
    exclude_classes=(),
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
        exclude_classes: labels whose examples are left out (one-class-out anomaly
            detection trains on the other classes).

    Example:
    >>> ds = keras_vae.data.make_dataset("mnist", "train", binarize="dynamic", data_dir="../shared/data/mnist")
    """
    import tensorflow as tf

    if binarize not in BINARIZE_MODES:
        raise ValueError(f"binarize must be one of {BINARIZE_MODES}, got {binarize!r}")
    images, labels = load_arrays(name, split, data_dir)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    if exclude_classes:
        keep = ~np.isin(labels, np.asarray(exclude_classes))
        images, labels = images[keep], labels[keep]
    if binarize == "fixed":
        images = (binarize_fixed(images, seed) * 255).astype("uint8")
    shuffle = split == "train" if shuffle is None else shuffle

    if binarize == "dynamic":
        ds = _binarized(images, labels, batch_size, seed, shuffle)
    else:
        ds = tf.data.Dataset.from_tensor_slices((images, labels)).cache()
        if shuffle:
            ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(batch_size).map(
            lambda x, y: (tf.cast(x, tf.float32) / 255.0, y), num_parallel_calls=tf.data.AUTOTUNE
        )
    if not with_labels:
        ds = ds.map(lambda x, y: x)
    return ds.prefetch(tf.data.AUTOTUNE)


def labelled_subset(labels, per_class, seed=0):
    """Sorted indices of ``per_class`` examples of every class, drawn once with ``seed``."""
    labels = np.asarray(labels)
    per_class = int(per_class)
    rng = np.random.default_rng(seed)
    chosen = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if len(members) < per_class:
            raise ValueError(f"class {c} has {len(members)} examples, fewer than labels_per_class={per_class}")
        chosen.append(rng.choice(members, size=per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def _binarized(images, labels, batch_size, seed, shuffle, repeat=False):
    """Batches of (images in [0, 1] binarised afresh each epoch, labels) from uint8 arrays."""
    import tensorflow as tf

    # Per-batch seeds from a dataset that re-randomises each epoch: fresh draws every
    # epoch, yet the whole run is reproducible from `seed`.
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).cache()
    if repeat:
        ds = ds.repeat()
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)

    def to_float(batch, pair):
        x, y = batch
        p = tf.cast(x, tf.float32) / 255.0
        u = tf.random.stateless_uniform(tf.shape(p), seed=tf.cast(pair, tf.int32) % (2**31 - 1))
        return tf.cast(u < p, tf.float32), y

    return tf.data.Dataset.zip(ds, seeds).map(to_float, num_parallel_calls=tf.data.AUTOTUNE)


def make_semi_supervised_dataset(
    name, labels_per_class, batch_size=128, labelled_batch_size=None, seed=0, data_dir=None, limit=None
):
    """Batches for semi-supervised training: unlabelled images beside a few labelled ones.

    ``labels_per_class`` examples of each class keep their labels (``labelled_subset``);
    every other training image is served without its label. Each element is a dict
    ``{"image": unlabelled batch, "labelled_image": ..., "labelled_label": ...}``; the
    labelled set repeats, so every step sees labelled examples. Images are dynamically
    binarised. An epoch is one pass over the unlabelled images.

    Args:
        name: dataset name.
        labels_per_class: labelled examples kept per class (10 gives MNIST's "100 labels").
        batch_size: unlabelled images per step.
        labelled_batch_size: labelled images per step (default: all of them, at most 128).
        seed: seeds the choice of labelled examples, shuffling and binarisation.
        data_dir: folder of the dataset's original files.
        limit: use only the first ``limit`` training examples.

    Returns:
        ``(dataset, labelled_indices)``: the indices into the training split that kept
        their labels, for the record.
    """
    import tensorflow as tf

    images, labels = load_arrays(name, "train", data_dir)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    labelled = labelled_subset(labels, labels_per_class, seed)
    mask = np.ones(len(images), bool)
    mask[labelled] = False
    labelled_batch_size = labelled_batch_size or min(len(labelled), 128)
    unlabelled_ds = _binarized(images[mask], labels[mask], batch_size, seed, shuffle=True)
    labelled_ds = _binarized(images[labelled], labels[labelled], labelled_batch_size, seed + 1, True, repeat=True)
    ds = tf.data.Dataset.zip(unlabelled_ds, labelled_ds).map(
        lambda u, l: {"image": u[0], "labelled_image": l[0], "labelled_label": l[1]}
    )
    return ds.prefetch(tf.data.AUTOTUNE), labelled
