"""The ``keras-vae-runtime`` distribution (``runtime/pyproject.toml``) excludes TensorFlow.

Offline: the wheel is built from a copy of the sources with the installed setuptools
(``--no-build-isolation --no-index``), its metadata is read, the requirement closure is
walked through the installed distributions' metadata, and the runtime is run in a fresh
interpreter whose path holds only the wheel and that closure.
"""

import shutil
import subprocess
import sys
import textwrap
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import keras_vae

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = REPO / "runtime" / "pyproject.toml"
EXCLUDED = {"tensorflow", "tensorflow-cpu", "tf-nightly", "keras", "tensorflow-datasets", "tf-keras", "jax", "torch"}


def _name(requirement):
    from packaging.requirements import Requirement

    return Requirement(requirement).name.lower().replace("_", "-")


def _project():
    tomllib = pytest.importorskip("tomllib")
    return tomllib.loads(PYPROJECT.read_text())["project"]


def test_declared_dependencies():
    project = _project()
    assert project["name"] == "keras-vae-runtime"
    assert project["version"] == keras_vae.__version__
    assert sorted(_name(r) for r in project["dependencies"]) == ["numpy", "onnxruntime"]
    assert [_name(r) for r in project["optional-dependencies"]["litert"]] == ["ai-edge-litert"]


def _closure(names):
    """Installed distributions that ``names`` need, following Requires-Dist (no extras)."""
    from packaging.requirements import Requirement

    seen, todo = {}, list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        dist = metadata.distribution(name)
        seen[name] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name.lower().replace("_", "-"))
    return seen


@pytest.mark.parametrize("extra", [None, "litert"])
def test_installed_dependency_closure_excludes_tensorflow(extra):
    project = _project()
    requirements = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    closure = _closure([_name(r) for r in requirements])
    assert {"numpy", "onnxruntime"} <= set(closure)
    assert not set(closure) & EXCLUDED, sorted(closure)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The keras-vae-runtime wheel, built offline from a copy of runtime/ and keras_vae/runtime/."""
    try:
        import setuptools
    except ImportError:
        pytest.skip("setuptools is not installed: cannot build the wheel offline")
    if int(setuptools.__version__.split(".")[0]) < 61:
        pytest.skip(f"setuptools {setuptools.__version__} cannot read pyproject metadata (needs >= 61)")
    # A copy keeps build/ and *.egg-info out of the checkout; the layout is the same.
    root = tmp_path_factory.mktemp("runtime_src")
    shutil.copytree(REPO / "runtime", root / "runtime", ignore=shutil.ignore_patterns("build", "*.egg-info", "dist"))
    shutil.copytree(REPO / "keras_vae" / "runtime", root / "keras_vae" / "runtime",
                    ignore=shutil.ignore_patterns("__pycache__"))
    out = root / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         str(root / "runtime"), "-w", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (path,) = out.glob("keras_vae_runtime-*.whl")
    return path


def test_wheel_metadata_and_contents(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    requires = [line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    base = sorted(_name(r) for r in requires if "extra ==" not in r)
    assert base == ["numpy", "onnxruntime"], requires
    assert not {_name(r) for r in requires} & EXCLUDED
    sources = sorted(n for n in names if not n.startswith("keras_vae_runtime-"))
    expected = sorted(f"keras_vae/runtime/{p.name}" for p in (REPO / "keras_vae" / "runtime").glob("*.py"))
    assert sources == expected  # the package only: no keras_vae/__init__.py, nothing TensorFlow-facing


def test_runs_with_only_the_declared_dependencies(wheel, exported, tmp_path):
    # A site folder holding the wheel's files and the dependency closure (links to the
    # installed copies); `python -I -S` then sees nothing else, TensorFlow included.
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    closure = _closure(["numpy", "onnxruntime"])
    for dist in closure.values():
        for top in {Path(str(f)).parts[0] for f in dist.files or []}:
            source = Path(dist.locate_file(top))
            if top.endswith((".dist-info", ".data")) or top in ("..", "bin") or not source.exists():
                continue
            if not (site / top).exists():
                (site / top).symlink_to(source)
    folder = exported["conditional"][1]
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(site)!r})
        import importlib.util
        assert importlib.util.find_spec("tensorflow") is None and importlib.util.find_spec("keras") is None
        import numpy as np
        from keras_vae.runtime import ExportedVAE
        vae = ExportedVAE({str(folder)!r})
        x = vae.sample(3, seed=0)
        assert vae.score(x, labels=[0, 1, 2]).shape == (3,)
        import keras_vae.runtime
        print(keras_vae.runtime.__file__)
    """)
    result = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().startswith(str(site))  # the wheel's copy, not the checkout's
