"""The 8-bit likelihood: a probability over 256 grey levels, matching scipy's logistic CDF."""

import numpy as np
import pytest
from scipy import stats

from keras_vae import likelihoods

LEVELS = np.arange(256, dtype="float32") / 255.0


def log_probs(mean, log_scale, x=LEVELS):
    params = np.stack([np.full_like(x, mean), np.full_like(x, log_scale)], axis=-1)[None]
    lik = likelihoods.DiscretizedLogistic()
    return np.asarray(lik.elementwise_log_prob(x[None, :, None], params))[0, :, 0]


@pytest.mark.parametrize("mean,log_scale", [(0.5, -3.0), (0.02, -5.0), (0.9, -1.0), (0.3, -7.0), (1.4, -6.0)])
def test_masses_sum_to_one_and_match_scipy(mean, log_scale):
    lp = log_probs(mean, log_scale).astype("float64")
    assert np.all(np.isfinite(lp))
    np.testing.assert_allclose(np.exp(lp).sum(), 1.0, atol=2e-4)
    cdf = stats.logistic(loc=mean, scale=np.exp(log_scale)).cdf
    edges = np.concatenate([[-np.inf], (LEVELS[:-1] + LEVELS[1:]) / 2, [np.inf]])
    reference = cdf(edges[1:]) - cdf(edges[:-1])
    big = reference > 1e-4
    np.testing.assert_allclose(lp[big], np.log(reference[big]), rtol=0, atol=2e-3)


def test_far_tail_stays_finite_and_close_to_density_times_width():
    # A sharp logistic at 0.1: the bin at 0.9 has mass ~ density * width, far below float32's sigmoid resolution.
    lp = log_probs(0.1, -4.0, x=np.array([0.9], "float32"))
    s = np.exp(-4.0)
    reference = stats.logistic(loc=0.1, scale=s).logpdf(0.9) + np.log(1 / 255)
    np.testing.assert_allclose(lp[0], reference, atol=1e-2)


def test_round_trips_through_config_and_registry():
    lik = likelihoods.get({"name": "discretized_logistic", "config": {"levels": 16}})
    assert lik.levels == 16 and lik.param_channels == 2
    assert likelihoods.get(likelihoods.serialize(lik)).get_config() == lik.get_config()
    with pytest.raises(ValueError, match="levels"):
        likelihoods.DiscretizedLogistic(levels=1)
