"""Evaluation in chunks (for the progress bar) draws the same noise as one call."""

import numpy as np

from keras_vae import evaluation
from keras_vae.models import DenseVAE


def test_chunked_evaluation_equals_one_call(capsys):
    model = DenseVAE(latent_dim=2, hidden_units=(8,), seed=1)
    rng = np.random.default_rng(0)
    x = (rng.random((150, 28, 28, 1)) < 0.3).astype("float32")
    y = np.zeros(150, "int32")
    figures = evaluation.evaluate(model, arrays=(x, y), examples=130, k=7, verbose=1)
    idx = evaluation.subset_indices(150, 130)
    expected_nll = -np.mean(model.log_likelihood(x[idx], k=7, seed=0))
    expected_elbo = np.mean(model.elbo(x, seed=0))
    assert abs(figures["nll"] - expected_nll) < 1e-4
    assert abs(figures["test_elbo"] - expected_elbo) < 1e-4
    assert "decoder pass" in capsys.readouterr().out  # the progress bar
    assert evaluation.estimate_seconds(figures, 1000, 1000) > 0


def test_the_check_slice_protocol_follows_the_data_kind():
    """Images: SLICE_* examples and k; molecules: TOKEN_SLICE_* (what training records in a token card)."""
    from keras_vae.models import SequenceVAE

    image = DenseVAE(latent_dim=2, hidden_units=(8,), seed=1)
    tokens = SequenceVAE(vocabulary=["[C]", "[O]"], max_length=8, latent_dim=2, units=4, embedding_dim=2)
    assert evaluation.slice_protocol(image) == (evaluation.SLICE_EXAMPLES, evaluation.SLICE_K)
    assert evaluation.slice_protocol(tokens) == (evaluation.TOKEN_SLICE_EXAMPLES, evaluation.TOKEN_SLICE_K)
