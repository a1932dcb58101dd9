"""The categorical likelihood against numpy: log-softmax of each true token, padding after <eos> masked."""

import numpy as np
from keras import ops

from keras_vae import likelihoods


def numpy_log_prob(ids, logits, pad=0):
    log_p = logits - logits.max(-1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_p, ids[..., None].astype(int), -1)[..., 0]
    return (picked * (ids != pad)).sum(-1)


def test_log_prob_matches_numpy_and_ignores_padding():
    rng = np.random.default_rng(0)
    ids = np.array([[3, 4, 1, 0, 0], [5, 1, 0, 0, 0]], "float32")
    logits = rng.normal(size=(2, 5, 6)).astype("float32") * 3
    cat = likelihoods.Categorical()
    got = ops.convert_to_numpy(cat.log_prob(ids, ops.convert_to_tensor(logits), event_ndims=1))
    np.testing.assert_allclose(got, numpy_log_prob(ids, logits), rtol=1e-5)
    # Logits at padded positions do not matter.
    changed = logits.copy()
    changed[0, 3:] += 100.0
    np.testing.assert_allclose(ops.convert_to_numpy(cat.log_prob(ids, ops.convert_to_tensor(changed), 1)), got, rtol=1e-5)


def test_broadcasts_over_leading_sample_axes_and_is_a_distribution():
    rng = np.random.default_rng(1)
    ids = np.array([[2, 1, 0]], "float32")
    logits = rng.normal(size=(4, 1, 3, 3)).astype("float32")
    got = ops.convert_to_numpy(likelihoods.Categorical().log_prob(ids[None], ops.convert_to_tensor(logits), 1))
    assert got.shape == (4, 1)
    np.testing.assert_allclose(got[:, 0], [numpy_log_prob(ids, logits[i])[0] for i in range(4)], rtol=1e-5)
    # Over every one-token sequence "t <eos>" and beyond, probabilities of a position sum to 1.
    probs = ops.convert_to_numpy(likelihoods.Categorical().mean(ops.convert_to_tensor(logits)))
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)


def test_serialises_by_name():
    cat = likelihoods.get(likelihoods.serialize(likelihoods.Categorical(pad_id=0)))
    assert isinstance(cat, likelihoods.Categorical) and cat.pad_id == 0
