"""Fault classes of issue 16: nothing lost, no silent garbage, refused up front."""

import json
import os
import signal
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest

from keras_vae.models import DenseVAE
from keras_vae.models.fitting import DivergedWarning


@pytest.fixture(scope="module")
def dense():
    return DenseVAE(latent_dim=2, hidden_units=(8,), seed=1)


# ----- no silent garbage ---------------------------------------------------------------
def test_nan_or_inf_latents_are_refused(dense):
    for bad in (np.nan, np.inf, -np.inf):
        z = np.zeros((3, 2), "float32")
        z[1, 0] = bad
        with pytest.raises(ValueError, match="latents contain NaN or infinite values"):
            dense.decode(z)


def test_absurd_sizes_and_seeds_are_refused_up_front(dense, binary_images):
    x = binary_images[:, :, :, :]
    with pytest.raises(ValueError, match="n=10000000000 is too large"):
        dense.sample(10**10)
    with pytest.raises(ValueError, match="k=1000000000000 is too large"):
        dense.log_likelihood(x, k=10**12)
    for seed in (-1, 2**32, 1.5):
        with pytest.raises(ValueError, match="seed must be an integer in"):
            dense.sample(2, seed=seed)
        with pytest.raises(ValueError, match="seed must be an integer in"):
            dense.elbo(x, seed=seed)
    empty = x[:0]
    with pytest.raises(ValueError, match="empty batch"):
        dense.elbo(empty)
    with pytest.raises(ValueError, match="empty batch"):
        dense.log_likelihood(empty, k=2)


def test_keras_file_with_nan_weights_is_refused_on_load(tmp_path):
    from keras_vae.saving import load_model

    model = DenseVAE(latent_dim=2, hidden_units=(8,), seed=1)
    weights = model.get_weights()
    first = next(i for i, w in enumerate(weights) if w.dtype.kind == "f")  # not the int step counter
    weights[first] = np.full_like(weights[first], np.nan)
    model.set_weights(weights)
    model.save(tmp_path / "diverged.keras")
    with pytest.raises(ValueError, match="NaN or infinite weights"):
        load_model(tmp_path / "diverged.keras")


def test_fit_checks_its_input_like_encode(dense):
    rng = np.random.default_rng(0)
    grey = rng.random((16, 28, 28, 1)).astype("float32")
    with pytest.raises(ValueError, match=r"shape \(batch, 28, 28, 1\).*\(16, 28, 28\)"):
        dense.fit(grey[..., 0], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="floating dtype.*x / 255.0"):
        dense.fit((grey * 255).astype("uint8"), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\].*x / 255.0"):
        dense.fit(grey * 255, epochs=1, verbose=0)
    import tensorflow as tf

    uint8_ds = tf.data.Dataset.from_tensor_slices((grey * 255).astype("uint8")).batch(4)
    with pytest.raises(ValueError, match="floating dtype, got uint8"):
        dense.fit(uint8_ds, epochs=1, verbose=0)
    unbatched = tf.data.Dataset.from_tensor_slices(grey)
    with pytest.raises(ValueError, match="is it batched"):
        dense.fit(unbatched, epochs=1, verbose=0)


def test_fit_diverging_to_nan_stops_and_warns():
    model = DenseVAE(latent_dim=2, hidden_units=(8,), seed=1)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=False)
    weights = model.get_weights()
    first = next(i for i, w in enumerate(weights) if w.ndim == 2)  # a kernel, not the int step counter
    weights[first][0, 0] = np.inf  # one broken weight: the loss is NaN from the first step
    model.set_weights(weights)
    x = (np.random.default_rng(0).random((64, 28, 28, 1)) < 0.3).astype("float32")
    with pytest.warns(DivergedWarning, match="loss became nan"):
        history = model.fit(x, batch_size=16, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 1  # stopped in the first epoch


def test_healthy_fit_does_not_warn():
    model = DenseVAE(latent_dim=2, hidden_units=(8,), seed=1)
    model.compile(optimizer="adam", jit_compile=False)
    x = (np.random.default_rng(0).random((32, 28, 28, 1)) < 0.3).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergedWarning)
        model.fit(x, batch_size=16, epochs=1, verbose=0)


