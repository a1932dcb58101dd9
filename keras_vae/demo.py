"""``keras-vae demo``: serve the browser demo (``keras_vae/web``) and export folders on localhost.

The page (``keras_vae/web/index.html``, package data: it installs with keras-vae) runs
the exported ONNX graphs in the browser with onnxruntime-web's wasm backend, loaded from
``keras_vae/web/node_modules`` (``npm ci`` there, in a checkout; ``pip install .`` after
that ships the three files the page loads in the package); nothing comes from a CDN.
The exports need the ``[export]`` extra. This module serves:

    /                      keras_vae/web/index.html, its scripts and node_modules
    /models.json           {"models": [{"name", "url"}]}: the exports the page shows
    /models/NAME/FILE      the files of export folder NAME (manifest.json, *.onnx)

It sends ``Cross-Origin-Opener-Policy``/``-Embedder-Policy`` headers so that the page
is cross-origin isolated and may use wasm threads (``?threads=N``; default 1).

The command exports what it serves once into a cache folder (ONNX only, verified by
``keras_vae.export``): by default the zoo's ``conv_mnist_2d`` (latent-plane sliders and
drawing), ``cvae_mnist`` (class picker) and ``cvae_fashion_mnist`` (garments by class). Serving itself imports no TensorFlow; only
that first export does. The same ``DemoServer`` runs the browser test and benchmark.

Example:
    keras-vae demo                                   # shipped zoo models; prints the URL
    keras-vae demo --untrained                       # untrained zoo models (try the page now)
    keras-vae demo --export mine=dist/my_export      # serve existing export folders
"""

import argparse
import functools
import http.server
import io
import json
import os
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

DEFAULT_MODELS = ("conv_mnist_2d", "cvae_mnist", "cvae_fashion_mnist")
ORT_WEB_DIST = Path("node_modules") / "onnxruntime-web" / "dist"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".wasm": "application/wasm",  # needed for WebAssembly.instantiateStreaming
    ".onnx": "application/octet-stream",
    ".tflite": "application/octet-stream",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".map": "application/json",
}


def default_web_dir():
    """``keras_vae/web``: the page, installed with the package (package data)."""
    return Path(__file__).resolve().parent / "web"


def check_web_dir(web_dir=None):
    """The demo page folder, checked to hold the page and onnxruntime-web.

    Raises:
        FileNotFoundError: no ``index.html``, or ``npm ci`` has not been run there.
    """
    web_dir = Path(web_dir) if web_dir else default_web_dir()
    if not (web_dir / "index.html").is_file():
        raise FileNotFoundError(f"no demo page (index.html) in {web_dir}: pass --web-dir DIR of the page's folder")
    if not (web_dir / ORT_WEB_DIST / "ort.wasm.min.mjs").is_file():
        raise FileNotFoundError(
            f"the demo page needs onnxruntime-web (from npm; served locally, no CDN), which {web_dir} lacks: in a "
            "keras-vae checkout run `(cd keras_vae/web && npm ci --ignore-scripts)`, then `pip install \".[export]\"` "
            "again (or pass --web-dir keras_vae/web of that checkout)"
        )
    return web_dir


