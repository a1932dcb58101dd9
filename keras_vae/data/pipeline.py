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
    epoch=None,
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
        epoch: an ``EpochCounter`` (see ``epoch_dataset``); None counts passes itself.

    Example:
    >>> ds = keras_vae.data.make_dataset("mnist", "train", binarize="dynamic", data_dir="../shared/data/mnist")
    """
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
    return epoch_dataset(
        images, labels, batch_size, seed=seed, shuffle=shuffle, dynamic=binarize == "dynamic",
        with_labels=with_labels, epoch=epoch,
    )


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


class EpochCounter:
    """The epoch a training pipeline serves, so its data depend on ``(seed, epoch)`` only.

    Every pass over an ``epoch_dataset`` reads the counter and then advances it; Keras'
    ``fit`` sets it at the start of each epoch through ``callback()``, so an epoch's
    order and binarisation are the same whether the run went straight through or was
    killed and resumed (``BackupAndRestore``) at that epoch.
    """

    def __init__(self, start=0):
        import tensorflow as tf

        self.variable = tf.Variable(int(start), dtype=tf.int64, trainable=False, name="data_epoch")

    def set(self, epoch):
        self.variable.assign(int(epoch))

    def callback(self):
        """A Keras callback that sets the counter at ``on_epoch_begin``."""
        import keras

        counter = self

        class SetDataEpoch(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                counter.set(epoch)

        return SetDataEpoch()

    def next_epoch(self):
        """Inside a dataset function: the epoch to serve, then advance (for callers that never set it)."""
        return self.variable.assign_add(1) - 1


class _Stream:
    """uint8 arrays served as batches of one epoch, keyed by ``(seed, epoch, pass, batch)``."""

    def __init__(self, images, labels, batch_size, seed, shuffle, dynamic, with_labels=True, scale=255.0):
        import tensorflow as tf

        from keras_vae.models import checks

        checks.check_positive_int(batch_size, "batch_size")
        if len(images) == 0:
            raise ValueError("the dataset has no examples to serve (after limit / exclude_classes)")
        self.n, self.batch_size, self.shuffle, self.dynamic, self.with_labels = (
            len(images), batch_size, shuffle, dynamic, with_labels,
        )
        self.images, self.labels = tf.constant(images), tf.constant(np.asarray(labels, "int32"))
        self.key = tf.constant([int(seed) % (2**31 - 1), 0], tf.int64)
        self.scale = float(scale)

    @property
    def steps(self):
        return -(-self.n // self.batch_size)

    def _pass(self, e, r):
        import tensorflow as tf

        fold = tf.random.experimental.stateless_fold_in
        pass_key = fold(fold(self.key, e), r)
        order = tf.range(self.n, dtype=tf.int64)
        if self.shuffle:
            order = tf.random.experimental.stateless_shuffle(order, seed=pass_key)
        batches = tf.data.Dataset.from_tensor_slices(order).batch(self.batch_size).enumerate()
        return batches.map(lambda b, idx: (idx, fold(pass_key, b)))

    def _to_batch(self, idx, batch_key):
        import tensorflow as tf

        x = tf.cast(tf.gather(self.images, idx), tf.float32) / self.scale
        if self.dynamic:
            x = tf.cast(tf.random.stateless_uniform(tf.shape(x), seed=batch_key) < x, tf.float32)
        y = tf.gather(self.labels, idx)
        return (x, y) if self.with_labels else x

    def epoch(self, e, repeat=False):
        """The batches of epoch ``e`` (a tensor); ``repeat``: pass after pass without end."""
        import tensorflow as tf

        passes = tf.data.Dataset.range(2**62) if repeat else tf.data.Dataset.range(1)
        ds = passes.flat_map(lambda r: self._pass(e, r))
        return ds.map(self._to_batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def epoch_dataset(
    images, labels, batch_size, seed=0, shuffle=True, dynamic=False, with_labels=True, epoch=None, scale=255.0
):
    """Batches of ``(images in [0, 1], labels)`` from uint8 arrays, a pure function of (seed, epoch).

    Each epoch ``e`` draws its order with ``stateless_shuffle`` keyed by ``(seed, e)``
    and, when ``dynamic``, binarises batch ``b`` with a stateless draw keyed by
    ``(seed, e, b)``: fresh pixels every epoch, yet any epoch can be replayed exactly on
    its own (resuming a killed run), unlike ``Dataset.shuffle``'s and
    ``Dataset.random``'s streams, which restart with each process.

    Args:
        images: uint8 array ``(n, *shape)``.
        labels: int array ``(n,)``.
        batch_size: examples per batch.
        seed: seed of order and binarisation.
        shuffle: a new order each epoch (else the arrays' order).
        dynamic: binarise each pixel with probability = its grey level.
        with_labels: yield ``(images, labels)``, else images only.
        epoch: an ``EpochCounter`` shared with the training loop; None makes one that
            counts passes from 0.
        scale: the stored values are divided by it (255 maps uint8 pixels to [0, 1]; 1
            serves integer token ids as they are, as float32).
    """
    import tensorflow as tf

    stream = _Stream(images, labels, batch_size, seed, shuffle, dynamic, with_labels, scale)
    counter = epoch if epoch is not None else EpochCounter()
    ds = tf.data.Dataset.range(1).flat_map(lambda _: stream.epoch(counter.next_epoch()))
    return ds.apply(tf.data.experimental.assert_cardinality(stream.steps)).prefetch(tf.data.AUTOTUNE)


def make_semi_supervised_dataset(
    name, labels_per_class, batch_size=128, labelled_batch_size=None, seed=0, data_dir=None, limit=None, epoch=None
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
        epoch: an ``EpochCounter`` (see ``epoch_dataset``).

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
    counter = epoch if epoch is not None else EpochCounter()
    unlabelled = _Stream(images[mask], labels[mask], batch_size, seed, shuffle=True, dynamic=True)
    labelled_stream = _Stream(images[labelled], labels[labelled], labelled_batch_size, seed + 1, True, True)

    def one_epoch(_):
        e = counter.next_epoch()  # one read for both streams
        return tf.data.Dataset.zip(unlabelled.epoch(e), labelled_stream.epoch(e, repeat=True))

    ds = tf.data.Dataset.range(1).flat_map(one_epoch).apply(tf.data.experimental.assert_cardinality(unlabelled.steps))
    ds = ds.map(lambda u, l: {"image": u[0], "labelled_image": l[0], "labelled_label": l[1]})
    return ds.prefetch(tf.data.AUTOTUNE), labelled
