"""TFLite (LiteRT) flatbuffers: one file per graph and variant, converted from the SavedModel.

Variants:
    float32: the float graph as is; must match Keras within the float32 tolerance.
    float16: weights stored as float16, dequantised to float32 at load time.
    dynamic_int8: weights int8, activations quantised on the fly (no calibration).
    int8: integer kernels for the network: every dense, convolution and transposed
        convolution has int8 weights and int8 activations, calibrated on a
        representative sample of real images (``feeds.calibration_feeds``). What is
        not the network stays float32 (``FLOAT_OPS``): the likelihood and its sum over
        pixels, the KL term, the reparameterisation, the final sigmoid (computed from
        the int8 logits) and the one-hot label path of conditional models. Quantising
        those is what made the old full-integer files useless: softplus as
        log(1 + exp(logits)) in int8 (the scorer off by 38.6 nats on conv_mnist) and
        a one-hot label on an int8 grid (cvae_mnist's decoder off by 0.997). Inputs
        and outputs stay float32 (labels int32), so callers feed the same arrays to
        every variant. Each int8 graph must meet ``INT8_BOUNDS`` against Keras on the
        verification batch, measured at export time; a graph that does not is not
        shipped, and the manifest records why (``refusals``).

A graph the converter cannot lower to TFLite builtins (``ConverterError``) is left out,
in that variant and the ones after it, rather than failing the export:
``formats.tflite.left_out`` gives the variants and the converter's reason. Measured:
SequenceVAE's scorer (a Keras GRU over the teacher-forced tokens) needs Select TF ops for
its TensorList loop with a dynamic batch, which the TF-free LiteRT runtime does not carry;
its ONNX file converts.

Each file holds one signature named like the SavedModel's (``encode``, ``decode``,
``score``), with the graph's input and output names. The batch axis is stored as -1 in
``shape_signature``: ``Interpreter.get_signature_runner(key)(**inputs)`` resizes it.
"""

import re
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
    "int8": {"weights": "int8", "activations": "int8", "io_dtype": "float32", "calibrated": True,
             "float_ops": "likelihood, its sum over pixels, KL, reparameterisation, final sigmoid, one-hot label path"},
}

# TFLite op types the int8 variant keeps in float32 (quantising them does the damage, and
# they hold no weights): the per-pixel log-likelihood (softplus is EXP, ADD, LOG), its SUM,
# the KL and the reparameterisation (EXP, SQUARE, MUL, ADD, SUB), the sigmoid of the
# logits (LOGISTIC) and the label path (CAST, ONE_HOT, CONCATENATION with the one-hot).
FLOAT_OPS = ("SUM", "EXP", "LOG", "SQUARE", "MUL", "SUB", "ADD", "LOGISTIC", "ONE_HOT", "CAST", "CONCATENATION")

# The int8 variant ships a graph only within these bounds against Keras (issue 15): the
# decoder's max abs error on image_mean (a probability for Bernoulli pixels) and the
# change of the scorer's mean negative ELBO, in nats. The encoder has no output of its
# own to bound; it is the scorer's first half and ships with it.
INT8_BOUNDS = {"decoder": ("image_mean", "max_abs", 0.05), "scorer": ("score", "mean_score_change", 1.0)}


def int8_not_offered(model):
    """Why the int8 variant is not offered for ``model`` (its class's ``int8_export_refusal``), or None."""
    return getattr(model, "int8_export_refusal", None)


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
    with warnings.catch_warnings():
        # The int8 calibrator inside TF still builds the deprecated tf.lite.Interpreter;
        # its warning is about TF's internals, not about anything this export does.
        warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
        if variant != "int8":
            return converter.convert()
        if not representative:
            raise ValueError("int8 conversion needs a representative sample")
        converter.representative_dataset = lambda: iter(representative)
        # TFLite's selective quantisation: calibrate, then quantise every op except the
        # FLOAT_OPS types, which keep float32 kernels (the converter inserts the
        # (de)quantise ops at the boundaries).
        options = tf.lite.experimental.QuantizationDebugOptions(denylisted_ops=list(FLOAT_OPS))
        debugger = tf.lite.experimental.QuantizationDebugger(
            converter=converter, debug_dataset=lambda: iter(representative), debug_options=options
        )
        return debugger.get_nondebug_quantized_model()


