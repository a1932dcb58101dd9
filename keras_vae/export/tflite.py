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

from pathlib import Path

from keras_vae.export.artifact import Artifact

NAME = "tflite"
VARIANTS = ("float32", "float16", "dynamic_int8", "int8")

DESCRIPTIONS = {
    "float32": "float32 weights and kernels",
    "float16": "float16 weights, float32 kernels",
    "dynamic_int8": "int8 weights, activations quantised on the fly (dynamic range)",
    "int8": "full-integer int8 weights and activations, calibrated on the calibration sample; "
    "inputs and outputs stay float32 (label int32) and are quantised inside the model",
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
            artifacts.append(
                Artifact(graph.name, NAME, variant, name, exact=variant == "float32", entry={"signature": graph.signature})
            )
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
    """The manifest's ``formats.tflite`` section."""
    variants = sorted({a.variant for a in artifacts}, key=VARIANTS.index)
    return {
        "variants": {v: DESCRIPTIONS[v] for v in variants},
        "io_dtypes": "float32 inputs and outputs (label int32) in every variant, int8 included",
        "signatures": {g.name: g.signature for g in context.graphs.values()},
        "batch": "stored as 1 with shape_signature -1; the signature runner resizes it",
        "runtime": "ai_edge_litert.interpreter.Interpreter(...).get_signature_runner(signature)",
    }
