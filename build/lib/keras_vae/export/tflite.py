"""TFLite (LiteRT) flatbuffers: one file per graph and variant, converted from the SavedModel.

Variants:
    float32: the float graph as is; must match Keras within the float32 tolerance.
    float16: weights stored as float16, dequantised to float32 at load time.
    dynamic_int8: weights int8, activations quantised on the fly (no calibration).
    int8: full-integer kernels, weights and activations int8, calibrated on a
        representative sample; the model's inputs and outputs stay float32 (labels
        int32) and are (de)quantised inside, so callers feed the same arrays to every
        variant.

Each file holds one signature named like the SavedModel's (``encode``, ``decode``,
``score``), with the graph's input and output names. The batch axis is stored as -1 in
``shape_signature``: ``Interpreter.get_signature_runner(key)(**inputs)`` resizes it.
"""

import warnings
from pathlib import Path

from keras_vae.export.artifact import Artifact

NAME = "tflite"
VARIANTS = ("float32", "float16", "dynamic_int8", "int8")

# Machine-readable per variant: what is stored, what is computed, what a caller feeds.
# io_dtype is the dtype of the image, z and noise inputs and of every output (labels
# are int32 everywhere): float32 in all variants, int8 included.
VARIANT_INFO = {
    "float32": {"weights": "float32", "activations": "float32", "io_dtype": "float32", "calibrated": False},
    "float16": {"weights": "float16", "activations": "float32", "io_dtype": "float32", "calibrated": False},
    "dynamic_int8": {"weights": "int8", "activations": "float32, int8 on the fly", "io_dtype": "float32",
                     "calibrated": False},
    "int8": {"weights": "int8", "activations": "int8", "io_dtype": "float32", "calibrated": True},
}


def file_name(graph, variant):
    return f"{graph}.{variant}.tflite"


def convert(saved_model_dir, graph, variant, representative=None):
    """Converts one signature of a SavedModel.

    Args:
        saved_model_dir: SavedModel holding the graph's signature.
        graph: the ``graphs.Graph``.
        variant: one of ``VARIANTS``.
        representative: for ``"int8"``, a list of feeds ({input name: batch}).

    Returns:
        the flatbuffer, as bytes.
    """
    import tensorflow as tf

    if variant not in VARIANTS:
        raise ValueError(f"unknown TFLite variant {variant!r}; expected one of {VARIANTS}")
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_dir), signature_keys=[graph.signature])
    if variant != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if variant == "int8":
        if not representative:
            raise ValueError("full-integer int8 conversion needs a representative sample")
        converter.representative_dataset = lambda: iter(representative)
        # Only int8 kernels: a float fallback would silently make a hybrid model.
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    with warnings.catch_warnings():
        # The int8 calibrator inside TF still builds the deprecated tf.lite.Interpreter;
        # its warning is about TF's internals, not about anything this export does.
        warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
        return converter.convert()


def write(context):
    """Writes every requested variant of every graph into ``context.out_dir``.

    Args:
        context: an ``ExportContext`` with ``saved_model_dir``, ``calibration`` and
            optionally ``options["tflite_variants"]``.

    Returns:
        the ``Artifact``s written.
    """
    variants = context.options.get("tflite_variants") or VARIANTS
    artifacts = []
    for graph in context.graphs.values():
        for variant in variants:
            data = convert(context.saved_model_dir, graph, variant, (context.calibration or {}).get(graph.name))
            name = file_name(graph.name, variant)
            (Path(context.out_dir) / name).write_bytes(data)
            entry = {"signature": graph.signature}
            artifacts.append(Artifact(graph.name, NAME, variant, name, exact=variant == "float32", entry=entry))
    return artifacts


def runner(path, artifact):
    """A function {input name: array} -> {output name: array} backed by LiteRT's Interpreter.

    Args:
        path: the .tflite file.
        artifact: the ``Artifact``; its ``entry["signature"]`` picks the signature.
    """
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    signature = interpreter.get_signature_runner(artifact.entry["signature"])

    def run(feed):
        return {k: v.copy() for k, v in signature(**feed).items()}

    return run


def describe(context, artifacts):
    """The manifest's ``formats.tflite`` section.

    Args:
        context: the ``ExportContext``.
        artifacts: the ``Artifact``s this format wrote.
    """
    variants = sorted({a.variant for a in artifacts}, key=VARIANTS.index)
    return {
        "variants": {v: VARIANT_INFO[v] for v in variants},
        "io": "every variant takes and returns float32 (labels int32); int8 quantises and dequantises inside",
        "signatures": {g.name: g.signature for g in context.graphs.values()},
        "batch": "stored as 1 with shape_signature -1; the signature runner resizes it",
        "runtime": "ai_edge_litert.interpreter.Interpreter(...).get_signature_runner(signature)",
    }
