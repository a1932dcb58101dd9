"""``manifest.json``: what an export folder holds, how to call it, and how well it matches Keras.

A TensorFlow-free runtime (numpy with onnxruntime or LiteRT) reads this file, so its
keys are stable; new keys may be added, existing ones keep their meaning. Bump
``MANIFEST_VERSION`` on any incompatible change. Shapes use ``null`` for the batch axis.

Top level:
    manifest_version: int, currently 1.
    model: {"name": Keras model name, "class": e.g. "ConvVAE", "recipe": zoo recipe
        name or null, "source": "zoo:NAME", a .keras path or null, "params": int}.
    versions: {"keras_vae", "keras", "tensorflow", "numpy", "tf2onnx", "onnx",
        "onnxruntime", "ai_edge_litert", "python"}: version strings (null if absent).
    image_shape: shape of one example: [height, width, channels] of an image, [length,
        channels] of a time-series window, [max_length] of a token sequence.
    image_dtype: "float32".
    value_range: [low, high] the images must lie in, or null if unbounded.
    latent_dim: size of z.
    likelihood: {"name": "bernoulli" | "gaussian", "config": {...}}; the decoder
        returns this likelihood's mean image.
    conditional: bool; if true, every graph takes a "label" input.
    num_classes: int or null.
    label_names: list of num_classes strings (label i is label_names[i]) or null.
    graphs: {"encoder" | "decoder" | "scorer": {
        "description": str,
        "signature": SavedModel / TFLite signature key ("encode", "decode", "score"),
        "inputs": [{"name", "shape", "dtype"}] in call order,
        "outputs": [{"name", "shape", "dtype"}],
        "files": {"saved_model": folder, "onnx": file,
                  "tflite": {variant: file}}  (only the formats exported)}}.
        Inputs: image float32 (batch, h, w, c); label int32 (batch,); z float32
        (batch, latent_dim); noise float32 (batch, latent_dim), zeros for the posterior
        mean. Outputs: z_mean, z_log_var (batch, latent_dim); image_mean and
        reconstruction (batch, h, w, c); score (batch,), the negative ELBO in nats.
    graphs_left_out: {graph name: reason} of the graphs not exported (only when some
        are): a family with an autoregressive decoder (a decoder context: PixelVAE,
        SequenceVAE) has no "decoder" graph, its generation being one decoder pass per
        pixel or token in a Python loop; its "encoder" and "scorer" are exported. For a
        token model (SequenceVAE) "image" is float32 token ids (batch, max_length) and
        "reconstruction" the token probabilities (batch, max_length, vocabulary).
    formats: {"saved_model" | "tflite" | "onnx": how to load and call that format}.
        saved_model: {"path", "signatures": {graph: key}, "serving_default"}.
        tflite: {"variants": {variant: {"weights", "activations", "io_dtype",
        "calibrated"}}, "signatures": {graph: key}, ...}; io_dtype is "float32" in
        every variant, int8 included: full-integer files quantise and dequantise
        inside, so callers feed the same arrays to every variant. "refused" (only when
        some int8 graph missed ``tflite.INT8_BOUNDS``): {graph: {"variant": "int8",
        "reason", "output", "measure", "measured", "bound"}}; a refused graph has no
        int8 file (its verification record keeps the figures and gains "refused").
        "left_out" (only when the converter failed on some graph): {graph: {"variants":
        [variants without a file], "reason"}}, e.g. SequenceVAE's GRU scorer.
        onnx: {"opset", "batch_dim": "batch", ...}.
    reference_data: where the verification batch and the int8 calibration sample
        came from: {"source": "dataset" | "samples", "dataset", "binarize",
        "verification", "calibration", "reason" (samples only)}.
    verification: {"float32_tolerance", "score_tolerance" (str), "feeds" (list of str),
        "passed": bool, "artifacts": [{"graph", "format", "variant", "file", "exact",
        "max_abs": {output: float}, "tolerance": {output: float} or null,
        "passed": bool, "mean_score_change": float (scorer only)}]}.
    tflite_summary: {variant: {"size_bytes", "compression_vs_float32",
        "decoder_max_abs" (null without a decoder graph), "mean_neg_elbo_change" (null
        without a scorer file), "refused_graphs" (int8, if any)}}
        (only with tflite; sizes count every file converted, refused ones included).
    files: [{"path": relative path, "sha256": hex, "size_bytes": int}] of every file
        in the folder except manifest.json itself, sorted by path.
"""

