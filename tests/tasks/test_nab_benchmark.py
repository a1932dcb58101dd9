"""End to end on a one-series NAB fixture: detect, NAB's results folder, NAB scores; the CLI and the example."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_vae.tasks import nab_benchmark, streaming

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "nab"
TINY = streaming.DetectorConfig(window=8, latent_dim=2, hidden_units=(8,), epochs=2, batch_size=32)


def test_tiny_benchmark_writes_nab_results_and_scores(tmp_path):
    report = nab_benchmark.run(FIXTURE, tmp_path, TINY, log=lambda line: None)
    results = tmp_path / "results" / "kerasVae" / "realTraffic" / "kerasVae_speed_7578.csv"
    lines = results.read_text().splitlines()
    assert lines[0] == "timestamp,value,anomaly_score,label" and len(lines) == 1128
    assert set(report["normalized"]) == {"standard", "reward_low_FP_rate", "reward_low_FN_rate"}
    for profile, p in report["profiles"].items():
        assert np.isfinite(report["normalized"][profile]) and p["perfect_score"] == 4.0
    assert (tmp_path / "report.json").is_file() and report["timings"]["realTraffic/speed_7578.csv"]["rows"] == 1127
    # post-processing again from the saved raw scores gives the same results
    again = nab_benchmark.run(FIXTURE, tmp_path, TINY, reuse_raw=True)
    assert again["normalized"] == report["normalized"]
    text = nab_benchmark.format_scores(report)
    assert re.search(r"^NAB_STANDARD -?\d+\.\d$", text, re.M) and "Random Cut Forest" in text
    png = nab_benchmark.plot_series(nab_benchmark_series(), np.zeros(1127), tmp_path / "p.png", 0.5, 169)
    assert png.stat().st_size > 1000


def nab_benchmark_series():
    from keras_vae.data import nab

    return nab.load_corpus(FIXTURE).series[0]


def test_detector_name_without_underscore(tmp_path):
    with pytest.raises(ValueError, match="must not contain '_'"):
        nab_benchmark.run(FIXTURE, tmp_path, TINY, detector="keras_vae")


def test_cli_detect_on_a_users_csv(tmp_path, capsys):
    from keras_vae.cli import main

    src = FIXTURE / "data" / "realTraffic" / "speed_7578.csv"
    out = tmp_path / "scores.csv"
    assert main(["detect", str(src), "--out", str(out), "--window", "8", "--epochs", "1",
                 "--save-model", str(tmp_path / "m.keras")]) == 0
    rows = out.read_text().splitlines()
    assert rows[0] == "timestamp,value,anomaly_score,raw_score,anomaly" and len(rows) == 1128
    assert rows[1].startswith("2015-09-08 11:39:00,73.0,0.0,,0")  # no full window yet: empty raw score
    assert "learned from the first 169" in capsys.readouterr().out
    assert (tmp_path / "m.keras").is_file()


@pytest.mark.parametrize("argv, message", [
    (["detect", "missing.csv", "--out", "x.csv"], "series file missing.csv does not exist"),
    (["detect", "{src}", "--out", "/no/such/dir/x.csv"], "--out folder /no/such/dir does not exist"),
    (["detect", "{src}", "--out", "x.csv", "--threshold", "2"], "--threshold: expected a number in [0, 1]"),
])
def test_cli_errors_are_one_line(argv, message, capsys):
    from keras_vae.cli import main

    src = str(FIXTURE / "data" / "realTraffic" / "speed_7578.csv")
    try:
        code = main([a.replace("{src}", src) for a in argv])
    except SystemExit as e:  # argument-type errors exit from argparse itself
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("keras-vae: error: ") and message in err and err.count("\n") == 1


def test_example_runs_offline_and_prints_the_three_scores(tmp_path):
    cmd = [sys.executable, str(REPO / "examples" / "nab_benchmark.py"), "--data-dir", str(FIXTURE),
           "--out", str(tmp_path), "--epochs", "1", "--plot", "realTraffic/speed_7578.csv"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=600,
                          env={**__import__("os").environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("NAB_STANDARD", "NAB_LOW_FP", "NAB_LOW_FN"):
        assert re.search(rf"^{name} -?\d+\.\d$", done.stdout, re.M), done.stdout
    assert (tmp_path / "speed_7578.png").is_file() and "CPU_SECONDS" in done.stdout
