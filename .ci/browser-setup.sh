#!/usr/bin/env bash
# What the browser test (tests/web) needs, on a clean Debian machine, as root, with the
# project's virtual environment active:
#   - Debian's chromium (Playwright drives it through executable_path; no browser download)
#   - the playwright Python package, into the active venv (no `playwright install`)
#   - node and npm from Debian, if the machine has none
#   - onnxruntime-web, from keras_vae/web/package-lock.json (served locally by the demo)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${VIRTUAL_ENV:-}" ]; then
    echo "browser-setup: activate the project's virtual environment first" >&2
    exit 1
fi

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
command -v npm >/dev/null || packages+=(nodejs npm)  # Debian's npm 9 reads lockfile v3 too
if [ ${#packages[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

# Pinned: the version the test was developed with (it drives Debian's Chromium over CDP).
python -m pip install -q "playwright==1.65.2"

# --ignore-scripts: the dependency tree's only install script (protobufjs' postinstall)
# is not needed to serve the wasm files; npm 11 skips unapproved scripts anyway.
(cd keras_vae/web && npm ci --no-audit --no-fund --ignore-scripts)

/usr/bin/chromium --version
python -c "import playwright; from importlib.metadata import version; print('playwright', version('playwright'))"
test -f keras_vae/web/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs
