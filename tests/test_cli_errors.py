"""Every CLI failure is one line on stderr, names the flag or file, exits non-zero, and shows no traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from keras_vae import cli

REPO = Path(__file__).resolve().parents[1]

# One bad argument per subcommand (argparse-level and command-level failures).
BAD = {
    "list": ["list", "a", "b"],
    "info": ["info", "conv_mnst"],
    "train": ["train", "conv_mnist", "--epochs", "0"],
    "evaluate": ["evaluate", "conv_mnist", "--k", "0"],
    "sample": ["sample", "conv_mnist", "--n", "-1"],
    "reconstruct": ["reconstruct", "conv_mnist", "--n", "0"],
    "manifold": ["manifold", "conv_mnist_2d", "--size", "0"],
    "traverse": ["traverse", "conv_mnist", "--max-dims", "0"],
    "export": ["export", "conv_mnist", "--verify-examples", "0"],
    "demo": ["demo", "--port", "70000"],
    "compress": ["compress", "conv_mnist", "x.npy", "--latent-bits", "0", "--out", "x.kvz"],
    "decompress": ["decompress", "conv_mnist", "x.kvz", "--out"],
    "similar": ["similar", "conv_fashion_mnist", "--k", "0", "--image", "0"],
    "detect": ["detect", "series.csv", "--window", "0", "--out", "scores.csv"],
}
MORE = [
    (["sample", "conv_mnist", "--seed", "-1"], "--seed"),
    (["sample", "conv_mnist", "--seed", str(2**40)], "--seed"),
    (["evaluate", "missing.keras"], "missing.keras"),
    (["evaluate", "conv_mnist", "--dataset", "fashion_mnist"], "--dataset fashion_mnist"),
    (["similar", "conv_fashion_mnist", "--image", "0", "--dataset", "mnist"], "--dataset mnist"),
    (["evaluate", "dense_mnist", "--protocol", "literature", "--engine", "jax"], "--engine"),
    (["evaluate", "dense_mnist", "--out", "never.json"], "--out"),
    (["evaluate", "dense_mnist", "--engine", "onnx"], "--engine"),
    (["evaluate", "dense_mnist", "--full", "--protocol", "literature"], "--full"),
    (["evaluate", "dense_mnist", "--protocol", "literature", "--also-k", "0"], "--also-k"),
    (["evaluate", "dense_mnist", "--decodes-per-call", "512"], "--decodes-per-call"),
    (["evaluate", "dense_mnist", "--also-k", "100"], "--also-k"),
    (["sample", "conv_mnist", "--n", "x"], "--n"),
    (["train", "--images", "/no/such/folder"], "/no/such/folder"),
    (["train"], "--images"),
    (["manifold", "conv_mnist", "--out", "never.png"], "latent_dim"),
    (["traverse", "conv_mnist", "--steps", "1"], "steps"),
    (["detect", "series.csv", "--threshold", "1.5", "--out", "scores.csv"], "--threshold"),
    (["compress", "conv_mnist", "x.npy", "--lossy-step", "-1", "--out", "x.kvz"], "--lossy-step"),
    (["sample", "selfies_moses", "--temperature", "-1"], "--temperature"),
    (["sample", "conv_mnist", "--temperature", "0.5"], "--temperature"),
]


def run(argv, capsys):
    try:
        code = cli.main(argv)
    except SystemExit as e:  # argparse exits itself
        code = e.code
    captured = capsys.readouterr()
    return code, captured.err


def assert_one_line_error(code, err, mentions):
    assert code not in (0, None)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("keras-vae: ")
    assert mentions in lines[0]


def test_every_subcommand_is_covered():
    parser = cli.build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)
    assert commands == set(BAD)


@pytest.mark.parametrize("command", sorted(BAD))
def test_bad_argument_is_one_line_and_non_zero(command, capsys):
    argv = BAD[command]
    code, err = run(argv, capsys)
    flag = next((a for a in argv if a.startswith("--")), argv[-1])
    assert_one_line_error(code, err, flag if command != "list" else "unrecognized")


@pytest.mark.parametrize("argv,mentions", MORE)
def test_more_bad_input(argv, mentions, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, err = run(argv, capsys)
    assert_one_line_error(code, err, mentions)
    assert not (tmp_path / "never.png").exists()


def test_ctrl_c_exits_130_with_one_line(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_list", interrupted)
    code, err = run(["list"], capsys)
    assert code == 130 and err.strip() == "keras-vae: interrupted"


def test_missing_extra_names_the_extra(monkeypatch, capsys, tmp_path):
    from keras_vae import extras

    monkeypatch.setattr(extras, "missing", lambda modules: [m for m in modules if m == "tf2onnx"])
    code, err = run(["export", "conv_mnist", "--format", "onnx", "--out", str(tmp_path / "x")], capsys)
    assert_one_line_error(code, err, 'pip install "keras-vae[export]"')
    assert not (tmp_path / "x").exists()


def test_missing_module_deep_inside_names_the_extra(monkeypatch, capsys):
    def needs_sklearn(args):
        raise ModuleNotFoundError("No module named 'sklearn'", name="sklearn")

    monkeypatch.setattr(cli, "cmd_info", needs_sklearn)
    code, err = run(["info", "conv_mnist"], capsys)
    assert_one_line_error(code, err, 'keras-vae[apps]')


def test_unexpected_error_is_one_line_too(monkeypatch, capsys):
    def broken(args):
        raise TypeError("something odd\nacross lines")

    monkeypatch.setattr(cli, "cmd_info", broken)
    code, err = run(["info", "conv_mnist"], capsys)
    assert code == 1
    assert_one_line_error(code, err, "KERAS_VAE_DEBUG=1")


def test_one_loader_for_names_and_files(tmp_path, capsys):
    from keras_vae import zoo
    from keras_vae.export import cli as export_cli
    from keras_vae.saving import load_source

    assert export_cli.load_source.__doc__ and "keras_vae.saving.load_source" in export_cli.load_source.__doc__
    path = tmp_path / "m.keras"
    zoo.create("conv_mnist_2d").save(path)
    model, recipe, source = load_source(str(path))
    assert recipe is None and source == str(path) and model.latent_dim == 2
    model, recipe, source = load_source("conv_mnist_2d")
    assert recipe.name == "conv_mnist_2d" and source == "zoo:conv_mnist_2d"
    # every model-taking command accepts the file
    assert cli.main(["sample", str(path), "--n", "3", "--out", str(tmp_path / "s.png")]) == 0
    assert cli.main(["manifold", str(path), "--size", "3", "--out", str(tmp_path / "m.png")]) == 0


def test_reconstruct_grid_takes_any_positive_n(tmp_path):
    """--n 9 used to overflow the fixed 8-column grid; blocks of 8 now fit any n."""
    import numpy as np

    from keras_vae import images

    for n in (1, 3, 9, 17):
        cols = min(n, 8)
        blocks = -(-n // cols)
        tiles = np.zeros((blocks * 2 * cols, 4, 4, 1), "float32")
        assert images.grid(tiles, 2 * blocks, cols).shape == (2 * blocks * 5 + 1, cols * 5 + 1)


def test_help_of_every_subcommand_prints(capsys):
    # argparse %-formats help strings: a bare '%' in one crashed `keras-vae --help` itself.
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for argv in [["--help"]] + [[name, "--help"] for name in subparsers.choices]:
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args(argv)
        assert exit_info.value.code == 0, argv
        assert "usage: keras-vae" in capsys.readouterr().out, argv


SCRIPTS = sorted(str(p.relative_to(REPO)) for folder in ("examples", "benchmarks", "zoo") for p in (REPO / folder).glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_script_answers_help(script):
    run = subprocess.run([sys.executable, script, "--help"], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.stdout.strip().splitlines()) > 1, run.stdout


def test_the_parser_is_built_without_keras():
    # `keras-vae --help` and argument errors answer at once; TensorFlow is imported once, quietly,
    # by main (cli_args.quiet_tensorflow) and only for commands that need it.
    code = ("import sys; from keras_vae import cli; cli.build_parser(); "
            "print(sorted(m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[]"


def test_a_command_prints_nothing_but_its_result(tmp_path):
    # No TensorFlow start-up logging (CUDA probing on CPU-only machines) reaches a CLI user.
    run = subprocess.run([sys.executable, "-m", "keras_vae.cli", "sample", "conv_mnist_2d", "--n", "1",
                          "--out", str(tmp_path / "s.png")], capture_output=True, text=True, timeout=300,
                         env={k: v for k, v in {**os.environ, "PYTHONPATH": str(REPO)}.items()
                              if k not in ("TF_CPP_MIN_LOG_LEVEL", "KERAS_VAE_TF_LOGS")})
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stderr == "", run.stderr[-2000:]
    assert run.stdout.startswith("wrote ")