def refusals(records):
    """The int8 graphs outside ``INT8_BOUNDS``, and why.

    Args:
        records: parity records (``verify.verify``); the TFLite int8 ones are checked.

    Returns:
        {graph: {"variant": "int8", "reason": str, "output", "measure", "measured", "bound"}}
        for each graph refused; the encoder goes with the scorer.
    """
    int8 = {r["graph"]: r for r in records if r["format"] == NAME and r["variant"] == "int8"}
    out = {}
    for graph, (output, measure, bound) in INT8_BOUNDS.items():
        if graph not in int8:
            continue
        record = int8[graph]
        value = record["max_abs"][output] if measure == "max_abs" else record.get(measure)
        if value is not None and abs(value) <= bound:
            continue
        what = f"{output} max abs error {value:.3g}" if measure == "max_abs" else (
            f"mean negative ELBO change {value:+.3g} nats" if value is not None else "no score figure")
        out[graph] = {
            "variant": "int8", "output": output, "measure": measure, "measured": value, "bound": bound,
            "reason": f"int8 {graph} not shipped: {what} against Keras on the verification batch exceeds {bound}",
        }
    if "scorer" in out and "encoder" in int8:
        out["encoder"] = {**out["scorer"], "reason": out["scorer"]["reason"].replace(
            "int8 scorer not shipped", "int8 encoder not shipped with the scorer (same int8 encoder network)")}
    elif "encoder" in int8 and "scorer" not in int8:
        # The scorer's bound vouches for the encoder; without an int8 scorer (its conversion
        # failed: ``left_out``) nothing does.
        output, measure, bound = INT8_BOUNDS["scorer"]
        out["encoder"] = {
            "variant": "int8", "output": output, "measure": measure, "measured": None, "bound": bound,
            "reason": "int8 encoder not shipped: its bound is the int8 scorer's (same int8 encoder network), "
                      "and there is no int8 scorer to measure",
        }
    return out


def converter_reason(error):
    """One line from a TFLite ``ConverterError``: the first op the converter could not lower."""
    text = str(error)
    match = re.search(r"error: (?:loc\(.*?\)\): )?('[\w.]+' op [^\n]*)", text)
    line = match.group(1) if match else next((t.strip() for t in text.splitlines() if t.strip()), type(error).__name__)
    return line if len(line) <= 300 else line[:297] + "..."


def write(context):
    """Writes every requested variant of every graph into ``context.out_dir``.

    A graph whose conversion fails with the converter's ``ConverterError`` is left out
    from that variant on, recorded in ``context.left_out["tflite"]``.

    Args:
        context: an ``ExportContext`` with ``saved_model_dir``, ``calibration`` and
            optionally ``options["tflite_variants"]``.

    Returns:
        the ``Artifact``s written.
    """
    from tensorflow.lite.python.convert_phase import ConverterError

    variants = context.options.get("tflite_variants") or VARIANTS
    artifacts = []
    for graph in context.graphs.values():
        for i, variant in enumerate(variants):
            try:
                data = convert(context.saved_model_dir, graph, variant, (context.calibration or {}).get(graph.name))
            except ConverterError as e:
                reason = (f"TFLite's converter cannot lower the {graph.name} graph ({variant}) to builtin ops: "
                          f"{converter_reason(e)}")
                if "Select TF ops" in str(e):
                    reason += ("; its remedy, Select TF ops, needs the Flex delegate, which the TF-free LiteRT "
                               "runtime does not carry")
                context.left_out.setdefault(NAME, {})[graph.name] = {"variants": list(variants[i:]), "reason": reason}
                break
            name = file_name(graph.name, variant)
            (Path(context.out_dir) / name).write_bytes(data)
            entry = {"signature": graph.signature}
            artifacts.append(Artifact(graph.name, NAME, variant, name, exact=variant == "float32", entry=entry))
    return artifacts


def runner(path, artifact, graph):
    """A function {input name: array} -> {output name: array}: the runtime's LiteRT session.

    Verification runs each file through ``keras_vae.runtime.backends``, the code
    ``ExportedVAE(..., backend="litert")`` users run.

    Args:
        path: the .tflite file.
        artifact: the ``Artifact`` (its signature is the graph's).
        graph: its ``graphs.Graph`` (signature key and output names).
    """
    from keras_vae.runtime import backends

    return backends.open_session("litert", path, graph).run


def describe(context, artifacts):
    """The manifest's ``formats.tflite`` section.

    Args:
        context: the ``ExportContext``.
        artifacts: the ``Artifact``s this format wrote.
    """
    variants = sorted({a.variant for a in artifacts}, key=VARIANTS.index)
    not_offered = int8_not_offered(context.model)
    left_out = context.left_out.get(NAME)
    return {
        **({"not_offered": {"int8": not_offered}} if not_offered else {}),
        **({"left_out": left_out} if left_out else {}),
        "variants": {v: VARIANT_INFO[v] for v in variants},
        "io": "every variant takes and returns float32 (labels int32); int8 quantises and dequantises inside",
        "signatures": {g.name: g.signature for g in context.graphs.values()},
        "batch": "stored as 1 with shape_signature -1; the signature runner resizes it",
        "runtime": "ai_edge_litert.interpreter.Interpreter(...).get_signature_runner(signature)",
    }