class _Handler(http.server.SimpleHTTPRequestHandler):
    """The standard library's static-file server over the page folder (``directory=``).

    Added: ``/models.json``, ``/models/NAME/...`` mapped onto export folder NAME (with the
    same path translation, which drops ``..`` components), no directory listings, and the
    cross-origin-isolation and no-cache headers on every response.
    """

    server_version = "keras-vae-demo"
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **_TYPES}
    # Set per server class by DemoServer: {name: export folder}.
    models = {}
    verbose = False

    def _route(self, url_path):
        parts = unquote(urlsplit(url_path).path).lstrip("/").split("/")
        if parts[0] == "models" and len(parts) >= 3 and parts[1] in self.models:
            return parts[1], "/" + "/".join(parts[2:])
        return None, None

    def translate_path(self, path):
        name, rest = self._route(path)
        if name is None:
            return super().translate_path(path)
        page_dir = self.directory
        try:
            self.directory = str(self.models[name])
            return super().translate_path(rest)
        finally:
            self.directory = page_dir

    def send_head(self):
        if urlsplit(self.path).path == "/models.json":
            body = json.dumps({"models": [{"name": n, "url": f"models/{n}/"} for n in self.models]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", _TYPES[".json"])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)
        return super().send_head()

    def list_directory(self, path):
        self.send_error(404, "not found")
        return None

    def end_headers(self):
        # Exports change under the same URL when re-exported: never serve a stale graph.
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        if self.verbose:
            super().log_message(format, *args)


class DemoServer:
    """The demo page and export folders on a local HTTP server, in a background thread.

    Args:
        models: {name: export folder} shown by the page, in order.
        web_dir: the page folder (default ``keras_vae/web``, installed with the package).
        host: interface to bind (default localhost only).
        port: TCP port; 0 picks a free one.
        verbose: log each request to stderr.

    Example:
    >>> with DemoServer({"conv_mnist_2d": "dist/conv_mnist_2d"}) as server:
    ...     print(server.url)   # http://127.0.0.1:PORT/
    """

    def __init__(self, models, web_dir=None, host="127.0.0.1", port=0, verbose=False):
        web_dir = check_web_dir(web_dir)
        models = {str(name): Path(folder).resolve() for name, folder in dict(models).items()}
        for name, folder in models.items():
            if not (folder / "manifest.json").is_file():
                raise FileNotFoundError(f"{folder} (model {name!r}) holds no manifest.json: not an export folder")
            if "/" in name or not name:
                raise ValueError(f"model name {name!r} must be a non-empty name without '/'")
        handler = type("Handler", (_Handler,), {"models": models, "verbose": verbose})
        self.httpd = http.server.ThreadingHTTPServer(
            (host, port), functools.partial(handler, directory=str(web_dir.resolve()))
        )
        self.httpd.daemon_threads = True
        self.models = models
        self._thread = None

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self):
        """Serves in a daemon thread; returns self."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="keras-vae-demo", daemon=True)
        self._thread.start()
        return self

    def close(self):
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join()
            self._thread = None
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()


CHROMIUM = "/usr/bin/chromium"
# Headless Chromium as the browser test and benchmark run it: no GPU, and none of the
# background traffic (updates, sync, QUIC probes) a fresh profile would start.
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
)


def launch_chromium(playwright, user_data_dir, executable=CHROMIUM, viewport=(1200, 900)):
    """A headless Chromium context with a fresh profile, driven by Playwright.

    Uses the system's Chromium (Debian's ``chromium``) through ``executable_path``, so
    no ``playwright install`` download is needed.

    Args:
        playwright: the object of ``playwright.sync_api.sync_playwright()``.
        user_data_dir: an empty folder for the profile.
        executable: the Chromium binary.
        viewport: (width, height) of pages.

    Returns:
        a ``BrowserContext``; close it when done.
    """
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir), executable_path=str(executable), headless=True, args=list(CHROMIUM_ARGS),
        viewport={"width": viewport[0], "height": viewport[1]},
    )


def default_cache_dir():
    """``$KERAS_VAE_CACHE/demo``, else ``$XDG_CACHE_HOME/keras_vae/demo`` (``~/.cache``)."""
    if os.environ.get("KERAS_VAE_CACHE"):
        return Path(os.environ["KERAS_VAE_CACHE"]) / "demo"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "keras_vae" / "demo"


def export_zoo_model(name, cache_dir=None, untrained=False):
    """Exports zoo recipe ``name`` to ONNX in the cache, once; returns the folder.

    The folder name carries the shipped weights' sha256, so new weights export afresh.

    Args:
        name: zoo recipe.
        cache_dir: where exports are kept (default ``default_cache_dir()``).
        untrained: export an untrained ``zoo.create(name)`` model instead of shipped weights.

    Raises:
        FileNotFoundError: the recipe ships no weights (and ``untrained`` is false).
    """
    from keras_vae import zoo

    card = zoo.card(name)
    if card is None and not untrained:
        raise FileNotFoundError(
            f"zoo recipe {name!r} ships no trained weights yet: train it (`keras-vae train {name}`), "
            f"serve an export of your own (--export NAME=DIR), or try the page with --untrained"
        )
    tag = "untrained" if untrained else card["weights_sha256"][:12]
    folder = Path(cache_dir or default_cache_dir()) / f"{name}-{tag}"
    if (folder / "manifest.json").is_file():
        from keras_vae.runtime import ManifestError, read_manifest

        try:
            read_manifest(folder)  # written by an older, incompatible exporter? then re-export
            return folder
        except ManifestError:
            pass
    from keras_vae import export
    from keras_vae.cli_args import quiet_tensorflow

    export.require_packages(["onnx"])  # one line naming the [export] extra, before any work
    quiet_tensorflow()
    model = zoo.create(name) if untrained else zoo.load(name)
    source = f"zoo:{name} (untrained)" if untrained else f"zoo:{name}"
    print(f"exporting {name} ({'untrained' if untrained else 'shipped weights'}) to {folder} ...", flush=True)
    # The page needs ONNX only; the model's own samples verify it, so no dataset is read.
    export.export(model, folder, "onnx", overwrite=True, recipe=name, source=source, reference="samples")
    return folder


def _parse_exports(items):
    models = {}
    for item in items or []:
        name, sep, folder = item.partition("=")
        if not sep:
            name, folder = Path(item).name, item
        models[name] = folder
    return models


def cmd_demo(args):
    """The ``demo`` subcommand: export (once) and serve until Ctrl-C."""
    web_dir = check_web_dir(args.web_dir)
    models = {}
    if args.export:
        models.update(_parse_exports(args.export))
    names = args.models or ([] if args.export else list(DEFAULT_MODELS))
    for name in names:
        models[name] = export_zoo_model(name, args.cache_dir, untrained=args.untrained)
    if not models:
        raise ValueError("nothing to serve: name zoo models or pass --export NAME=DIR")
    try:
        server = DemoServer(models, web_dir, host=args.host, port=args.port, verbose=args.verbose)
    except OSError as e:  # e.g. the port is taken: a usage error, not a crash
        raise ValueError(f"cannot serve on {args.host}:{args.port}: {e.strerror or e}; pick another --port") from e
    print(f"keras-vae demo: serving {', '.join(models)} at {server.url} (Ctrl-C stops)", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


def add_parser(subparsers):
    """Registers ``demo`` on the ``keras-vae`` subparsers; returns its parser."""
    from keras_vae import cli_args

    p = subparsers.add_parser(
        "demo",
        help="serve the browser demo (onnxruntime-web) on localhost",
        description="Exports zoo models to ONNX once (cached; needs the [export] extra) and serves the page "
                    "(keras_vae/web) with them on localhost.",
    )
    p.add_argument("models", nargs="*",
                   help=f"zoo recipes to export and show (default: {' '.join(DEFAULT_MODELS)}, unless --export)")
    p.add_argument("--export", action="append", metavar="NAME=DIR", help="serve an existing export folder (repeatable)")
    p.add_argument("--untrained", action="store_true", help="export untrained zoo models (no shipped weights needed)")
    p.add_argument("--cache-dir", help=f"exports cache (default {default_cache_dir()})")
    p.add_argument("--web-dir", help="the demo page folder (default: keras_vae/web, installed with the package)")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default localhost only)")
    p.add_argument("--port", type=cli_args.port, default=8000, help="TCP port (0: any free port)")
    p.add_argument("--verbose", action="store_true", help="log every request")
    p.set_defaults(func=cmd_demo)
    return p


def main(argv=None):
    """``python -m keras_vae.demo``: the ``demo`` subcommand on its own."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # as keras-vae's own main does
    parser = argparse.ArgumentParser(prog="keras-vae")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["demo", *(sys.argv[1:] if argv is None else argv)])
    args.func(args)


if __name__ == "__main__":
    main()
