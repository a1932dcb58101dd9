import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from keras_vae import zoo
from keras_vae.cli import main


def test_list_and_info(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in zoo.list():
        assert name in out
    assert main(["info", "cvae_mnist"]) == 0
    assert '"model": "ConditionalVAE"' in capsys.readouterr().out


def test_unknown_recipe_is_a_clear_error(capsys):
    assert main(["info", "conv_mnst"]) == 2
    assert "Did you mean: conv_mnist" in capsys.readouterr().err


def test_sample_and_manifold_pngs(tmp_path):
    cvae = tmp_path / "cvae.keras"
    zoo.create("cvae_mnist").save(cvae)
    assert main(["sample", str(cvae), "--n", "20", "--out", str(tmp_path / "s.png")]) == 0
    grid = np.asarray(Image.open(tmp_path / "s.png"))
    assert grid.shape == (10 * 29 + 1, 2 * 29 + 1)  # one row per class
    flat = tmp_path / "flat.keras"
    zoo.create("conv_mnist_2d").save(flat)
    assert main(["manifold", str(flat), "--size", "5", "--out", str(tmp_path / "m.png")]) == 0
    assert np.asarray(Image.open(tmp_path / "m.png")).shape == (5 * 29 + 1,) * 2
    assert main(["manifold", str(cvae), "--out", str(tmp_path / "bad.png")]) == 2
    assert not (tmp_path / "bad.png").exists()


def test_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "keras_vae.cli", "list", "conv_*"], capture_output=True, text=True)
    assert out.returncode == 0 and "conv_mnist_2d" in out.stdout


@pytest.mark.parametrize("args", [["train", "nope"], ["evaluate", "nope.keras"], ["sample", "conv_mnst"]])
def test_bad_arguments_exit_2(args, capsys):
    assert main(args) == 2
    assert "keras-vae: error:" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="needs keras-vae[backends]")
def test_backend_flag_is_set_before_tensorflow_imports_keras(tmp_path):
    """`train --backend jax` takes effect: importing TensorFlow imports keras, which fixes the backend."""
    code = (
        "import sys, keras_vae.cli as cli\n"
        f"code = cli.main(['train', '--backend', 'jax', '--images', {str(tmp_path / 'none')!r}])\n"
        "import keras; print(code, keras.backend.backend())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.stdout.split()[-2:] == ["2", "jax"], out.stderr[-2000:]
    assert "already imported" not in out.stderr
