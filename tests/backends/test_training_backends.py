"""``keras_vae.training.train`` on whichever backend Keras runs: a killed run resumes, and the
step counter (which drives the KL warm-up) resumes with it."""

import json

import keras
import numpy as np
import pytest

from keras_vae.training import train
from keras_vae.zoo import Recipe

pytestmark = pytest.mark.backends

TINY = Recipe(
    name="tiny_dense_mnist",
    model="DenseVAE",
    model_args=dict(latent_dim=2, hidden_units=(16,), seed=0, kl_warmup_steps=100),
    epochs=2,
    batch_size=64,
    eval_examples=20,
    eval_k=5,
)


class Crash(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            raise KeyboardInterrupt("killed after epoch 1")


@pytest.mark.slow  # 50 s on TF (tests/test_training.py checks exact resume there); the JAX/torch batteries run it
def test_train_resumes_with_its_step_counter(tmp_path, mnist_dir):
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        train(TINY, out, data_dir=mnist_dir, limit=256, verbose=0, callbacks=[Crash()], evaluate=False)
    model = train(TINY, out, data_dir=mnist_dir, limit=256, verbose=0)
    card = json.loads((out / "card.json").read_text())
    assert card["machine"].endswith(f"Keras backend {keras.backend.backend()}")
    assert np.isfinite(card["test"]["nll"]) and card["test"]["nll"] > -card["test"]["test_elbo"] - 30
    # 256 images / batch 64 = 4 steps per epoch; the second epoch continued from step 4.
    assert int(keras.ops.convert_to_numpy(model.step_counter.value)) == 8
