"""Uncertainty scores (keras_vae.tasks.uncertainty), OOD sets and AUROC (keras_vae.tasks.ood)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from helpers import tiny_models
from keras_vae.models import base
from keras_vae.tasks import ood
from keras_vae.tasks import uncertainty as unc

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "uncertainty_ood.py"


@pytest.fixture(scope="module")
def dense():
    return tiny_models()["dense"]()


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return (rng.random((6, 28, 28, 1)) < 0.2).astype("float32")


def _set_posterior_log_var(model, log_var):
    """Makes q(z|x) have the same variance exp(log_var) in every dimension, for any x."""
    layer = model.encoder.get_layer("z_log_var")
    kernel, bias = layer.get_weights()
    layer.set_weights([np.zeros_like(kernel), np.full_like(bias, log_var)])


def test_shapes_dtypes_and_determinism(dense, images):
    scores = unc.uncertainty(dense, images, samples=4, seed=3)
    assert set(scores) == {"posterior_spread", "decoded_variance"}
    for value in scores.values():
        assert value.shape == (len(images),) and value.dtype == np.float32
        assert np.all(np.isfinite(value)) and np.all(value >= 0)
    again = unc.uncertainty(dense, images, samples=4, seed=3)
    for name in scores:
        np.testing.assert_array_equal(scores[name], again[name])
    other = unc.decoded_variance(dense, images, samples=4, seed=4)
    assert not np.array_equal(other, scores["decoded_variance"])
    assert unc.decoded_variance(dense, images[:0]).shape == (0,)


def test_posterior_spread_matches_encoder(dense, images):
    _, z_log_var = dense.encode(images)
    np.testing.assert_allclose(unc.posterior_spread(dense, images), np.exp(0.5 * z_log_var).mean(-1), rtol=1e-6)
    np.testing.assert_allclose(
        unc.posterior_spread(dense, images, reduce="total_variance"), np.exp(z_log_var).sum(-1), rtol=1e-6
    )


def test_decoded_variance_matches_numpy_across_chunks(images, monkeypatch):
    model = tiny_models()["dense"]()
    x, samples, seed = images[:4], 8, 5
    # 12 decodes per chunk with 4 examples: draws come in chunks of 3, 3 and 2, so the
    # streaming variance merge is exercised, not just one two-pass variance.
    monkeypatch.setattr(base, "DECODES_PER_CHUNK", 12)
    got = unc.decoded_variance(model, x, samples=samples, seed=seed, batch_size=4)
    # Same draws as the implementation: one SeedGenerator, one normal() call per chunk.
    generator = keras.random.SeedGenerator(seed)
    eps = np.concatenate(
        [keras.ops.convert_to_numpy(keras.random.normal((kc, 4, model.latent_dim), seed=generator)) for kc in (3, 3, 2)]
    )
    z_mean, z_log_var = model.encode(x)
    z = z_mean[None] + np.exp(0.5 * z_log_var)[None] * eps
    decoded = model.decode(z.reshape(-1, model.latent_dim)).reshape((samples,) + x.shape)
    expected = decoded.var(axis=0, ddof=1).reshape(len(x), -1).mean(-1)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-9)


def test_decoded_variance_vanishes_with_a_point_posterior_and_grows_with_its_width(images):
    model = tiny_models()["dense"]()
    means = []
    for log_var in (-60.0, -8.0, -4.0, 0.0):
        _set_posterior_log_var(model, log_var)
        spread = unc.posterior_spread(model, images)
        np.testing.assert_allclose(spread, np.exp(0.5 * log_var), rtol=1e-6)
        means.append(float(unc.decoded_variance(model, images, samples=16, seed=0).mean()))
    assert means[0] == pytest.approx(0.0, abs=1e-12)  # std 1e-13: every draw decodes to the same image
    assert means[0] < means[1] < means[2] < means[3]


def test_conditional_model_takes_labels(images):
    cvae = tiny_models()["conditional_dense"]()
    labels = np.arange(len(images)) % 10
    scores = unc.uncertainty(cvae, images, labels, samples=3)
    assert scores["decoded_variance"].shape == (len(images),)
    with pytest.raises(ValueError, match="needs labels"):
        unc.decoded_variance(cvae, images)


@pytest.mark.parametrize(
    "x, message",
    [
        (np.zeros((2, 28, 28), "float32"), r"shape \(batch, 28, 28, 1\), got \(2, 28, 28\)"),
        (np.zeros((28, 28, 1), "float32"), "batch axis"),
        (np.zeros((2, 28, 28, 1), "uint8"), "floating dtype, got uint8"),
        (np.full((2, 28, 28, 1), 1.5, "float32"), r"\[0, 1\], got values in \[1.5, 1.5\]"),
        (np.full((2, 28, 28, 1), np.nan, "float32"), "NaN"),
    ],
)
def test_bad_images(dense, x, message):
    for call in (unc.posterior_spread, unc.decoded_variance, unc.uncertainty):
        with pytest.raises(ValueError, match=message):
            call(dense, x)


def test_bad_arguments(dense, images):
    for samples, message in [(0, "samples must be a positive integer, got 0"), (2.5, "positive integer"),
                             (1, "at least 2")]:
        with pytest.raises(ValueError, match=message):
            unc.decoded_variance(dense, images, samples=samples)
        with pytest.raises(ValueError, match=message):
            unc.uncertainty(dense, images, samples=samples)
    with pytest.raises(ValueError, match="reduce must be one of"):
        unc.posterior_spread(dense, images, reduce="max")
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        unc.decoded_variance(dense, images, batch_size=0)
    with pytest.raises(ValueError, match="unconditional"):
        unc.posterior_spread(dense, images, labels=np.zeros(len(images), "int32"))


def _check_set(x, n, binary=True):
    assert x.shape == (n, 28, 28, 1) and x.dtype == np.float32
    assert x.min() >= 0 and x.max() <= 1
    if binary:
        assert set(np.unique(x)) <= {0.0, 1.0}


def test_ood_sets(images):
    sets = ood.ood_sets(images, 5, seed=1)
    assert set(sets) == {"inverted", "noise", "letters"}
    for name, x in sets.items():
        _check_set(x, 5)
    np.testing.assert_array_equal(sets["inverted"], 1.0 - images[:5])
    again = ood.ood_sets(images, 5, seed=1)
    for name in sets:
        np.testing.assert_array_equal(sets[name], again[name])
    assert not np.array_equal(ood.letters(5, seed=2), sets["letters"])
    with pytest.raises(ValueError, match="at least n=7"):
        ood.ood_sets(images, 7)


def test_noise_matches_mnist_ink():
    noise = ood.uniform_noise(200, seed=0)
    _check_set(noise, 200)
    assert noise.mean() == pytest.approx(ood.MNIST_MEAN_PIXEL, abs=0.005)
    assert ood.uniform_noise(3, seed=0, density=0.0).max() == 0.0
    with pytest.raises(ValueError, match="density"):
        ood.uniform_noise(3, density=1.5)


def test_letters_are_placed_like_mnist_digits():
    x = ood.letters(52, seed=0)
    _check_set(x, 52)
    ink = x[..., 0].sum(axis=(1, 2))
    assert np.all(ink > 20)  # every letter drawn, none lost to the threshold
    rows, cols = np.nonzero(x[..., 0].sum(0))
    assert rows.min() >= 0 and rows.max() <= 27
    ys, xs = np.indices((28, 28))
    centre_y = (x[..., 0] * ys).sum(axis=(1, 2)) / ink
    centre_x = (x[..., 0] * xs).sum(axis=(1, 2)) / ink
    assert np.all(np.abs(centre_y - 13.5) < 4) and np.all(np.abs(centre_x - 13.5) < 4)
    assert np.all((x[..., 0].any(axis=2)).sum(axis=1) <= 22)  # fitted in a 20 px box, + a pixel of blur


def test_bad_ood_inputs():
    with pytest.raises(ValueError, match="n must be a positive integer"):
        ood.letters(0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ood.inverted(np.full((2, 28, 28, 1), 255.0, "float32"))
    with pytest.raises(ValueError, match="shape"):
        ood.inverted(np.zeros((2, 28, 28), "float32"))


def test_auroc_by_hand(monkeypatch):
    # Pairs (in, out): (0.1, 0.3) ok, (0.1, 0.15) ok, (0.2, 0.3) ok, (0.2, 0.15) wrong -> 3/4.
    assert ood.auroc([0.1, 0.2], [0.3, 0.15]) == pytest.approx(0.75)
    assert ood.auroc([0.0, 1.0], [2.0, 3.0]) == 1.0
    assert ood.auroc([2.0, 3.0], [0.0, 1.0]) == 0.0
    assert ood.auroc([1.0, 1.0], [1.0]) == 0.5  # ties count one half
    with pytest.raises(ValueError, match="non-empty 1-d"):
        ood.auroc([], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        ood.auroc([np.nan], [1.0])
    monkeypatch.setitem(sys.modules, "sklearn.metrics", None)
    with pytest.raises(ImportError, match=r"pip install keras-vae\[apps\]"):
        ood.auroc([0.0], [1.0])


def test_shipped_model_on_real_digits(mnist_test):
    import keras_vae

    model = keras_vae.zoo.load("conv_mnist")
    digits = mnist_test[0][:64]
    scores = unc.uncertainty(model, digits, samples=4)
    assert np.all(scores["decoded_variance"] > 0)
    assert np.all((scores["posterior_spread"] > 0) & (scores["posterior_spread"] <= 2))


def test_example_prints_aurocs(mnist_dir):
    env = dict(os.environ)  # carries KERAS_VAE_TFDS_DIR, the session's prepared TFDS folder
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), "--examples", "200", "--samples", "8", "--data-dir", str(mnist_dir)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    found = dict(
        ((score, name), float(value))
        for score, name, value in re.findall(r"^AUROC (\w+) (\w+) ([0-9.]+)$", out.stdout, re.MULTILINE)
    )
    expected = {(s, n) for s in ("posterior_spread", "decoded_variance") for n in ("inverted", "noise", "letters")}
    assert set(found) == expected, out.stdout
    assert all(0.0 <= v <= 1.0 for v in found.values())
    assert re.search(r"^MEAN decoded_variance digits [0-9.e-]+$", out.stdout, re.MULTILINE)
