"""Generative design: class samples, latent interpolation (slerp/lerp), attribute directions."""

import numpy as np
import pytest

from keras_vae.models import ConditionalVAE, ConvVAE
from keras_vae.tasks import design


@pytest.fixture(scope="module")
def model():
    return ConvVAE(latent_dim=4, filters=(4, 8), hidden_units=16, seed=1)


@pytest.fixture(scope="module")
def cvae():
    return ConditionalVAE(num_classes=3, latent_dim=4, filters=(4, 8), hidden_units=16, seed=1)


@pytest.fixture(scope="module")
def x():
    return (np.random.default_rng(0).random((6, 28, 28, 1)) < 0.3).astype("float32")


def test_class_samples_are_class_blocks_sharing_their_z(cvae):
    out = design.class_samples(cvae, [2, 0], per_class=3, seed=5, temperature=0.5)
    assert out.shape == (6, 28, 28, 1)
    z = np.random.default_rng(5).standard_normal((3, 4)).astype("float32") * 0.5
    np.testing.assert_allclose(out[:3], cvae.decode(z, [2, 2, 2]), atol=1e-6)
    np.testing.assert_allclose(out[3:], cvae.decode(z, [0, 0, 0]), atol=1e-6)
    with pytest.raises(ValueError, match="need a conditional model"):
        design.class_samples(ConvVAE(latent_dim=2, filters=(4, 8), hidden_units=8), [0])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        design.class_samples(cvae, [3])


def test_interpolation_ends_at_the_two_reconstructions(model, x):
    for method in ("slerp", "lerp"):
        path = design.interpolate(model, x[0], x[1], steps=5, method=method)
        assert path.shape == (5, 28, 28, 1)
        np.testing.assert_allclose(path[[0, -1]], model.reconstruct(x[:2]), atol=1e-5)
    za, zb = model.encode(x[:2])[0]
    mid = design.interpolate(model, x[0], x[1], steps=3, method="lerp")[1]
    np.testing.assert_allclose(mid, model.decode(((za + zb) / 2)[None])[0], atol=1e-5)


def test_slerp_keeps_the_norm_of_equal_norm_ends():
    a, b = np.array([3.0, 0, 0, 0]), np.array([0, 3.0, 0, 0])
    path = design._path(a, b, 7, "slerp")
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 3.0, rtol=1e-6)
    assert np.linalg.norm(design._path(a, b, 3, "lerp")[1]) < 3.0


def test_attribute_direction_is_the_mean_code_difference(model, x):
    d = design.attribute_direction(model, x[:3], x[3:])
    codes = model.encode(x)[0]
    np.testing.assert_allclose(d, codes[3:].mean(0) - codes[:3].mean(0), atol=1e-6)
    edits = design.apply_direction(model, x[0], d, strengths=[0.0, 2.0])
    np.testing.assert_allclose(edits[0], model.reconstruct(x[:1])[0], atol=1e-5)
    np.testing.assert_allclose(edits[1], model.decode((codes[0] + 2 * d)[None])[0], atol=1e-5)


def test_conditional_interpolation_and_edits_take_a_label(cvae, x):
    path = design.interpolate(cvae, x[0], x[1], steps=3, label=1)
    np.testing.assert_allclose(path[0], cvae.reconstruct(x[:1], [1])[0], atol=1e-5)
    d = design.attribute_direction(cvae, x[:2], x[2:4], [0, 0], [1, 1])
    assert design.apply_direction(cvae, x[0], d, [0, 1], label=2).shape == (2, 28, 28, 1)


def test_bad_arguments_are_clear_errors(model, x):
    with pytest.raises(ValueError, match="steps must be >= 2"):
        design.interpolate(model, x[0], x[1], steps=1)
    with pytest.raises(ValueError, match="unknown interpolation 'cubic'"):
        design.interpolate(model, x[0], x[1], method="cubic")
    with pytest.raises(ValueError, match=r"latents must have shape \(batch, 4\)"):
        design.apply_direction(model, x[0], np.zeros(3, "float32"))
    with pytest.raises(ValueError, match="strengths must be"):
        design.apply_direction(model, x[0], np.zeros(4, "float32"), strengths=[])
    with pytest.raises(ValueError, match="at least one image in each group"):
        design.attribute_direction(model, x[:0], x)
