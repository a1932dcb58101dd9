"""PixelVAE: the masks make the head autoregressive, the bound scores teacher-forced, generation draws pixel by pixel."""

import keras
import numpy as np
import pytest

from keras_vae.models import PixelVAE
from keras_vae.models.pixel import MaskedConv2D, causal_mask


def tiny(**kwargs):
    args = dict(latent_dim=3, filters=(4, 8), hidden_units=16, pixel_kernel=5, pixel_layers=1, pixel_filters=8,
                decoder_filters=(4, 8), seed=1)
    return PixelVAE(**{**args, **kwargs})


def test_masks_a_and_b():
    a, b = causal_mask(3, 1, 1, False)[..., 0, 0], causal_mask(3, 1, 1, True)[..., 0, 0]
    np.testing.assert_array_equal(a, [[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(b, [[1, 1, 1], [1, 1, 0], [0, 0, 0]])


def test_head_reads_only_earlier_pixels():
    """Changing pixel p moves the logits of later pixels only (raster order), through every layer."""
    model = tiny()
    t = keras.ops.convert_to_tensor
    maps = model.decoder_features(t(np.zeros((1, 3), "float32")))
    x = (np.random.default_rng(0).random((1, 28, 28, 1)) < 0.5).astype("float32")
    base = keras.ops.convert_to_numpy(model.pixel_head([maps, t(x)]))[0, :, :, 0]
    for i, j in [(0, 0), (10, 10), (27, 27), (5, 0)]:
        x1 = x.copy()
        x1[0, i, j] = 1 - x1[0, i, j]
        moved = np.abs(keras.ops.convert_to_numpy(model.pixel_head([maps, t(x1)]))[0, :, :, 0] - base) > 0
        order = np.arange(28 * 28).reshape(28, 28)
        assert not moved[order <= order[i, j]].any(), (i, j)
        if (i, j) != (27, 27):
            assert moved[order > order[i, j]].any(), (i, j)


def test_bound_is_the_teacher_forced_product_of_conditionals():
    """-log p(x|z) of the training loss equals the sum of each pixel's Bernoulli log-loss given the true past."""
    model = tiny()
    x = (np.random.default_rng(1).random((2, 28, 28, 1)) < 0.4).astype("float32")
    nll, _, params = model.bound_terms(keras.ops.convert_to_tensor(x), noise=keras.ops.zeros((2, 3)))
    logits = keras.ops.convert_to_numpy(params).astype("float64")
    expected = -(x * -np.logaddexp(0, -logits) + (1 - x) * -np.logaddexp(0, logits)).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(nll), expected, rtol=1e-5)


def test_generation_is_seeded_binary_and_conditional_on_its_own_draws():
    model = tiny(pixel_layers=0, image_shape=(8, 8, 1))  # 64 sequential head passes, not 784
    z = np.random.default_rng(0).standard_normal((3, 3)).astype("float32")
    images, probs = model.generate(z, seed=4)
    again, _ = model.generate(z, seed=4)
    np.testing.assert_array_equal(images, again)
    assert set(np.unique(images)) <= {0.0, 1.0} and probs.min() >= 0 and probs.max() <= 1
    # The probabilities are the head's teacher-forced output on the drawn image.
    head = keras.ops.convert_to_numpy(model.pixel_head([model.decoder_features(keras.ops.convert_to_tensor(z)),
                                                         keras.ops.convert_to_tensor(images)]))
    np.testing.assert_allclose(probs, 1 / (1 + np.exp(-head.astype("float64"))), atol=1e-5)


def test_free_nats_floor_the_training_kl_only():
    model = tiny(free_nats=5.0)
    kl = keras.ops.convert_to_tensor(np.array([1.0, 2.0], "float32"))
    assert float(model.kl_penalty(kl, 10**6)) == pytest.approx(5.0)
    assert float(model.kl_penalty(kl + 10, 10**6)) == pytest.approx(11.5)
    assert model.get_config()["free_nats"] == 5.0


@pytest.mark.parametrize("kwargs, message", [
    (dict(pixel_kernel=4), "odd"),
    (dict(likelihood="gaussian"), "binary pixels"),
    (dict(decoder_filters=(4,)), "one entry per encoder stride"),
    (dict(free_nats=-1.0), "free_nats"),
])
def test_bad_arguments_are_one_line_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tiny(**kwargs)


def test_masked_conv_refuses_strides_and_even_kernels():
    with pytest.raises(ValueError, match="square odd"):
        MaskedConv2D(4, 2)
    with pytest.raises(ValueError, match="strides=1"):
        MaskedConv2D(4, 3, strides=2)


def test_compression_refuses_an_autoregressive_decoder():
    from keras_vae.compression.networks import check_codable

    with pytest.raises(ValueError, match="autoregressive"):
        check_codable(tiny())
