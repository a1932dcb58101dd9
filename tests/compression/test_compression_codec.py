"""Bits-back lossless coding, lossy latent codes and the .kvz container, on 20 real test images.

The fixture ``mnist_test_20.npy`` holds the first 20 images of the evaluation's fixed
binarisation of the MNIST test split (``keras_vae.evaluation.binarized_test_set``, seed 0),
bit-packed; ``test_fixture_is_the_evaluation_binarisation`` (slow: it prepares MNIST)
checks that it still is.
"""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("constriction")

from keras_vae import zoo  # noqa: E402
from keras_vae.compression import CompressedFileError, bitsback, compress, container, decompress  # noqa: E402
from keras_vae.compression.latents import Buckets  # noqa: E402

FIXTURE = Path(__file__).with_name("mnist_test_20.npy")


def load_fixture():
    return np.unpackbits(np.load(FIXTURE)).reshape(20, 28, 28, 1).astype("float32")


@pytest.fixture(scope="module")
def images():
    return load_fixture()


@pytest.fixture(scope="module")
def conv():
    return zoo.load("conv_mnist")


@pytest.fixture(scope="module")
def packed(conv, images):
    stats = {}
    return compress(conv, images, name="conv_mnist", stats=stats), stats


def test_round_trip_is_exact_and_keeps_the_dtype(conv, images, packed):
    blob, _ = packed
    restored = decompress(conv, blob, name="conv_mnist")
    assert restored.dtype == np.float32
    np.testing.assert_array_equal(restored, images)
    as_bool = decompress(conv, compress(conv, images[:3].astype(bool)))
    assert as_bool.dtype == bool
    np.testing.assert_array_equal(as_bool, images[:3].astype(bool))


def test_rate_is_the_coded_information_and_near_the_negative_elbo(conv, images, packed):
    blob, stats = packed
    coded = stats["total_bits"] - stats["seed_bits"]
    ideal = stats["ideal_bits"]["net"]
    # The coder's overhead over the float64 information content: 24-bit probabilities and
    # the ANS state, a few bits per image at most (+-64: the stack is counted in 32-bit words).
    assert ideal - 64 <= coded <= ideal + 4 * len(images) + 64
    neg_elbo_bits = -np.mean(conv.elbo(images, seed=0)) / np.log(2) * len(images)
    # One posterior draw per image on both sides: equal in expectation, within sampling noise here.
    assert abs(coded - neg_elbo_bits) < 0.05 * neg_elbo_bits
    assert stats["total_bits"] < 0.25 * images.size  # under the paper's bz2 rate even with the initial bits
    assert len(blob) * 8 < stats["total_bits"] + 8 * 1024  # the header is under 1 KiB


def test_initial_bits_are_stated_and_returned():
    words = bitsback.seed_words(32)
    assert len(words) == 32 * 24 // 32 + 2 and words[-1] != 0
    np.testing.assert_array_equal(words, bitsback.seed_words(32))


def test_buckets_have_equal_prior_mass_and_posterior_tables_match_the_cdf():
    from scipy.special import ndtr

    b = Buckets(8)
    np.testing.assert_allclose(np.diff(ndtr(b.edges)), 2.0**-8, rtol=1e-9)
    for mu, sigma in [(0.3, 0.1), (-2.5, 0.02), (0.0, 1.0), (5.0, 0.01)]:
        lo, probs = b.posterior_table(mu, sigma)
        edges = b.edges[lo : lo + len(probs) + 1]
        np.testing.assert_allclose(probs, ndtr((edges[1:] - mu) / sigma) - ndtr((edges[:-1] - mu) / sigma),
                                   atol=1e-15)
        assert len(probs) >= 2 and probs.sum() > 1 - 1e-9


@pytest.mark.parametrize("cut", [0, 3, 7, 40, -33, -1])
def test_truncated_file_is_a_clear_error(conv, packed, cut):
    blob, _ = packed
    with pytest.raises(CompressedFileError, match="truncated|empty|magic"):
        decompress(conv, blob[:cut])


@pytest.mark.parametrize("where", [5, 40, -100, -1])
def test_corrupt_file_is_a_clear_error(conv, packed, where):
    blob = bytearray(packed[0])
    blob[where] ^= 0x10
    with pytest.raises(CompressedFileError, match="corrupt|truncated|version"):
        decompress(conv, bytes(blob))


def test_not_a_kvz_file(conv):
    with pytest.raises(CompressedFileError, match="not a keras-vae compressed file"):
        decompress(conv, b"\x89PNG\r\n\x1a\n" + bytes(100))


def test_wrong_model_is_refused(packed):
    blob, _ = packed
    dense = zoo.load("dense_mnist")
    with pytest.raises(CompressedFileError, match="compressed with model 'conv_mnist', not 'dense_mnist'"):
        decompress(dense, blob, name="dense_mnist")
    with pytest.raises(CompressedFileError, match="weights differ"):
        decompress(dense, blob)
    untrained = zoo.create("conv_mnist")  # same architecture, other weights
    with pytest.raises(CompressedFileError, match="weights differ"):
        decompress(untrained, blob, name="conv_mnist")


def test_a_decode_that_misses_the_recorded_checksum_is_an_error(conv, packed):
    header, words = container.unpack(packed[0])
    forged = container.pack(dict(header, images_sha256="0" * 64), words)  # valid file checksums
    with pytest.raises(CompressedFileError, match="do not match the recorded checksum"):
        decompress(conv, forged)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((0, 28, 28, 1), "float32"), "no images"),
        (np.zeros((2, 28, 28), "float32"), "shape"),
        (np.zeros((28, 28, 1), "float32"), "batch axis"),
        (np.full((2, 28, 28, 1), 0.5, "float32"), "binary images"),
        (np.full((2, 28, 28, 1), 200, "uint8"), "8-bit"),
        (np.full((2, 28, 28, 1), np.nan, "float32"), "NaN"),
        (np.array([["a"]]), "numeric"),
    ],
)
def test_bad_images_are_refused(conv, bad, message):
    with pytest.raises(ValueError, match=message):
        compress(conv, bad)


def test_models_without_a_discrete_likelihood_or_with_labels_are_refused(images):
    from keras_vae.models import ConditionalVAE, DenseVAE

    gaussian = DenseVAE(latent_dim=2, hidden_units=(8,), likelihood="gaussian")
    with pytest.raises(ValueError, match="discrete likelihood"):
        compress(gaussian, images[:2])
    cvae = ConditionalVAE(num_classes=10, body="dense", latent_dim=2, hidden_units=(8,))
    with pytest.raises(ValueError, match="unconditional"):
        compress(cvae, images[:2])


def test_lossy_codes_trade_rate_for_distortion(conv, images):
    rates, errors = [], []
    for step in (0.25, 1.0):
        stats = {}
        blob = compress(conv, images, lossy_step=step, entropy_model="prior", stats=stats)
        recon = decompress(conv, blob)
        assert recon.shape == images.shape and recon.dtype == np.float32
        assert 0 <= recon.min() and recon.max() <= 1
        rates.append(stats["total_bits"])
        errors.append(float(np.mean((recon - images) ** 2)))
    assert rates[0] > rates[1] and errors[0] < errors[1]
    assert errors[0] < np.mean((images - images.mean()) ** 2)  # better than a constant image
    with pytest.raises(ValueError, match="lossy step"):
        compress(conv, images, lossy_step=0)


@pytest.mark.slow
def test_fixture_is_the_evaluation_binarisation(mnist_test):
    np.testing.assert_array_equal(load_fixture(), mnist_test[0][:20])
