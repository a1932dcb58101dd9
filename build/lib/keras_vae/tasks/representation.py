"""Encoder features for downstream use: a linear probe and a 2-D picture of the latent space.

The features of an image are its posterior mean ``z_mean``. A linear probe (multinomial
logistic regression, scikit-learn's, on standardised features) measures how linearly
the classes sit in them: the encoder is frozen, only the probe learns from labels.
"""

import os
import tempfile
from pathlib import Path

import numpy as np


def _sklearn():
    try:
        import sklearn  # noqa: F401
    except ImportError as e:
        raise ImportError("linear probes and projections need scikit-learn: pip install keras-vae[apps]") from e


def features(model, x, labels=None, batch_size=512):
    """Posterior means ``z_mean`` of ``x``, shape (batch, latent_dim): the frozen encoder's features."""
    z_mean, _ = model.encode(x, labels, batch_size=batch_size)
    return z_mean


def _check_xy(x, y, what):
    x = np.asarray(x, "float64")
    y = np.asarray(y)
    if x.ndim != 2:
        raise ValueError(f"{what} features must have shape (examples, dims), got {x.shape}")
    if y.shape != (len(x),):
        raise ValueError(f"{what} labels must have shape ({len(x)},), got {y.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{what} features contain NaN or infinite values")
    return x, y


def linear_probe(train_features, train_labels, test_features, test_labels, c=1.0, max_iter=1000):
    """Fits logistic regression on train features; returns its test accuracy and the probe.

    Args:
        train_features, train_labels: (n, d) features and (n,) integer classes.
        test_features, test_labels: held-out features and classes.
        c: inverse L2 strength of the logistic regression.
        max_iter: iterations of its L-BFGS solver.

    Returns:
        ``{"test_accuracy", "train_accuracy", "probe"}``; the probe is a fitted scikit-learn
        pipeline (standardisation, then logistic regression).

    Example:
    >>> model = keras_vae.zoo.load("conv_mnist")
    >>> result = linear_probe(features(model, x_train), y_train, features(model, x_test), y_test)
    >>> result["test_accuracy"]
    """
    _sklearn()
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    xtr, ytr = _check_xy(train_features, train_labels, "train")
    xte, yte = _check_xy(test_features, test_labels, "test")
    if xtr.shape[1] != xte.shape[1]:
        raise ValueError(f"train and test features differ in width: {xtr.shape[1]} vs {xte.shape[1]}")
    if len(np.unique(ytr)) < 2:
        raise ValueError("a linear probe needs at least two classes in its training labels")
    probe = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=max_iter))
    probe.fit(xtr, ytr)
    return {
        "test_accuracy": float(probe.score(xte, yte)),
        "train_accuracy": float(probe.score(xtr, ytr)),
        "probe": probe,
    }


def project_2d(feats, method="pca", seed=0):
    """A 2-D embedding of features: ``"pca"`` (linear, fast) or ``"tsne"`` (neighbourhoods)."""
    _sklearn()
    feats = np.asarray(feats, "float64")
    if feats.ndim != 2 or len(feats) < 3:
        raise ValueError(f"features must have shape (examples >= 3, dims), got {feats.shape}")
    if feats.shape[1] == 2:
        return feats.astype("float32")
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(feats).astype("float32")
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = min(30.0, (len(feats) - 1) / 3)
        return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(feats).astype(
            "float32"
        )
    raise ValueError(f"unknown projection {method!r}; expected 'pca' or 'tsne'")


def plot_projection(points, labels, path, title=None, class_names=None):
    """Scatter plot of 2-D points coloured by class, written atomically to ``path`` (PNG)."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display on servers and CI
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError("plots need matplotlib: pip install keras-vae[apps]") from e
    points = np.asarray(points)
    labels = np.asarray(labels)
    if points.ndim != 2 or points.shape[1] != 2 or labels.shape != (len(points),):
        raise ValueError(f"need points (n, 2) and labels (n,), got {points.shape} and {labels.shape}")
    path = Path(path)
    fig, ax = plt.subplots(figsize=(6, 6), dpi=100)
    try:
        scatter = ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", s=3, alpha=0.7, linewidths=0)
        classes = np.unique(labels)
        handles = [
            plt.Line2D([], [], marker="o", linestyle="", color=scatter.cmap(scatter.norm(c)),
                       label=class_names[c] if class_names else str(c))
            for c in classes
        ]
        ax.legend(handles=handles, loc="best", fontsize=7, markerscale=1.2, frameon=False)
        ax.set_xticks([])
        ax.set_yticks([])
        if title:
            ax.set_title(title, fontsize=9)
        fig.tight_layout()
        fd, tmp = tempfile.mkstemp(suffix=".png", dir=path.parent if str(path.parent) else ".")
        os.close(fd)
        try:
            fig.savefig(tmp, format="png")
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    finally:
        plt.close(fig)
    return path
