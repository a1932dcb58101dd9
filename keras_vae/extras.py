"""Optional dependencies: which extra of ``pip install "keras-vae[EXTRA]"`` brings each one.

Features that need an optional package check for it up front with ``require`` (before
a model is loaded or anything written), and say in one line what to install.

Example:
>>> require(["tf2onnx", "onnx", "onnxruntime"], "ONNX export")
"""

import importlib.util

# Importable module -> (pip package, keras-vae extra that installs it).
PACKAGES = {
    "tf2onnx": ("tf2onnx", "export"),
    "onnx": ("onnx", "export"),
    "onnxruntime": ("onnxruntime", "export"),
    "ai_edge_litert": ("ai-edge-litert", "export"),
    "sklearn": ("scikit-learn", "apps"),
    "matplotlib": ("matplotlib", "apps"),
    "pytest": ("pytest", "test"),
    "constriction": ("constriction", "compression"),
    "scipy": ("scipy", "compression"),
    "jax": ("jax", "backends"),
    "torch": ("torch", "backends"),
    "rdkit": ("rdkit", "molecules"),
    "selfies": ("selfies", "molecules"),
    "fcd_torch": ("fcd-torch", "fcd"),
}


class MissingExtraError(ImportError):
    """An optional package a feature needs is not installed; the message says what to install."""


def install_hint(module):
    """``pip install "keras-vae[EXTRA]"`` (or the bare package) for an importable module name."""
    top = (module or "").split(".")[0]
    if top in PACKAGES:
        package, extra = PACKAGES[top]
        return f'pip install "keras-vae[{extra}]" (it brings {package})'
    return f"pip install {top}" if top else "install the missing package"


def missing(modules):
    """The modules of ``modules`` that cannot be imported."""
    return [m for m in modules if importlib.util.find_spec(m) is None]


def require(modules, feature):
    """Raises ``MissingExtraError`` naming the extra to install if any of ``modules`` is missing.

    Args:
        modules: importable module names (``"tf2onnx"``).
        feature: what needs them, for the message (``"ONNX export"``).
    """
    absent = missing(modules)
    if absent:
        raise MissingExtraError(
            f"{feature} needs {', '.join(PACKAGES.get(m, (m,))[0] for m in absent)}, which is not installed: "
            f"{install_hint(absent[0])}"
        )
