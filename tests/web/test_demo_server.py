"""The demo server (what ``keras-vae demo`` runs) and its command line, without a browser."""

import argparse
import http.server
import json
import urllib.error
import urllib.request

import pytest

from keras_vae import demo


@pytest.fixture
def web_dir(tmp_path):
    """A stand-in page folder: index.html and an onnxruntime-web dist with a .wasm and a .mjs."""
    web = tmp_path / "web"
    dist = web / demo.ORT_WEB_DIST
    dist.mkdir(parents=True)
    (web / "index.html").write_text("<!doctype html><title>demo</title>")
    (dist / "ort.wasm.min.mjs").write_text("export {};")
    (dist / "ort-wasm-simd-threaded.wasm").write_bytes(b"\0asm")
    return web


@pytest.fixture
def export_dir(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"manifest_version": 1}))
    (folder / "decoder.onnx").write_bytes(b"onnx")
    (tmp_path / "secret.txt").write_text("outside")
    return folder


def _get(url):
    # Headers as an email.message.Message: names are case-insensitive, as in HTTP.
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, b""


def test_serves_page_models_and_exports(web_dir, export_dir):
    with demo.DemoServer({"mine": export_dir}, web_dir) as server:
        assert server.url.startswith("http://127.0.0.1:")
        status, headers, body = _get(server.url)
        assert status == 200 and b"<title>demo</title>" in body and headers["Content-Type"].startswith("text/html")
        # Cross-origin isolation, so that the page may use wasm threads.
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
        status, _, body = _get(server.url + "models.json")
        assert json.loads(body) == {"models": [{"name": "mine", "url": "models/mine/"}]}
        status, headers, body = _get(server.url + "models/mine/decoder.onnx")
        assert (status, body) == (200, b"onnx")
        dist = server.url + demo.ORT_WEB_DIST.as_posix()
        assert _get(dist + "/ort-wasm-simd-threaded.wasm")[1]["Content-Type"] == "application/wasm"
        assert _get(dist + "/ort.wasm.min.mjs")[1]["Content-Type"].startswith("text/javascript")


def test_refuses_paths_outside_its_folders(web_dir, export_dir):
    with demo.DemoServer({"mine": export_dir}, web_dir) as server:
        for path in ("models/mine/../secret.txt", "models/mine/%2e%2e/secret.txt", "../export/manifest.json",
                     "models/other/manifest.json", "nothing.js"):
            assert _get(server.url + path)[0] == 404, path


def test_clear_errors_for_missing_pieces(tmp_path, web_dir, export_dir):
    with pytest.raises(FileNotFoundError, match="no demo page"):
        demo.check_web_dir(tmp_path)
    (tmp_path / "index.html").write_text("")
    with pytest.raises(FileNotFoundError, match="npm ci --ignore-scripts"):
        demo.check_web_dir(tmp_path)
    with pytest.raises(FileNotFoundError, match="holds no manifest.json"):
        demo.DemoServer({"x": tmp_path}, web_dir)


def test_unshipped_zoo_model_is_a_clear_error(monkeypatch, tmp_path):
    from keras_vae import zoo

    monkeypatch.setattr(zoo, "card", lambda name: None)
    with pytest.raises(FileNotFoundError, match="ships no trained weights yet.*--untrained"):
        demo.export_zoo_model("conv_mnist_2d", tmp_path)


def test_untrained_export_is_cached(tmp_path):
    first = demo.export_zoo_model("cvae_mnist", tmp_path, untrained=True)
    assert first == tmp_path / "cvae_mnist-untrained"
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["model"]["source"] == "zoo:cvae_mnist (untrained)" and manifest["conditional"]
    assert sorted(manifest["graphs"]["decoder"]["files"]) == ["onnx"]
    stamp = (first / "manifest.json").stat().st_mtime_ns
    assert demo.export_zoo_model("cvae_mnist", tmp_path, untrained=True) == first
    assert (first / "manifest.json").stat().st_mtime_ns == stamp  # not exported again


def test_subcommand_serves_exports_and_prints_the_url(monkeypatch, capsys, web_dir, export_dir):
    parser = argparse.ArgumentParser(prog="keras-vae")
    demo.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["demo", "--export", f"mine={export_dir}", "--web-dir", str(web_dir), "--port", "0"])
    assert args.models == [] and args.func is demo.cmd_demo

    def interrupted(self, *a, **k):
        raise KeyboardInterrupt  # Ctrl-C at once

    monkeypatch.setattr(http.server.ThreadingHTTPServer, "serve_forever", interrupted)
    args.func(args)
    out = capsys.readouterr().out
    assert "serving mine at http://127.0.0.1:" in out


def test_subcommand_defaults_to_the_zoo_models():
    parser = argparse.ArgumentParser(prog="keras-vae")
    demo.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["demo"])
    assert (args.models, args.export, args.untrained, args.host, args.port) == ([], None, False, "127.0.0.1", 8000)
    assert demo.DEFAULT_MODELS == ("conv_mnist_2d", "cvae_mnist", "cvae_fashion_mnist")


def test_a_taken_port_is_a_usage_error(web_dir, export_dir):
    import socket

    parser = argparse.ArgumentParser(prog="keras-vae")
    demo.add_parser(parser.add_subparsers(dest="command", required=True))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = parser.parse_args(["demo", "--export", f"mine={export_dir}", "--web-dir", str(web_dir), "--port", str(port)])
        with pytest.raises(ValueError, match=f"cannot serve on 127.0.0.1:{port}.*pick another --port"):
            args.func(args)
