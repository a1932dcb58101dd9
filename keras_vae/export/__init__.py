"""Export a keras_vae model to SavedModel, TFLite (LiteRT) and ONNX, verified and described.

Three deterministic graphs are exported (see ``graphs``): ``encoder`` (image[, label] ->
z_mean, z_log_var), ``decoder`` (z[, label] -> image_mean) and ``scorer`` (image[, label],
noise -> score, reconstruction). A family with an autoregressive decoder (PixelVAE,
SequenceVAE) has no decoder graph, generation being a loop of decoder passes: its encoder
and scorer are exported and ``manifest["graphs_left_out"]`` says why. Every artifact is
loaded back in its own runtime and compared with the Keras model before the export
folder appears (``verify``); the folder
holds a ``manifest.json`` (``manifest``) and is written atomically (``staging``).

Example:
>>> import keras_vae
>>> model = keras_vae.zoo.load("conv_mnist")
>>> manifest = keras_vae.export.export(model, "dist/conv_mnist", formats="all", recipe="conv_mnist")
>>> manifest["tflite_summary"]["int8"]["compression_vs_float32"]  # about 4

Converters, and why these:
    SavedModel: ``keras.export.ExportArchive``, one endpoint per graph. Keras'
        ``model.export(format="tf_saved_model")`` exports ``call`` only; the archive is
        the same machinery with our three named functions as signatures.
    TFLite: ``tf.lite.TFLiteConverter.from_saved_model(dir, signature_keys=[key])`` on
        that SavedModel. Keras' ``model.export(format="litert")`` exports ``call`` only
        and names the outputs ``output_0``, ``output_1``; ``from_concrete_functions``
        (TF 2.21) keeps the Keras variables as resource variables whose READ_VARIABLE
        ops are uninitialised at run time (NaN or an error), while ``from_saved_model``
        freezes them. Quantisation uses the converter's own options (see ``tflite``).
    ONNX: ``tf2onnx.convert.from_function`` on the same ``tf.function``s, opset 17 by
        default (``keras_vae.export.onnx.DEFAULT_OPSET``), checked by ``onnx.checker``. Keras'
        ``model.export(format="onnx")`` calls tf2onnx too, but on ``call`` only, and
        yields outputs named ``Identity:0``, ``Identity_1:0`` and a batch axis named
        ``unk__N``; here outputs keep their names and the batch axis is named ``batch``.
"""

import tempfile
from pathlib import Path

from keras_vae.export import feeds as feeds_lib
from keras_vae.export import manifest as manifest_lib
from keras_vae.export import onnx, reference_data, saved_model, staging, tflite, verify
from keras_vae.export.artifact import Artifact, ExportContext
from keras_vae.export.verify import FLOAT32_TOLERANCE, ParityError

# Nothing imported at module level pulls in keras or tensorflow (graphs.py does, and is
# imported per call), so `keras-vae --help` stays fast with the export subcommand wired.

# The dispatch table: format name -> module with write(context), runner(path,
# artifact, graph) and describe(context, artifacts). Order matters: TFLite reads the SavedModel.
FORMATS = {"saved_model": saved_model, "tflite": tflite, "onnx": onnx}
# Optional packages each format needs to be written and verified (the [export] extra).
REQUIRES = {"saved_model": (), "tflite": ("ai_edge_litert",), "onnx": ("tf2onnx", "onnx", "onnxruntime")}


def require_packages(formats):
    """Raises ``keras_vae.extras.MissingExtraError`` (an ImportError) naming the extra to install."""
    from keras_vae import extras

    for name in formats:
        extras.require(REQUIRES[name], f"export to {name}")

__all__ = [
    "FORMATS", "FLOAT32_TOLERANCE", "Artifact", "ExportContext", "ParityError", "export", "parse_formats",
]


def parse_formats(formats):
    """Format names from ``"all"``, ``"saved_model,tflite"`` or a list, in ``FORMATS`` order.

    Args:
        formats: ``"all"``, a comma-separated string or a list of ``FORMATS`` names.

    Raises:
        ValueError: an unknown or empty format list.
    """
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    formats = list(formats or [])
    if formats == ["all"]:
        return list(FORMATS)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(
            f"unknown export format {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"expected a comma-separated list of {', '.join(FORMATS)}, or 'all'"
        )
    return [f for f in FORMATS if f in formats]


def _check_arguments(model, tflite_variants, verify_examples, calibration_examples, reference, opset):
    import keras

    from keras_vae.models import VAE, checks

    if not isinstance(model, VAE):
        raise ValueError(f"export takes a keras_vae model (a keras_vae.models.VAE), got {type(model).__name__}")
    if keras.backend.backend() != "tensorflow":
        raise ValueError(f"export needs the TensorFlow backend of Keras, not {keras.backend.backend()!r}")
    variants = list(tflite_variants or tflite.VARIANTS)
    unknown = [v for v in variants if v not in tflite.VARIANTS]
    if unknown:
        raise ValueError(f"unknown TFLite variant {unknown}; expected some of {tflite.VARIANTS}")
    if "int8" in variants and tflite.int8_not_offered(model):
        if tflite_variants:  # asked for by name: an error; by default: left out, the manifest says why
            raise ValueError(tflite.int8_not_offered(model))
        variants.remove("int8")
    checks.check_positive_int(verify_examples, "verify_examples")
    checks.check_positive_int(calibration_examples, "calibration_examples")
    if opset is not None:
        checks.check_positive_int(opset, "opset")
    if reference not in reference_data.SOURCES:
        raise ValueError(f"reference data source must be one of {reference_data.SOURCES}, got {reference!r}")
    return [v for v in tflite.VARIANTS if v in variants]


