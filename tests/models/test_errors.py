"""Every bad input names what was expected and what came."""

import numpy as np
import pytest

from helpers import tiny_models


@pytest.fixture(scope="module")
def conv():
    return tiny_models()["conv"]()


@pytest.fixture(scope="module")
def cvae():
    return tiny_models()["conditional_conv"]()


@pytest.mark.parametrize(
    "x, message",
    [
        (np.zeros((2, 28, 28), "float32"), r"shape \(batch, 28, 28, 1\), got \(2, 28, 28\)"),
        (np.zeros((28, 28, 1), "float32"), "batch axis"),
        (np.zeros((2, 32, 32, 1), "float32"), r"got \(2, 32, 32, 1\)"),
        (np.zeros((2, 28, 28, 1), "uint8"), "floating dtype, got uint8.*255"),
        (np.full((2, 28, 28, 1), 2.0, "float32"), r"\[0, 1\], got values in \[2, 2\]"),
        (np.full((2, 28, 28, 1), np.nan, "float32"), "NaN"),
        ("not an image", "shape"),
    ],
)
def test_bad_images(conv, x, message):
    for call in (conv.encode, conv.reconstruct, conv.elbo, conv.log_likelihood):
        with pytest.raises(ValueError, match=message):
            call(x)


def test_bad_labels(cvae, conv):
    x = np.zeros((3, 28, 28, 1), "float32")
    with pytest.raises(ValueError, match="needs labels"):
        cvae.encode(x)
    with pytest.raises(ValueError, match=r"\[0, 10\), got values in \[0, 10\]"):
        cvae.encode(x, [0, 1, 10])
    with pytest.raises(ValueError, match="got 2 labels for 3 examples"):
        cvae.encode(x, [0, 1])
    with pytest.raises(ValueError, match="must be integers"):
        cvae.encode(x, [0.5, 1, 2])
    with pytest.raises(ValueError, match="unconditional"):
        conv.encode(x, [0, 1, 2])
    with pytest.raises(ValueError, match="must lie in"):
        cvae.sample(2, labels=[-1, 3])


def test_bad_latents_and_counts(conv):
    with pytest.raises(ValueError, match=r"latents must have shape \(batch, 3\), got \(2, 4\)"):
        conv.decode(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="n must be a positive integer"):
        conv.sample(0)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        conv.log_likelihood(np.zeros((1, 28, 28, 1), "float32"), k=0)


def test_bad_constructor_arguments():
    from keras_vae.models import ConditionalVAE, ConvVAE

    with pytest.raises(ValueError, match="Unknown likelihood 'poisson'"):
        ConvVAE(likelihood="poisson")
    with pytest.raises(ValueError, match="beta must be >= 0"):
        ConvVAE(beta=-1)
    with pytest.raises(ValueError, match="Unknown body 'rnn'"):
        ConditionalVAE(body="rnn")
    with pytest.raises(ValueError, match="divisible"):
        ConvVAE(image_shape=(30, 30, 1))


def test_not_a_keras_vae_file(tmp_path):
    import keras

    from keras_vae.saving import load_model

    other = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    other.save(tmp_path / "other.keras")
    with pytest.raises(ValueError, match="not a keras_vae model"):
        load_model(tmp_path / "other.keras")
    (tmp_path / "junk.keras").write_bytes(b"junk")
    with pytest.raises(ValueError, match="not a .keras model archive"):
        load_model(tmp_path / "junk.keras")
    with pytest.raises(FileNotFoundError, match="no model file"):
        load_model(tmp_path / "missing.keras")