# ----- nothing lost: export staging ----------------------------------------------------
def _fake_export(folder):
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"versions": {"keras_vae": "0.1.0"}}))
    (folder / "old.onnx").write_text("x")


def test_overwrite_refuses_a_folder_that_is_not_an_export(tmp_path):
    from keras_vae.export import staging

    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("precious")
    with pytest.raises(ValueError, match="not a keras-vae export"):
        with staging.staged(mine, overwrite=True) as stage:
            (stage / "manifest.json").write_text("{}")
    assert (mine / "chapter1.tex").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]
    # a manifest someone else wrote is not ours either
    (mine / "manifest.json").write_text('{"name": "not ours"}')
    with pytest.raises(ValueError, match="not a keras-vae export"):
        staging.check_destination(mine, overwrite=True)


def test_overwrite_replaces_an_earlier_export(tmp_path):
    from keras_vae.export import staging

    out = tmp_path / "dist" / "m"
    _fake_export(out)
    with staging.staged(out, overwrite=True) as stage:
        (stage / "new.onnx").write_text("y")
    assert sorted(p.name for p in out.iterdir()) == ["new.onnx"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["m"]  # no hidden leftovers


def test_interrupted_export_leaves_nothing(tmp_path):
    from keras_vae.export import staging

    out = tmp_path / "a" / "b" / "export"
    with pytest.raises(KeyboardInterrupt):
        with staging.staged(out) as stage:
            (stage / "half.onnx").write_text("partial")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_sigterm_during_export_leaves_nothing(tmp_path):
    script = f"""
import os, signal, time
from keras_vae.export import staging
with staging.staged({str(tmp_path / 'out')!r}) as stage:
    (stage / "half.onnx").write_text("partial")
    print("staged", flush=True)
    time.sleep(60)
"""
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().strip() == "staged"
    assert any(p.name.startswith(".out.partial-") for p in tmp_path.iterdir())
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


def test_sigterm_swallowed_inside_keras_still_ends_training():
    # Keras' pythonify_logs converts each logged value under a bare `except:`; a SIGTERM
    # that lands there (where a JAX loop waits for the device) loses its SystemExit.
    # The training loop's termination check must end the run at the next batch end.
    script = """
import os, signal
import keras, numpy as np
from keras_vae.models import DenseVAE
from keras_vae.termination import sigterm_raises, termination_check

class SwallowedSigterm(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        print("batch", batch, flush=True)
        if batch == 1:
            try:
                os.kill(os.getpid(), signal.SIGTERM)
            except:  # noqa: E722  (as Keras does)
                pass

model = DenseVAE(image_shape=(4,), latent_dim=2, hidden_units=(8,), seed=1)
model.compile(optimizer="adam")
with sigterm_raises():
    model.fit(np.random.rand(64, 4).astype("float32"), batch_size=8, epochs=3, verbose=0,
              callbacks=[SwallowedSigterm(), termination_check()])
print("finished", flush=True)
"""
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr[-2000:]
    assert proc.stdout.split() == ["batch", "0", "batch", "1"]  # stopped at the batch it arrived in


def test_stale_staging_folders_of_killed_runs_are_swept(tmp_path):
    from keras_vae.export import staging

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)  # that process has exited
    stale = tmp_path / f".out.partial-{dead_pid}-abc123"
    stale.mkdir()
    (stale / "half.onnx").write_text("x")
    live = tmp_path / f".out.partial-{os.getpid()}-zzz999"  # a live export's staging: kept
    live.mkdir()
    other = tmp_path / f".other.partial-{dead_pid}-abc123"  # another output's: not ours to judge
    other.mkdir()
    with staging.staged(tmp_path / "out") as stage:
        (stage / "manifest.json").write_text("{}")
    assert not stale.exists() and live.exists() and other.exists()
    assert (tmp_path / "out" / "manifest.json").exists()


def test_litert_without_ai_edge_litert_names_the_extra(monkeypatch):
    import builtins

    from keras_vae.runtime import backends

    real_import = builtins.__import__

    def no_litert(name, *args, **kwargs):
        if name.startswith(("ai_edge_litert", "tflite_runtime")):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_litert)
    with pytest.raises(ImportError, match=r'pip install "keras-vae\[export\]"'):
        backends._litert_interpreter()
