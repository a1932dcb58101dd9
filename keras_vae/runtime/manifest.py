"""Reading and validating an export's ``manifest.json`` (schema: ``keras_vae.export.manifest``).

Only the keys the runtime relies on are checked; unknown keys are ignored because the
schema allows new keys within a manifest version. This module must not import
``keras_vae.export`` (it imports TensorFlow-facing code), so the schema's file name and
version live here too and a test keeps them equal.
"""

import json
from pathlib import Path

from keras_vae.runtime.hashing import sha256

FILE_NAME = "manifest.json"
SUPPORTED_MANIFEST_VERSIONS = (1,)
GRAPHS = ("encoder", "decoder", "scorer")
DTYPES = ("float32", "int32")


class ManifestError(ValueError):
    """An export folder or its manifest is missing, malformed, unsupported or corrupt."""


def _require(mapping, key, kind, where):
    if not isinstance(mapping, dict) or key not in mapping:
        raise ManifestError(f"{where} has no {key!r} entry")
    value = mapping[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ManifestError(f"{where}[{key!r}] must be {names}, got {type(value).__name__}")
    return value


class TensorSpec:
    """Name, shape (None for the batch axis) and dtype of one graph input or output."""

    def __init__(self, entry, where):
        self.name = _require(entry, "name", str, where)
        shape = _require(entry, "shape", list, where)
        if not shape or shape[0] is not None or not all(isinstance(d, int) and d > 0 for d in shape[1:]):
            raise ManifestError(f"{where} shape must be [null, positive ints...], got {shape}")
        self.shape = tuple(shape)
        self.dtype = _require(entry, "dtype", str, where)
        if self.dtype not in DTYPES:
            raise ManifestError(f"{where} dtype must be one of {DTYPES}, got {self.dtype!r}")

    def __repr__(self):
        return f"TensorSpec({self.name!r}, {self.shape}, {self.dtype!r})"


class GraphIO:
    """``input_names`` and ``output_names`` of a graph with ``inputs`` and ``outputs`` (each with ``.name``).

    Shared by the manifest's ``GraphSpec`` and the exporter's ``keras_vae.export.graphs.Graph``,
    so a runtime session opens either.
    """

    @property
    def input_names(self):
        return [t.name for t in self.inputs]

    @property
    def output_names(self):
        return [t.name for t in self.outputs]


class GraphSpec(GraphIO):
    """One exported graph: signature key, inputs and outputs in order, and its files."""

    def __init__(self, name, entry):
        where = f"manifest graphs[{name!r}]"
        self.name = name
        self.signature = _require(entry, "signature", str, where)
        self.inputs = [TensorSpec(e, f"{where} input {i}") for i, e in enumerate(_require(entry, "inputs", list, where))]
        self.outputs = [
            TensorSpec(e, f"{where} output {i}") for i, e in enumerate(_require(entry, "outputs", list, where))
        ]
        self.files = _require(entry, "files", dict, where)


class Manifest:
    """A validated manifest of one export folder.

    Args:
        folder: the export folder (holds ``manifest.json`` and the artifacts).
        data: the parsed manifest dict.

    Raises:
        ManifestError: a missing key, a wrong type or an unsupported ``manifest_version``.

    Example:
    >>> m = read_manifest("dist/conv_mnist")
    >>> m.latent_dim, m.conditional, m.graph("decoder").input_names
    (32, False, ['z'])
    """

    def __init__(self, folder, data):
        self.folder = Path(folder)
        self.data = data
        where = f"manifest of {self.folder}"
        version = _require(data, "manifest_version", int, where)
        if version not in SUPPORTED_MANIFEST_VERSIONS:
            raise ManifestError(
                f"{self.folder} has manifest_version {version}; this runtime reads versions "
                f"{list(SUPPORTED_MANIFEST_VERSIONS)}: install a keras-vae runtime matching the exporter"
            )
        shape = _require(data, "image_shape", list, where)
        # [height, width, channels] of an image; [length, channels] of a time-series
        # window and [max_length] of a token sequence.
        if not shape or not all(isinstance(d, int) and d > 0 for d in shape):
            raise ManifestError(f"{where}: image_shape must be a list of positive ints, e.g. [height, width, "
                                f"channels], got {shape}")
        self.image_shape = tuple(shape)
        self.latent_dim = _require(data, "latent_dim", int, where)
        value_range = data.get("value_range")
        if value_range is not None and (
            not isinstance(value_range, list) or len(value_range) != 2 or not value_range[0] < value_range[1]
        ):
            raise ManifestError(f"{where}: value_range must be [low, high] or null, got {value_range}")
        self.value_range = None if value_range is None else (float(value_range[0]), float(value_range[1]))
        self.conditional = _require(data, "conditional", bool, where)
        self.num_classes = data.get("num_classes")
        if self.conditional and not (isinstance(self.num_classes, int) and self.num_classes > 0):
            raise ManifestError(f"{where}: a conditional model needs a positive num_classes, got {self.num_classes}")
        self.label_names = data.get("label_names")
        self.likelihood = _require(data, "likelihood", dict, where).get("name")
        self.graphs = {name: GraphSpec(name, entry) for name, entry in _require(data, "graphs", dict, where).items()}
        if not self.graphs:
            raise ManifestError(f"{where} lists no graphs")
        # Graphs the exporter could not express, with its reason (an autoregressive decoder).
        left_out = data.get("graphs_left_out") or {}
        if not isinstance(left_out, dict) or not all(isinstance(v, str) for v in left_out.values()):
            raise ManifestError(f"{where}['graphs_left_out'] must map graph names to reasons, got {left_out!r}")
        self.graphs_left_out = dict(left_out)
        # sha256 by relative path, to catch a truncated download or a swapped file
        # before a runtime gets to misread it.
        self._hashes = {e["path"]: e.get("sha256") for e in data.get("files", []) if isinstance(e, dict) and "path" in e}

    @property
    def name(self):
        model = self.data.get("model") or {}
        return model.get("recipe") or model.get("name") or self.folder.name

    def graph(self, name):
        """The ``GraphSpec`` of ``name`` (``"encoder"``, ``"decoder"`` or ``"scorer"``).

        Raises:
            ManifestError: the graph was not exported; one line giving the exporter's
                reason when it left the graph out (``graphs_left_out``).
        """
        if name in self.graphs_left_out and name not in self.graphs:
            raise ManifestError(f"{self.folder} has no {name} graph: {self.graphs_left_out[name]}")
        if name not in self.graphs:
            raise ManifestError(f"{self.folder} has no {name!r} graph; it exported {sorted(self.graphs)}")
        return self.graphs[name]

    def formats(self, graph):
        """{format: file or {variant: file}} exported for ``graph``."""
        return self.graph(graph).files

    def refused(self, graph, fmt, variant):
        """Why the exporter left ``variant`` of ``graph`` out, or None.

        Reads ``formats[fmt]["refused"]`` (an int8 graph outside its error bounds) and
        ``formats[fmt]["left_out"]`` (a graph the format's converter could not convert).
        """
        section = (self.data.get("formats") or {}).get(fmt) or {}
        refused = (section.get("refused") or {}).get(graph) or {}
        if refused.get("variant") == variant and refused.get("reason"):
            return refused["reason"]
        left_out = (section.get("left_out") or {}).get(graph) or {}
        if isinstance(left_out, dict) and variant in (left_out.get("variants") or [variant]):
            return left_out.get("reason")
        return None

    def file(self, graph, fmt, variant=None, verify=True):
        """Path of the artifact of ``graph`` in format ``fmt`` (``"onnx"``, ``"tflite"``).

        Args:
            graph: graph name.
            fmt: ``"onnx"`` or ``"tflite"``.
            variant: the TFLite variant (``"float32"``, ``"int8"``, ...); None for ONNX.
            verify: compare the file's sha256 with the manifest's ``files`` list (a file
                the list gives no sha256 for is refused).

        Raises:
            ManifestError: the format or variant was not exported, the file is missing,
                the manifest records no sha256 for it, or its sha256 differs.
        """
        files = self.graph(graph).files
        reason = None if fmt in files else self.refused(graph, fmt, variant)
        if reason:
            raise ManifestError(f"{self.folder}: no {fmt} file of the {graph} graph: {reason}")
        if fmt not in files:
            raise ManifestError(
                f"{self.folder}: the {graph} graph was not exported to {fmt} (formats: {sorted(files)}); "
                f"re-export with formats including {fmt!r}"
            )
        rel = files[fmt]
        if isinstance(rel, dict):
            if variant not in rel:
                reason = self.refused(graph, fmt, variant)
                why = f" ({reason})" if reason else ""
                raise ManifestError(
                    f"{self.folder}: no {fmt} variant {variant!r} of {graph}{why}; exported: {sorted(rel)}"
                )
            rel = rel[variant]
        path = self.folder / rel
        if not path.is_file():
            raise ManifestError(f"{path} is listed in the manifest but missing")
        expected = self._hashes.get(rel)
        if verify and not expected:
            # A manifest that lists a graph file without its hash cannot vouch for it.
            raise ManifestError(
                f"{self.folder / 'manifest.json'} records no sha256 for {rel}: the file cannot be checked, "
                "so it is not trusted; re-export the model"
            )
        if verify:
            actual = sha256(path)
            if actual != expected:
                raise ManifestError(f"{path} is corrupt: sha256 {actual} differs from the manifest's {expected}")
        return path

    def __repr__(self):
        return f"Manifest({str(self.folder)!r}, name={self.name!r}, graphs={sorted(self.graphs)})"


def read_manifest(folder):
    """Reads and validates ``folder/manifest.json``.

    Args:
        folder: an export folder written by ``keras_vae.export.export``.

    Returns:
        a ``Manifest``.

    Raises:
        ManifestError: no folder, no manifest, invalid JSON or an invalid manifest.
    """
    folder = Path(folder)
    path = folder / FILE_NAME
    if not folder.is_dir():
        raise ManifestError(f"export folder {folder} does not exist")
    if not path.is_file():
        raise ManifestError(f"{folder} holds no {FILE_NAME}; is it a keras_vae export folder?")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ManifestError(f"{path} is not valid JSON: {e}") from e
    return Manifest(folder, data)
