"""Anomaly detection: scores, threshold calibration, metrics, one-class-out recipes."""

import numpy as np
import pytest

from keras_vae import data
from keras_vae.models import DenseVAE
from keras_vae.tasks.anomaly import AnomalyDetector, anomaly_scores, one_class_out_recipe
from keras_vae.tasks.metrics import detection_metrics


@pytest.fixture(scope="module")
def model():
    return DenseVAE(latent_dim=3, hidden_units=(16,), seed=2)


def test_detection_metrics_by_hand():
    perfect = detection_metrics([0.1, 0.2, 0.3], [0.5, 0.9], threshold=0.4)
    assert perfect["auroc"] == 1.0 and perfect["average_precision"] == 1.0
    assert perfect["false_positive_rate"] == 0.0 and perfect["true_positive_rate"] == 1.0
    reversed_ = detection_metrics([0.5, 0.9], [0.1, 0.2])
    assert reversed_["auroc"] == 0.0
    # Normal 0.1, 0.4; anomalous 0.3, 0.8: pairs ordered (0.1<0.3), (0.1<0.8), (0.4<0.8), not (0.4>0.3).
    assert detection_metrics([0.1, 0.4], [0.3, 0.8])["auroc"] == pytest.approx(0.75)
    with pytest.raises(ValueError, match="non-empty"):
        detection_metrics([], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        detection_metrics([np.inf], [1.0])


def test_scores_by_method(model, binary_images):
    elbo = anomaly_scores(model, binary_images, method="elbo")
    np.testing.assert_allclose(elbo, -model.elbo(binary_images, seed=0), rtol=1e-6)
    iwae = anomaly_scores(model, binary_images, method="iwae", k=64)
    assert np.mean(iwae) < np.mean(elbo)  # -log p(x) estimate sits below the negative ELBO
    recon = anomaly_scores(model, binary_images, method="reconstruction")
    expected = ((binary_images - model.reconstruct(binary_images)) ** 2).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(recon, expected, rtol=1e-5)
    with pytest.raises(ValueError, match="unknown anomaly score"):
        anomaly_scores(model, binary_images, method="kl")
    with pytest.raises(ValueError, match="shape"):
        anomaly_scores(model, binary_images[:, :10], method="reconstruction")


class InkModel:
    """Stands in for a VAE whose ELBO falls with the amount of ink: a known, noiseless score."""

    def elbo(self, x, labels=None, seed=0):
        return -np.asarray(x).sum(axis=(1, 2, 3))


def test_calibrated_threshold_holds_its_false_positive_rate():
    rng = np.random.default_rng(0)
    clean = (rng.random((400, 28, 28, 1)) < 0.1).astype("float32")
    odd = (rng.random((100, 28, 28, 1)) < 0.12).astype("float32")  # a little more ink: overlapping scores
    detector = AnomalyDetector(InkModel(), method="elbo")
    with pytest.raises(RuntimeError, match="calibrate"):
        detector.predict(clean)
    detector.calibrate(clean, false_positive_rate=0.1)
    flagged = detector.predict(clean)
    assert 0.05 <= flagged.mean() <= 0.1  # at most the requested rate on the calibration data
    report = detector.evaluate(clean, odd)
    scores_clean, scores_odd = clean.sum(axis=(1, 2, 3)), odd.sum(axis=(1, 2, 3))
    pairs = (scores_odd[None] > scores_clean[:, None]).mean() + 0.5 * (scores_odd[None] == scores_clean[:, None]).mean()
    assert report["auroc"] == pytest.approx(pairs)  # AUROC = P(anomalous scores above normal)
    assert 0.5 < report["auroc"] < 1.0
    assert report["true_positive_rate"] == pytest.approx(np.mean(scores_odd > detector.threshold))
    with pytest.raises(ValueError, match="false_positive_rate"):
        detector.calibrate(clean, false_positive_rate=1.5)
    with pytest.raises(ValueError, match="unknown anomaly score"):
        AnomalyDetector(InkModel(), method="nope")


def test_one_class_out_recipe_and_data(mnist_dir):
    recipe = one_class_out_recipe("dense_mnist", 3, epochs=2, kl_warmup_steps=10)
    assert recipe.name == "dense_mnist_without_3" and recipe.exclude_classes == (3,)
    assert recipe.epochs == 2 and recipe.model_args["kl_warmup_steps"] == 10
    with pytest.raises(ValueError, match="held_out"):
        one_class_out_recipe("dense_mnist", 10)
    ds = data.make_dataset("mnist", "train", 500, with_labels=True, data_dir=mnist_dir, limit=2000,
                           exclude_classes=(3,))
    labels = np.concatenate([y.numpy() for _, y in ds])
    assert 3 not in labels and len(labels) == 2000 - np.sum(data.load_arrays("mnist", "train", mnist_dir)[1][:2000] == 3)