def _refuse_int8(stage, artifacts, records, section, summary):
    """Removes the int8 graphs outside ``tflite.INT8_BOUNDS`` and records why.

    The measured figures stay in the verification records and in ``tflite_summary``;
    the refused files leave the folder (and the manifest's ``files``), and
    ``formats.tflite.refused`` gives the reason per graph.

    Returns:
        the artifacts still shipped.
    """
    refused = tflite.refusals(records)
    if not refused:
        return artifacts
    section["refused"] = refused
    for r in records:
        if r["format"] == tflite.NAME and r["variant"] == "int8" and r["graph"] in refused:
            r["refused"] = refused[r["graph"]]["reason"]
    summary["int8"]["refused_graphs"] = sorted(refused)
    kept = []
    for a in artifacts:
        if a.format == tflite.NAME and a.variant == "int8" and a.graph in refused:
            (stage / a.file).unlink()
        else:
            kept.append(a)
    return kept


def export(
    model,
    out_dir,
    formats="all",
    overwrite=False,
    *,
    recipe=None,
    source=None,
    reference="auto",
    dataset=None,
    data_dir=None,
    verify_examples=32,
    calibration_examples=256,
    tflite_variants=None,
    opset=None,
):
    """Exports, verifies and describes ``model`` in ``out_dir``.

    Args:
        model: a ``keras_vae.models.VAE``.
        out_dir: folder to create; written atomically (nothing is left on failure).
        formats: ``"all"``, a comma-separated string or a list of ``FORMATS`` names.
        overwrite: replace an existing non-empty ``out_dir``.
        recipe: zoo recipe (name or ``Recipe``) the model comes from, for the manifest
            and as the default ``dataset``.
        source: where the model came from (``"zoo:NAME"``, a path), for the manifest.
        reference: verification and calibration data: ``"auto"`` (the dataset when
            available offline, else the model's samples), ``"dataset"`` or ``"samples"``.
        dataset: ``keras_vae.data`` name (default: the recipe's, else ``"mnist"``, or
            ``"moses"`` for a token model).
        data_dir: folder of the dataset's original files (None: the prepared TFDS copy
            or ``$KERAS_VAE_DATA_DIR``).
        verify_examples: size of the fixed verification batch.
        calibration_examples: size of the int8 calibration sample.
        tflite_variants: subset of ``tflite.VARIANTS`` (default: all four).
        opset: ONNX opset (default ``onnx.DEFAULT_OPSET``).

    Returns:
        the manifest dict, also written to ``out_dir/manifest.json``.

    Raises:
        ValueError: bad arguments or output folder (raised before anything is written).
        ParityError: an artifact disagrees with Keras (the folder is not created).
    """
    formats = parse_formats(formats)
    require_packages(formats)
    variants = _check_arguments(model, tflite_variants, verify_examples, calibration_examples, reference, opset)
    recipe_name = getattr(recipe, "name", recipe)
    dataset = dataset or getattr(recipe, "dataset", None)
    if dataset is None and recipe_name is not None:
        from keras_vae import zoo

        dataset = zoo.get(recipe_name).dataset
    dataset = dataset or reference_data.default_dataset(model)
    options = {"opset": opset, "tflite_variants": variants}

    from keras_vae.export.graphs import build_graphs, left_out

    with staging.staged(out_dir, overwrite) as stage:
        graphs = build_graphs(model)
        data = reference_data.load(model, reference, dataset, data_dir, verify_examples, calibration_examples)
        verification = feeds_lib.verification_feeds(graphs, data.verify_images, data.verify_labels)
        calibration = None
        if "tflite" in formats and "int8" in variants:
            calibration = feeds_lib.calibration_feeds(graphs, data.calib_images, data.calib_labels)

        artifacts, sections = [], {}
        with tempfile.TemporaryDirectory(prefix="keras_vae_export-") as scratch:
            in_output = "saved_model" in formats
            saved_model_dir = stage / saved_model.FOLDER if in_output else Path(scratch) / saved_model.FOLDER
            if in_output or "tflite" in formats:
                saved_model.save(model, graphs, saved_model_dir)
            context = ExportContext(model, graphs, stage, saved_model_dir, calibration, options)
            for name in formats:
                written = FORMATS[name].write(context)
                artifacts += written
                sections[name] = FORMATS[name].describe(context, written)

        records = verify.verify(stage, artifacts, graphs, verification, {n: FORMATS[n].runner for n in formats})
        summary = None
        if "tflite" in formats:
            sizes = {a.file: (stage / a.file).stat().st_size for a in artifacts if a.format == "tflite"}
            summary = verify.tflite_summary(records, sizes)
            artifacts = _refuse_int8(stage, artifacts, records, sections["tflite"], summary)
        batch = len(data.verify_images)
        decoder = "decoder" in graphs
        feed_lines = [
            f"{batch} examples; scorer noise = 0 (posterior mean)" + ("; decoder z = Keras z_mean" if decoder else ""),
            f"{min(feeds_lib.RESIZE_EXAMPLES, batch)} examples (another batch size); scorer noise"
            + (" and decoder z" if decoder else "") + " ~ N(0, I), seed 0",
        ]
        manifest = manifest_lib.build(
            model, graphs, artifacts, records, sections, data.info, stage, recipe=recipe_name, source=source,
            dataset=dataset, summary=summary, feeds=feed_lines, graphs_left_out=left_out(model),
        )
        manifest_lib.write(manifest, stage)
    return manifest
