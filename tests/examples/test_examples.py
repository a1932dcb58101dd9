"""Every script under examples/ runs offline on a small budget and prints the figures the README quotes."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

# Small-budget arguments per script; the README gives the full-budget commands.
SMALL = {
    "anomaly_one_class_out.py": (["--digits", "1", "--epochs", "1", "--limit", "2000", "--test-examples", "500",
                                  "--k", "5"], r"MEAN_AUROC iwae (\d\.\d+)"),
    "linear_probe.py": (["--train-examples", "1000", "--test-examples", "300", "--plot-examples", "200",
                         "--projection", "pca", "--no-pixel-baseline"], r"PROBE_ACCURACY conv_mnist (\d\.\d+)"),
    "semi_supervised_m2.py": (["--train", "--epochs", "1", "--limit", "1500", "--test-examples", "300"],
                              r"M2_TEST_ERROR (\d+\.\d+)"),
    "beta_vae_traversal.py": (["--examples", "200", "--rows", "4"], r"KL_DIMS_90 beta_vae_mnist (\d+)"),
    # The Fashion-MNIST scripts run here on MNIST and its zoo models (the fixture's dataset).
    "generative_design.py": (["--model", "conv_mnist", "--conditional-model", "cvae_mnist", "--dataset", "mnist",
                              "--from-class", "1", "--to-class", "7", "--classifier-examples", "500",
                              "--classifier-steps", "30", "--samples-per-class", "5"],
                             r"CLASS_AGREEMENT cvae_mnist (\d\.\d+)"),
    "retrieval.py": (["--model", "conv_mnist", "--dataset", "mnist", "--catalogue-examples", "500",
                      "--test-examples", "100", "--latency-queries", "5"], r"PRECISION_AT_K latent 10 (\d\.\d+)"),
    "augmentation.py": (["--datasets", "mnist", "--per-class", "10", "--seeds", "0", "--steps", "20",
                         "--cvae-steps", "20", "--test-examples", "200"],
                        r"AUG_ACCURACY mnist 10 posterior (\d\.\d+) \d\.\d+"),
    # Grey levels against binarised pixels: MNIST's zoo models stand in for the Fashion pair.
    "likelihood_pictures.py": (["--dataset", "mnist", "--grey-model", "conv_mnist", "--binary-model", "dense_mnist",
                                "--n", "4"], r"RECON_MAE conv_mnist (\d\.\d+)"),
    # Needs keras-vae[molecules], molsets and the shipped selfies_moses weights.
    "molecules_moses.py": (["--n", "300", "--no-fcd", "--no-optimize", "--diversity-sample", "200",
                            "--snn-sample", "50", "--filters-sample", "100"], r"(?m)^valid\s+(\d\.\d+)"),
}
# Run with every printed figure checked in tests/tasks/test_uncertainty.py (uncertainty_ood)
# and tests/tasks/test_nab_benchmark.py (nab_benchmark, on a one-series NAB fixture).
ELSEWHERE = {"uncertainty_ood.py", "nab_benchmark.py"}


def test_every_example_has_a_small_budget():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(set(SMALL) | ELSEWHERE)


# Kept out of the default run for its 10-minute budget (each takes 10-35 s on 2 cores);
# `python -m pytest -m slow tests/examples` runs them.
SLOW = {"anomaly_one_class_out.py", "semi_supervised_m2.py", "linear_probe.py", "beta_vae_traversal.py",
        "generative_design.py", "augmentation.py", "molecules_moses.py", "likelihood_pictures.py", "retrieval.py"}


@pytest.mark.parametrize("script", [pytest.param(s, marks=pytest.mark.slow) if s in SLOW else s for s in sorted(SMALL)])
def test_example_runs(script, mnist_dir, tmp_path):
    args, figure = SMALL[script]
    if script in ("anomaly_one_class_out.py", "semi_supervised_m2.py"):
        args = args + ["--out", str(tmp_path / "run")]
    if script == "linear_probe.py":
        args = args + ["--plot", str(tmp_path / "plot.png")]
    if script in ("beta_vae_traversal.py", "generative_design.py"):
        args = args + ["--out-dir", str(tmp_path)]
    if script == "likelihood_pictures.py":
        args = args + ["--out", str(tmp_path / "likelihoods.png")]
    if script == "retrieval.py":
        args = args + ["--plot", str(tmp_path / "neighbours.png")]
    env = {**os.environ, "KERAS_VAE_DATA_DIR": str(mnist_dir)}
    run = subprocess.run([sys.executable, str(EXAMPLES / script), *args], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    match = re.search(figure, run.stdout)
    assert match, run.stdout[-2000:]
    value = float(match.group(1))
    assert 0 <= value <= (100 if "ERROR" in figure or "KL_DIMS" in figure else 1)
