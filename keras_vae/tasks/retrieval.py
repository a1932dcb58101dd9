"""Content-based recommendation: the catalogue items most similar to a query image.

A catalogue of images is indexed by its latent codes (each image's posterior mean
``z_mean``), and a query returns the catalogue items whose codes lie nearest to the
query's code (Euclidean distance). The same search over raw pixels is the baseline.

Nearest-neighbour library: scikit-learn's ``NearestNeighbors`` (already the ``apps``
extra's dependency) with its exact brute-force search. At this scale (60,000 items of 32
dims) one query is a 60,000 x 32 distance computation, about a millisecond, so an
approximate index (faiss-cpu, hnswlib) would add a compiled dependency and trade away
exactness to save time nobody waits for; it pays from millions of items on.

Example:
>>> model = keras_vae.zoo.load("conv_fashion_mnist")
>>> index = LatentIndex(model).fit(x_train, y_train)
>>> items = index.similar(x_test[0], k=8)   # catalogue indices, distances, labels
"""

import time

import numpy as np

from keras_vae.models import checks


def _nearest_neighbors(n_neighbors):
    try:
        from sklearn.neighbors import NearestNeighbors
    except ImportError as e:
        raise ImportError("retrieval needs scikit-learn: pip install keras-vae[apps]") from e
    return NearestNeighbors(n_neighbors=n_neighbors, algorithm="brute", metric="euclidean")


class LatentIndex:
    """An exact nearest-neighbour index of catalogue images in a model's latent space.

    Args:
        model: a keras_vae model; its encoder's posterior mean is each image's code.
            ``None`` indexes raw pixels instead (the baseline).
        batch_size: images encoded together.

    Example:
    >>> index = LatentIndex(keras_vae.zoo.load("conv_mnist")).fit(x_train, y_train)
    >>> result = index.similar(x_test[0], k=8)
    >>> result["indices"], result["distances"], result["labels"]
    """

    def __init__(self, model=None, batch_size=512):
        if model is not None and model.conditional:
            raise ValueError("retrieval needs an unconditional model: a conditional encoder needs each query's class")
        self.model = model
        self.batch_size = checks.check_positive_int(batch_size, "batch_size")
        self._nn = None
        self.labels = None

    @property
    def space(self):
        return "pixels" if self.model is None else "latent"

    def codes(self, images):
        """The vectors searched: ``z_mean`` of each image, or its flattened pixels."""
        if self.model is None:
            x = checks.check_images(images, np.shape(images)[1:], (0.0, 1.0))
            return x.reshape(len(x), -1)
        z_mean, _ = self.model.encode(images, batch_size=self.batch_size)
        return z_mean

    def fit(self, images, labels=None):
        """Indexes the catalogue ``images`` (n, h, w, c) in [0, 1]; ``labels`` (n,) are kept for display."""
        codes = self.codes(images)
        if len(codes) == 0:
            raise ValueError("the catalogue is empty")
        if labels is not None:
            labels = np.asarray(labels)
            if labels.shape != (len(codes),):
                raise ValueError(f"catalogue labels must have shape ({len(codes)},), got {labels.shape}")
        self._nn = _nearest_neighbors(min(8, len(codes))).fit(codes)
        self.labels = labels
        self.size = len(codes)
        self.image_shape = tuple(np.shape(images)[1:])
        return self

    def query(self, images, k=8):
        """``(distances, indices)``, each (queries, k), nearest first, for a batch of query images."""
        if self._nn is None:
            raise ValueError("the index is empty: call fit(catalogue_images) first")
        k = checks.check_positive_int(k, "k")
        if k > self.size:
            raise ValueError(f"k={k} exceeds the catalogue's {self.size} items")
        images = checks.check_images(images, self.image_shape, (0.0, 1.0))
        distances, indices = self._nn.kneighbors(self.codes(images), n_neighbors=k)
        return distances.astype("float32"), indices

    def similar(self, image, k=8):
        """The ``k`` catalogue items most similar to one image (h, w, c).

        Returns:
            ``{"indices": (k,), "distances": (k,), "labels": (k,) or None}``, nearest first.
        """
        image = np.asarray(image)
        if image.shape != self.image_shape:
            raise ValueError(f"similar() takes one image of shape {self.image_shape}, got {image.shape}")
        distances, indices = self.query(image[None], k)
        labels = None if self.labels is None else self.labels[indices[0]]
        return {"indices": indices[0], "distances": distances[0], "labels": labels}


def precision_at_k(index, query_images, query_labels, catalogue_labels, ks=(1, 5, 10), batch_size=1000):
    """Mean fraction of each query's ``k`` nearest catalogue items that share its class, for each k.

    Args:
        index: a fitted ``LatentIndex``.
        query_images: (n, h, w, c) in [0, 1].
        query_labels: (n,) classes of the queries.
        catalogue_labels: (N,) classes of the indexed catalogue, in index order.
        ks: neighbour counts; one search with the largest serves them all.
        batch_size: queries searched together.

    Returns:
        ``{k: {"precision": mean over queries, "per_class": {class: mean}}}``.

    Example:
    >>> precision_at_k(index, x_test, y_test, y_train, ks=(10,))[10]["precision"]
    """
    query_labels = np.asarray(query_labels)
    catalogue_labels = np.asarray(catalogue_labels)
    ks = sorted({checks.check_positive_int(int(k), "k") for k in ks})
    if not ks:
        raise ValueError("precision_at_k needs at least one k")
    if query_labels.shape != (len(query_images),):
        raise ValueError(f"query labels must have shape ({len(query_images)},), got {query_labels.shape}")
    if catalogue_labels.shape != (index.size,):
        raise ValueError(f"catalogue labels must have shape ({index.size},), got {catalogue_labels.shape}")
    same = []
    for s in checks.batch_slices(len(query_images), batch_size):
        _, indices = index.query(query_images[s], ks[-1])
        same.append(catalogue_labels[indices] == query_labels[s, None])
    same = np.concatenate(same)
    out = {}
    for k in ks:
        hits = same[:, :k].mean(axis=1)
        per_class = {int(c): float(hits[query_labels == c].mean()) for c in np.unique(query_labels)}
        out[k] = {"precision": float(hits.mean()), "per_class": per_class}
    return out


def query_latency(index, query_images, k=8, repeats=1):
    """Median seconds per single-image query (encoding included), over ``query_images`` one by one."""
    times = []
    for _ in range(checks.check_positive_int(repeats, "repeats")):
        for image in np.asarray(query_images):
            start = time.perf_counter()
            index.similar(image, k)
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def neighbours_grid(queries, neighbours, pad=1):
    """A uint8 picture: one row per query, the query then its neighbours, a gap between them.

    Args:
        queries: (q, h, w, 1) images in [0, 1].
        neighbours: (q, k, h, w, 1) images in [0, 1].
    """
    from keras_vae.images import grid

    queries, neighbours = np.asarray(queries), np.asarray(neighbours)
    if neighbours.ndim != 5 or queries.shape != (neighbours.shape[0],) + neighbours.shape[2:]:
        raise ValueError(f"need queries (q, h, w, 1) and neighbours (q, k, h, w, 1), got {queries.shape} and "
                         f"{neighbours.shape}")
    q, k = neighbours.shape[:2]
    blank = np.ones((q, 1) + queries.shape[1:], "float32")  # a white column between query and neighbours
    rows = np.concatenate([queries[:, None], blank, neighbours], axis=1)
    return grid(rows.reshape((-1,) + queries.shape[1:]), q, k + 2, pad=pad)
