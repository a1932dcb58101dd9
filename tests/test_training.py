import csv
import json

import keras
import numpy as np
import pytest

from keras_vae import zoo
from keras_vae.training import BACKENDS_FILE, machine_line, train
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


@pytest.mark.slow  # test_resumed_run_ends_with_the_weights_of_an_uninterrupted_one covers resume by default
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


def real_mnist_slice(n):
    """The first n MNIST training images, read straight from the original file (no TFDS)."""
    import gzip
    import os
    from pathlib import Path

    default = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"
    MNIST_DIR = Path(os.environ.get("KERAS_VAE_TEST_MNIST", default))
    path = MNIST_DIR / "train-images-idx3-ubyte.gz"
    if not path.exists():
        pytest.skip(f"offline MNIST files not found at {MNIST_DIR}")
    with gzip.open(path) as f:
        raw = f.read(16 + n * 784)
    return np.frombuffer(raw, np.uint8, offset=16).reshape(n, 28, 28, 1)


def test_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(tmp_path):
    """Same seed, data order, binarisation and noise: a killed-and-resumed run equals a straight one."""
    images = real_mnist_slice(160)
    recipe = Recipe(name="tiny_resume", model="ConvVAE", model_args=dict(latent_dim=2, filters=(4, 8), hidden_units=8,
                    kl_warmup_steps=5, seed=0), epochs=2, batch_size=32, eval_examples=8, eval_k=5)
    straight = train(recipe, tmp_path / "straight", images=images, verbose=0)
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        train(recipe, out, images=images, verbose=0, callbacks=[CrashAfterFirstEpoch()])
    assert epochs_logged(out) == [0]
    resumed = train(recipe, out, images=images, verbose=0)
    assert epochs_logged(out) == [0, 1]
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    first = json.loads((tmp_path / "straight" / "card.json").read_text())
    second = json.loads((out / "card.json").read_text())
    for key in ("test_elbo", "nll"):  # the card figures agree too
        assert first["test"][key] == pytest.approx(second["test"][key], abs=1e-4)
    # Both calls recorded the backend of the epochs they trained.
    backend = keras.backend.backend()
    assert json.loads((out / BACKENDS_FILE).read_text()) == {"1": backend, "2": backend}
    assert second["machine"].endswith(f"Keras backend {backend}")


def test_card_names_the_backends_that_trained_the_run(tmp_path):
    current = keras.backend.backend()
    other = "jax" if current != "jax" else "torch"
    (tmp_path / BACKENDS_FILE).write_text(json.dumps({"1": current, "2": other, "3": other}))
    assert machine_line(tmp_path, 1).endswith(f"Keras backend {current}")
    assert machine_line(tmp_path, 3).endswith(f"Keras backend {sorted([current, other])[0]}, "
                                              f"{sorted([current, other])[1]} (training), {current} (card figures)")
    assert machine_line(tmp_path / "no_log", 3).endswith(f"Keras backend {current}")  # runs from before the log
    (tmp_path / BACKENDS_FILE).write_text('{"1": "jax"')  # damaged by hand: refused, naming the file
    with pytest.raises(ValueError, match="backends.json is not a readable record"):
        machine_line(tmp_path, 3)
    with pytest.raises(ValueError, match="backends.json is not a readable record"):
        train(TINY, tmp_path, data_dir=tmp_path / "no_such_data", verbose=0, evaluate=False)


def test_failed_run_leaves_no_run_folder(tmp_path):
    out = tmp_path / "runs" / "nothing"
    with pytest.raises(FileNotFoundError):
        train(TINY, out, data_dir=tmp_path / "no_such_data", verbose=0, evaluate=False)
    assert not out.exists()