import json
import math
from pathlib import Path

from keras_vae.files import package_versions

MANIFEST_VERSION = 1
FILE_NAME = "manifest.json"

_DISTRIBUTIONS = {
    "keras_vae": "keras-vae",
    "keras": "keras",
    "tensorflow": "tensorflow",
    "numpy": "numpy",
    "tf2onnx": "tf2onnx",
    "onnx": "onnx",
    "onnxruntime": "onnxruntime",
    "ai_edge_litert": "ai-edge-litert",
}


def versions():
    """Installed versions of the packages that made the export."""
    return package_versions(_DISTRIBUTIONS, python=True)


def file_entries(folder, exclude=(FILE_NAME,)):
    """sha256 and size of every file under ``folder``.

    Args:
        folder: the export folder.
        exclude: relative paths to leave out.
    """
    from keras_vae.files import sha256

    folder = Path(folder)
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel not in exclude:
            out.append({"path": rel, "sha256": sha256(path), "size_bytes": path.stat().st_size})
    return out


def _label_names(model, dataset):
    if not model.conditional:
        return None
    if dataset is not None:
        from keras_vae import data

        spec = data.get(dataset)
        if spec.num_classes == model.num_classes:
            return list(spec.label_names)
    return [str(i) for i in range(model.num_classes)]


def _graph_files(graph, artifacts):
    files = {}
    for a in artifacts:
        if a.graph != graph:
            continue
        if a.format == "tflite":
            files.setdefault("tflite", {})[a.variant] = a.file
        else:
            files[a.format] = a.file
    return files


def build(model, graphs, artifacts, records, formats, reference_info, folder, recipe=None, source=None,
          dataset=None, summary=None, feeds=None, graphs_left_out=None):
    """The manifest dict of an export.

    Args:
        model: the exported ``VAE``.
        graphs: {name: ``graphs.Graph``}.
        artifacts: the ``Artifact``s written.
        records: their parity records (``verify.verify``).
        formats: {format name: that format's ``describe`` section}.
        reference_info: ``ReferenceData.info``.
        folder: the folder holding the artifacts, hashed into ``files``.
        recipe: zoo recipe name, if any.
        source: where the model came from (``"zoo:NAME"`` or a path).
        dataset: dataset the label names come from.
        summary: ``verify.tflite_summary`` figures, if TFLite was exported.
        feeds: one line describing each verification feed.
        graphs_left_out: {graph name: reason} of the graphs not exported (``graphs.left_out``).
    """
    import keras_vae
    from keras_vae import likelihoods
    from keras_vae.export import verify

    value_range = model.likelihood.value_range
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "model": {
            "name": model.name,
            "class": type(model).__name__,
            "recipe": recipe,
            "source": source,
            "params": int(model.count_params()),
        },
        "versions": {**versions(), "keras_vae": keras_vae.__version__},
        "image_shape": list(model.image_shape),
        "image_dtype": "float32",
        "value_range": None if value_range is None else [float(v) for v in value_range],
        "latent_dim": int(model.latent_dim),
        "likelihood": likelihoods.serialize(model.likelihood),
        "conditional": bool(model.conditional),
        "num_classes": model.num_classes,
        "label_names": _label_names(model, dataset),
        "graphs": {name: {**g.to_dict(), "files": _graph_files(name, artifacts)} for name, g in graphs.items()},
        **({"graphs_left_out": dict(graphs_left_out)} if graphs_left_out else {}),
        "formats": formats,
        "reference_data": reference_info,
        "verification": {
            "float32_tolerance": verify.FLOAT32_TOLERANCE,
            "score_tolerance": (
                f"max({verify.FLOAT32_TOLERANCE}, {verify.SCORE_RELATIVE_TOLERANCE} x max |Keras score|): "
                f"the score is a float32 sum of {math.prod(model.image_shape)} per-pixel terms"
            ),
            "feeds": list(feeds or []),
            "passed": all(r["passed"] for r in records),
            "artifacts": records,
        },
    }
    if summary:
        manifest["tflite_summary"] = summary
    manifest["files"] = file_entries(folder)
    return manifest


def write(manifest, folder):
    """Writes ``manifest.json`` into ``folder``; returns its path."""
    path = Path(folder) / FILE_NAME
    path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    return path


def read(folder):
    """The manifest dict of an export folder."""
    return json.loads((Path(folder) / FILE_NAME).read_text())
