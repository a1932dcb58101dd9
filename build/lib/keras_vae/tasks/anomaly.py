"""Anomaly detection with a VAE: score inputs by how badly the model explains them.

Three scores, all "higher means more anomalous":

- ``"elbo"``: the negative ELBO, -log p(x) + KL(q(z|x) || p(z|x)), one posterior sample.
- ``"iwae"``: the negative importance-weighted bound with ``k`` samples, a tighter
  estimate of -log p(x) (Burda et al. 2015).
- ``"reconstruction"``: squared error between an image and the decoding of its posterior
  mean, summed over pixels (the classic autoencoder score; ignores the prior).

``AnomalyDetector`` turns a score into a decision: ``calibrate`` on clean validation data
sets the threshold at a chosen false-positive rate, ``evaluate`` reports AUROC and
average precision (scikit-learn's implementations) and the rates at that threshold.
"""

import dataclasses

import numpy as np

from keras_vae.tasks.metrics import detection_metrics

METHODS = ("elbo", "iwae", "reconstruction")


def anomaly_scores(model, x, labels=None, method="elbo", k=100, seed=0):
    """Per-example anomaly scores (higher = more anomalous).

    Args:
        model: a keras_vae model.
        x: images of shape (batch, *model.image_shape), values in the likelihood's range.
        labels: class ids, for a conditional model.
        method: ``"elbo"``, ``"iwae"`` or ``"reconstruction"``.
        k: importance samples for ``"iwae"``.
        seed: seed of the posterior samples.

    Example:
    >>> scores = anomaly_scores(keras_vae.zoo.load("conv_mnist"), images, method="iwae", k=50)
    """
    if method not in METHODS:
        raise ValueError(f"unknown anomaly score {method!r}; expected one of {', '.join(METHODS)}")
    if method == "elbo":
        return -model.elbo(x, labels, seed=seed)
    if method == "iwae":
        return -model.log_likelihood(x, labels, k=k, seed=seed)
    reconstruction = model.reconstruct(x, labels)  # validates x
    error = np.asarray(x, "float32") - reconstruction
    return np.sum(error**2, axis=tuple(range(1, error.ndim)))


@dataclasses.dataclass
class AnomalyDetector:
    """A VAE score with a threshold calibrated on clean data.

    Args:
        model: a trained keras_vae model of the normal data.
        method: the score, one of ``METHODS``.
        k: importance samples for ``"iwae"``.
        seed: seed of the posterior samples.
        threshold: flag inputs scoring above it; set by ``calibrate``.

    Example:
    >>> detector = AnomalyDetector(model, method="elbo").calibrate(clean_val, false_positive_rate=0.05)
    >>> flags = detector.predict(images)
    >>> detector.evaluate(normal_test, anomalous_test)["auroc"]
    """

    model: object
    method: str = "elbo"
    k: int = 100
    seed: int = 0
    threshold: float | None = None
    false_positive_rate: float | None = None

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"unknown anomaly score {self.method!r}; expected one of {', '.join(METHODS)}")

    def score(self, x, labels=None):
        return anomaly_scores(self.model, x, labels, self.method, self.k, self.seed)

    def calibrate(self, clean, false_positive_rate=0.05, labels=None):
        """Sets the threshold so that a fraction ``false_positive_rate`` of ``clean`` is flagged."""
        if not 0 < false_positive_rate < 1:
            raise ValueError(f"false_positive_rate must lie in (0, 1), got {false_positive_rate}")
        scores = self.score(clean, labels)
        if len(scores) == 0:
            raise ValueError("calibrate needs at least one clean example")
        # "higher" quantile: never below an observed score, so at most the requested
        # fraction of the calibration set lies strictly above the threshold.
        self.threshold = float(np.quantile(scores, 1.0 - false_positive_rate, method="higher"))
        self.false_positive_rate = float(false_positive_rate)
        return self

    def predict(self, x, labels=None):
        """Boolean flags: True where the score exceeds the calibrated threshold."""
        if self.threshold is None:
            raise RuntimeError("call calibrate(clean_images) before predict")
        return self.score(x, labels) > self.threshold

    def evaluate(self, normal, anomalous, normal_labels=None, anomalous_labels=None):
        """``detection_metrics`` of the two sets, at the calibrated threshold if there is one."""
        return detection_metrics(
            self.score(normal, normal_labels), self.score(anomalous, anomalous_labels), self.threshold
        )


def one_class_out_recipe(base, held_out, epochs=None, **model_args):
    """A copy of recipe ``base`` that trains without class ``held_out`` (the anomaly).

    Args:
        base: a recipe name or ``Recipe``.
        held_out: the class left out of training.
        epochs: overrides the base recipe's epochs.
        **model_args: overrides of the base recipe's model arguments.
    """
    from keras_vae import data, zoo

    recipe = zoo.get(base) if isinstance(base, str) else base
    num_classes = data.get(recipe.dataset).num_classes
    if not 0 <= int(held_out) < num_classes:
        raise ValueError(f"held_out must be a class in [0, {num_classes}), got {held_out}")
    return dataclasses.replace(
        recipe,
        name=f"{recipe.name}_without_{int(held_out)}",
        exclude_classes=(int(held_out),),
        epochs=recipe.epochs if epochs is None else int(epochs),
        model_args={**recipe.model_args, **model_args},
        description=f"{recipe.description}; class {int(held_out)} left out of training",
    )
