"""The literature protocol's fast IWAE engines equal the model's own maths; its figures are computed right."""

import importlib.util
import math

import numpy as np
import pytest

from keras_vae import evaluation, importance
from helpers import tiny_models, tiny_recipe_model

HAS_ONNX = all(importlib.util.find_spec(m) for m in ("tf2onnx", "onnxruntime"))
needs_onnx = pytest.mark.skipif(not HAS_ONNX, reason="needs keras-vae[export]")
CASES = [
    ("tf", "dense"), ("tf", "conditional_conv"), ("tf", "pixelvae_mnist"),  # PixelVAE: teacher-forced context
    pytest.param("onnx", "dense", marks=needs_onnx),
    pytest.param("onnx", "conditional_conv", marks=[needs_onnx, pytest.mark.slow]),
]


def _images(n=12, seed=0):
    return (np.random.default_rng(seed).random((n, 28, 28, 1)) < 0.3).astype("float32")


@pytest.mark.parametrize("engine,family", CASES)
def test_fast_engine_equals_eager_keras_on_a_slice(engine, family):
    model = tiny_recipe_model(family) if family == "pixelvae_mnist" else tiny_models()[family]()
    x = _images()
    labels = np.arange(len(x), dtype="int32") % 10 if model.conditional else None
    noise = np.random.default_rng(3).standard_normal((9, len(x), model.latent_dim)).astype("float32")
    # The reference: the base model's primitives, called eagerly, on the same noise.
    z_mean, z_log_var = model.posterior(x, labels)
    z = model.reparameterize(z_mean[None], z_log_var[None], noise)
    flat_y = None if labels is None else np.tile(labels, 9)
    context = model.decoder_context(x)  # an autoregressive decoder reads x once per draw
    flat_context = None if context is None else np.tile(np.asarray(context), (9,) + (1,) * (np.ndim(context) - 1))
    params = model.decode_params(np.reshape(np.asarray(z), (-1, model.latent_dim)), flat_y, context=flat_context)
    params = np.reshape(np.asarray(params), (9, len(x)) + tuple(params.shape[1:]))
    expected = np.asarray(model.log_weights(x, z, params, z_mean, z_log_var))
    got = importance.LogWeights(model, engine)(x, labels, noise)
    assert got.shape == (9, len(x))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-3)


def test_estimate_matches_log_likelihood_and_ignores_batching():
    model = tiny_models()["dense"]()
    x = _images(6)
    lw = importance.LogWeights(model, "tf")
    fast = importance.iwae_log_px(lw, x, k=3000, seed=0)
    # A different batching and a single image alone give the same per-image figures (the
    # same noise; float32 matmuls of other shapes may round differently).
    np.testing.assert_allclose(importance.iwae_log_px(lw, x, k=3000, seed=0, decodes_per_call=700), fast, rtol=1e-6)
    np.testing.assert_allclose(importance.iwae_log_px(lw, x[4:5], indices=[4], k=3000, seed=0), fast[4:5], rtol=1e-6)
    # The model's own estimator (Keras noise) of the same log p(x): equal within Monte Carlo
    # error (per image up to ~0.7 nats between seeds for this untrained model on noise
    # images; a missing log k or a sign error on log q would be off by 8+ nats).
    assert abs(model.log_likelihood(x, k=3000, seed=0).mean() - fast.mean()) < 0.5
    assert fast.dtype == np.float64


def test_m2_marginal_sums_classes_exactly():
    model = tiny_models()["m2"]()
    x = _images(3)
    lw = importance.LogWeights(model, "tf")
    marginal = importance.log_px(model, x, k=20, seed=0, log_weights=lw)
    per_class = np.stack([importance.iwae_log_px(lw, x, np.full(3, y, "int32"), k=20, class_label=y)
                          for y in range(10)], axis=1)
    expected = np.log(np.exp(per_class.astype("float64")).sum(axis=1)) - math.log(10)
    np.testing.assert_allclose(marginal, expected, rtol=1e-9)


