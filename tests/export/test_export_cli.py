"""The `export` subcommand: argument wiring, output, and errors before any work."""

import argparse
import json

import pytest

from keras_vae.export import cli


def _parser():
    parser = argparse.ArgumentParser(prog="keras-vae")
    cli.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser


def _run(argv):
    args = _parser().parse_args(argv)
    return args.func(args)


@pytest.fixture(scope="module")
def saved_dense(make_tiny, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tiny dense.keras"
    make_tiny("dense").save(path)
    return path


def test_defaults():
    args = _parser().parse_args(["export", "conv_mnist"])
    assert args.format == "all" and args.out is None and not args.overwrite
    assert args.reference == "auto" and args.data_dir is None and args.opset is None
    assert args.func is cli.cmd_export


def test_exports_a_keras_file(saved_dense, tmp_path, capsys):
    out = tmp_path / "dist" / "tiny"
    manifest = _run([
        "export", str(saved_dense), "--format", "onnx,tflite", "--out", str(out), "--reference", "samples",
        "--verify-examples", "4", "--calibration-examples", "8",
    ])
    printed = capsys.readouterr().out
    assert f"exported {saved_dense} to {out}" in printed
    assert "tflite int8" in printed and "smaller than float32" in printed
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert manifest["model"]["source"] == str(saved_dense) and manifest["model"]["recipe"] is None
    assert set(manifest["formats"]) == {"tflite", "onnx"}


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--format", "pdf"], "unknown export format 'pdf'"),
        (["--format", "onnx", "--out", "{blocker}"], "exists and is not a folder"),
    ],
)
def test_errors_come_before_loading_the_model(tmp_path, extra, message):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    extra = [e.format(blocker=blocker) for e in extra]
    # The model argument does not even exist: argument errors must come first.
    with pytest.raises(ValueError, match=message):
        _run(["export", str(tmp_path / "missing.keras"), "--out", str(tmp_path / "out"), *extra])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]


def test_a_file_that_is_not_a_model(tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello")
    with pytest.raises(ValueError, match="not a .keras model archive"):
        _run(["export", str(bogus), "--out", str(tmp_path / "out")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_default_out_folder():
    assert cli._default_out("conv_mnist") == "dist/conv_mnist"
    assert cli._default_out("models/my model.keras") == "dist/my model"


def test_main_cli_reports_errors_once_wired(tmp_path, capsys):
    from keras_vae import cli as main_cli

    try:
        main_cli.build_parser().parse_args(["export", "conv_mnist", "--format", "pdf"])
    except SystemExit:
        pytest.skip("the export subcommand is not wired into keras_vae.cli yet")
    code = main_cli.main(["export", "conv_mnist", "--format", "pdf", "--out", str(tmp_path / "out")])
    assert code == 2
    assert "keras-vae: error: unknown export format 'pdf'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
