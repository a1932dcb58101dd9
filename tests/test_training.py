import csv
import json

import keras
import numpy as np
import pytest

from keras_vae import zoo
from keras_vae.training import train
from keras_vae.zoo import Recipe

TINY = Recipe(
    name="tiny_mnist",
    model="ConditionalVAE",
    model_args=dict(num_classes=10, latent_dim=2, filters=(4, 8), hidden_units=8, seed=0),
    epochs=3,
    batch_size=64,
    eval_examples=20,
    eval_k=5,
)


class Crash(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt("killed after epoch 2")


def epochs_logged(out):
    with open(out / "history.csv") as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


def test_killed_run_resumes_from_its_last_checkpoint(tmp_path, mnist_dir):
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        train(TINY, out, data_dir=mnist_dir, limit=256, verbose=0, callbacks=[Crash()], evaluate=False)
    assert epochs_logged(out) == [0, 1]
    assert not (out / "model.weights.h5").exists()  # no final artefact from an unfinished run
    model = train(TINY, out, data_dir=mnist_dir, limit=256, verbose=0)
    assert epochs_logged(out) == [0, 1, 2]  # continued at epoch 3, did not start over
    card = json.loads((out / "card.json").read_text())
    assert card["epochs"] == 3 and card["train_examples"] == 256
    assert card["test"]["nll_examples"] == 20 and np.isfinite(card["test"]["nll"])
    assert card["test"]["nll"] > -card["test"]["test_elbo"] - 30  # NLL is near -ELBO, not garbage
    assert (out / "card.md").read_text().startswith("# tiny_mnist")
    restored = zoo.build(TINY)
    restored.load_weights(out / "model.weights.h5")
    x = np.zeros((2, 28, 28, 1), "float32")
    np.testing.assert_allclose(restored.reconstruct(x, [1, 2]), model.reconstruct(x, [1, 2]))


class CrashAfterFirstEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            raise KeyboardInterrupt("killed after epoch 1")


def test_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(tmp_path, mnist_dir):
    """Same seed, same data order, same binarisation, same noise: resume is exact."""
    recipe = Recipe(name="tiny_resume", model="ConvVAE", model_args=dict(latent_dim=2, filters=(4, 8), hidden_units=8,
                    seed=0), epochs=2, batch_size=64)
    straight = train(recipe, tmp_path / "straight", data_dir=mnist_dir, limit=192, verbose=0, evaluate=False)
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        train(recipe, out, data_dir=mnist_dir, limit=192, verbose=0, evaluate=False, callbacks=[CrashAfterFirstEpoch()])
    assert epochs_logged(out) == [0]
    resumed = train(recipe, out, data_dir=mnist_dir, limit=192, verbose=0, evaluate=False)
    assert epochs_logged(out) == [0, 1]
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    first = [row for row in csv.DictReader(open(tmp_path / "straight" / "history.csv"))]
    second = [row for row in csv.DictReader(open(out / "history.csv"))]
    assert float(first[-1]["loss"]) == pytest.approx(float(second[-1]["loss"]), rel=1e-5)


def test_failed_run_leaves_no_run_folder(tmp_path):
    out = tmp_path / "runs" / "nothing"
    with pytest.raises(FileNotFoundError):
        train(TINY, out, data_dir=tmp_path / "no_such_data", verbose=0, evaluate=False)
    assert not out.exists()
