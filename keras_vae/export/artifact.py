"""What a format writer is given (``ExportContext``) and what it returns (``Artifact``s)."""

import dataclasses
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Artifact:
    """One exported graph in one format and variant.

    Args:
        graph: graph name (``"encoder"``, ``"decoder"``, ``"scorer"``).
        format: ``"saved_model"``, ``"tflite"`` or ``"onnx"``.
        variant: ``"float32"`` or a quantisation (``"float16"``, ``"dynamic_int8"``, ``"int8"``).
        file: path relative to the export folder (a folder for SavedModel).
        exact: True if the artifact computes in float32 and must match Keras within the
            float32 tolerance; False for quantised variants, whose error is only reported.
        entry: how to call it in its runtime, e.g. ``{"signature": "encode"}``.
    """

    graph: str
    format: str
    variant: str
    file: str
    exact: bool = True
    entry: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class ExportContext:
    """Everything a format writer needs.

    Args:
        model: the ``keras_vae.models.VAE`` being exported.
        graphs: {name: ``graphs.Graph``}.
        out_dir: the (staging) folder the artifacts are written to.
        saved_model_dir: a SavedModel of the graphs, written first: the TFLite converter
            reads it (converting from a SavedModel freezes the Keras variables properly).
        calibration: {graph name: list of feeds} for full-integer quantisation.
        options: format options (``opset``, ``tflite_variants``).
        left_out: {format: {graph: {"variants": [...], "reason": str}}}: what a format's
            converter could not convert, filled in by the writers for ``describe``.
    """

    model: object
    graphs: dict
    out_dir: Path
    saved_model_dir: Path = None
    calibration: dict = None
    options: dict = dataclasses.field(default_factory=dict)
    left_out: dict = dataclasses.field(default_factory=dict)
