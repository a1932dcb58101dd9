"""The capacity-annealed objective of Burgess et al. (2018)."""

import numpy as np
import pytest

from keras_vae.models import ConvVAE


def test_penalty_is_gamma_times_distance_to_the_annealed_capacity():
    model = ConvVAE(latent_dim=3, filters=(4, 8), hidden_units=8, beta=10.0, capacity=20.0, capacity_steps=100)
    kl = np.array([3.0, 5.0], "float32")  # batch mean 4
    # At step 49 the target is 20 * 50/100 = 10 nats: penalty 10 * |4 - 10|.
    assert float(model.kl_penalty(kl, 49)) == pytest.approx(60.0)
    assert float(model.kl_penalty(kl, 10_000)) == pytest.approx(160.0)  # capped at 20 nats
    plain = ConvVAE(latent_dim=3, filters=(4, 8), hidden_units=8, beta=4.0)
    assert float(plain.kl_penalty(kl, 0)) == pytest.approx(16.0)
    config = model.get_config()
    assert config["capacity"] == 20.0 and config["capacity_steps"] == 100
    with pytest.raises(ValueError, match="capacity"):
        ConvVAE(capacity=-1.0)


def test_m2_refuses_capacity_it_would_ignore():
    """M2's loss weighs each example's KL by kl_weight; it takes no capacity target, and says so."""
    from keras_vae.models import SemiSupervisedVAE

    with pytest.raises(ValueError, match="SemiSupervisedVAE does not support capacity"):
        SemiSupervisedVAE(num_classes=10, latent_dim=2, hidden_units=(8,), classifier_units=(8,), capacity=5.0)
    model = SemiSupervisedVAE(num_classes=10, latent_dim=2, hidden_units=(8,), classifier_units=(8,), kl_warmup_steps=4)
    assert float(model.kl_weight(1)) == pytest.approx(0.5)  # the warm-up it does take
