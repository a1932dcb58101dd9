"""The demo page ships in the package, so `keras-vae demo` works from a plain `pip install .`."""

import fnmatch
import tomllib
from pathlib import Path

import pytest

from keras_vae import cli, demo

REPO = Path(__file__).resolve().parents[1]


def test_page_is_package_data():
    web = demo.default_web_dir()
    assert web.parent == Path(demo.__file__).resolve().parent  # inside keras_vae/, not the checkout
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["keras_vae"]
    page = [p for p in web.iterdir() if p.is_file() and p.name != ".gitignore"]
    assert {"index.html", "app.js", "vae.js", "style.css"} <= {p.name for p in page}
    for path in page:
        rel = path.relative_to(web.parent).as_posix()
        assert any(fnmatch.fnmatch(rel, pattern) for pattern in patterns), rel
    for name in ("ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"):
        rel = f"web/{demo.ORT_WEB_DIST.as_posix()}/{name}"
        assert rel in patterns  # the files vae.js loads, shipped when npm ci ran before the build


def test_missing_onnxruntime_web_is_one_line_naming_the_step(tmp_path, capsys):
    (tmp_path / "index.html").write_text("<html></html>")
    with pytest.raises(FileNotFoundError, match=r"npm ci --ignore-scripts"):
        demo.check_web_dir(tmp_path)
    assert cli.main(["demo", "--web-dir", str(tmp_path), "--export", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "onnxruntime-web" in err[0]


def test_demo_without_the_export_extra_names_it(monkeypatch, tmp_path, capsys):
    from keras_vae import extras

    web = tmp_path / "web"
    (web / demo.ORT_WEB_DIST).mkdir(parents=True)
    (web / "index.html").write_text("<html></html>")
    (web / demo.ORT_WEB_DIST / "ort.wasm.min.mjs").write_text("")
    monkeypatch.setattr(extras, "missing", lambda modules: list(modules))
    code = cli.main(["demo", "conv_mnist_2d", "--untrained", "--web-dir", str(web), "--cache-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and 'keras-vae[export]' in err[0]