def test_two_latent_layers_draw_from_one_noise_vector():
    """M1+M2's z1 and z2 come from one noise vector per sample: the eager log-weights equal the two
    parts' primitives on that noise, and the compiled engine equals the eager one."""
    model = tiny_recipe_model("m1m2_mnist")
    x = _images(4)
    labels = np.arange(4, dtype="int32")
    assert model.noise_dim == model.m1_latent_dim + model.latent_dim
    noise = np.random.default_rng(3).standard_normal((9, 4, model.noise_dim)).astype("float32")
    eager = importance.LogWeights(model, "keras")(x, labels, noise)
    assert eager.shape == (9, 4) and np.isfinite(eager).all()
    # The reference, from the two parts' primitives: z1 from the first m1_latent_dim numbers, z2 from the rest.
    from keras_vae import likelihoods

    d1, d2 = model.m1_latent_dim, model.latent_dim
    m1_mean, m1_log_var = (np.asarray(t) for t in model.m1.posterior(x))
    z1 = (m1_mean + np.exp(0.5 * m1_log_var) * noise[..., :d1]).reshape(-1, d1)
    y = np.tile(labels, 9)
    m2_mean, m2_log_var = (np.asarray(t) for t in model.m2.posterior(z1, y))
    z2 = m2_mean + np.exp(0.5 * m2_log_var) * noise[..., d1:].reshape(-1, d2)
    expected = (np.asarray(model.m1.log_px(np.tile(x, (9, 1, 1, 1)), model.m1.decode_params(z1)))
                + np.asarray(model.m2.log_px(z1, model.m2.decode_params(z2, y)))
                + np.asarray(likelihoods.standard_normal_log_prob(z2))
                - np.asarray(likelihoods.diagonal_normal_log_prob(z2, m2_mean, m2_log_var))
                - np.asarray(likelihoods.diagonal_normal_log_prob(z1, np.tile(m1_mean, (9, 1)),
                                                                   np.tile(m1_log_var, (9, 1))))).reshape(9, 4)
    np.testing.assert_allclose(eager, expected, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(importance.LogWeights(model, "tf")(x, labels, noise), eager, rtol=1e-5, atol=1e-3)
    # The protocol's marginal sums the 10 classes: finite, one figure per image.
    assert np.isfinite(importance.log_px(model, x, k=20, engine="tf")).all()


def test_literature_block_figures_and_stderr():
    model = tiny_models()["dense"]()
    x = _images(40)
    block = evaluation.literature(model, arrays=(x, np.zeros(40, "int32")), examples=25, k=5)
    idx = evaluation.subset_indices(40, 25)
    nll = -importance.log_px(model, x[idx], indices=idx, k=5, seed=0)
    assert block["nll"] == pytest.approx(nll.mean(), rel=1e-12)
    assert block["nll_stderr"] == pytest.approx(nll.std(ddof=1) / math.sqrt(25), rel=1e-12)
    assert (block["nll_k"], block["nll_examples"], block["test_images"]) == (5, 25, 40)
    assert block["protocol"] == "literature subset"
    everything = evaluation.literature(model, arrays=(x, np.zeros(40, "int32")), k=5)
    assert (everything["protocol"], everything["nll_subset"]) == ("literature", "all 40 test images")


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine"):
        importance.LogWeights(tiny_models()["dense"](), "tpu")


def test_smaller_k_are_the_first_draws_and_checkpoint_resumes(tmp_path):
    model = tiny_models()["dense"]()
    x = _images(30)
    arrays = (x, np.zeros(30, "int32"))
    ckpt = tmp_path / "run.json"
    block = evaluation.literature(model, arrays=arrays, examples=20, k=6, also_k=(2,), checkpoint=str(ckpt))
    at_2 = evaluation.literature(model, arrays=arrays, examples=20, k=2)
    row = block["smaller_k"]["2"]
    assert row["nll"] == pytest.approx(at_2["nll"], rel=1e-6)
    assert row["minus_nll_at_k"] == pytest.approx(at_2["nll"] - block["nll"], rel=1e-5)
    resumed = evaluation.literature(model, arrays=arrays, examples=20, k=6, also_k=(2,), checkpoint=str(ckpt))
    assert resumed["nll"] == block["nll"] and resumed["samples_per_second"] == 0  # nothing left to do
    with pytest.raises(ValueError, match="checkpoint"):
        evaluation.literature(model, arrays=arrays, examples=20, k=7, checkpoint=str(ckpt))


def test_card_shows_each_protocol_block_with_its_k_and_images():
    from keras_vae import cards, zoo

    card = {k: v for k, v in zoo.card("dense_mnist").items() if k != "literature"}
    block = {"nll": 87.5, "nll_stderr": 0.2, "nll_k": 5000, "nll_examples": 500, "test_images": 10000,
             "eval_seconds": 60.0, "engine": "tf",
             "smaller_k": {"1000": {"nll": 87.8, "nll_stderr": 0.2, "minus_nll_at_k": 0.3,
                                    "minus_nll_at_k_stderr": 0.01}}}
    every = dict(block, nll_k=1000, nll_examples=10000, smaller_k={})
    markdown = cards.render_markdown({**card, "literature": [every, block]})
    assert "literature protocol: IWAE k=1000, all 10000 test images | 87.50 ± 0.20 |" in markdown
    assert "literature protocol: IWAE k=5000, 500 random test images (fixed seed) | 87.50 ± 0.20 |" in markdown
    assert "the same at k=1000 (the first 1000 of those draws; minus the k=5000 figure: +0.300 ± 0.010)" in markdown
    assert "--protocol literature --k 5000 --examples 500 --also-k 1000`" in markdown
    assert cards.render_markdown(card) == (cards.render_markdown({**card, "literature": []}))
