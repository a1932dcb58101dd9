"""ONNX models through tf2onnx: one file per graph, opset chosen explicitly.

tf2onnx names the ONNX inputs after the TensorSpec names and the outputs after the
graph's dict keys, which are the names the manifest promises. It leaves the batch axis
as an anonymous ``unk__N`` symbol; it is renamed ``batch`` on every graph input and
output so that a runtime can see the axes are one and the same.
"""

from pathlib import Path

from keras_vae.export.artifact import Artifact

NAME = "onnx"
# 17 is supported by every onnxruntime since 1.14 (incl. web and mobile builds) and by
# tf2onnx 1.16+, and has every op the graphs use; newer opsets add nothing needed here.
DEFAULT_OPSET = 17
BATCH_DIM = "batch"


def file_name(graph):
    return f"{graph}.onnx"


def _name_batch_axis(model_proto):
    for value in list(model_proto.graph.input) + list(model_proto.graph.output):
        dims = value.type.tensor_type.shape.dim
        if dims:
            dims[0].ClearField("dim_value")
            dims[0].dim_param = BATCH_DIM


def _check_names(model_proto, graph):
    inputs = [v.name for v in model_proto.graph.input]
    outputs = sorted(v.name for v in model_proto.graph.output)
    if inputs != graph.input_names or outputs != sorted(graph.output_names):
        raise ValueError(
            f"tf2onnx named the {graph.name} graph's inputs {inputs} and outputs {outputs}; "
            f"expected {graph.input_names} and {sorted(graph.output_names)}"
        )


def convert(graph, opset=DEFAULT_OPSET):
    """Converts one graph to a checked ONNX ``ModelProto``.

    Args:
        graph: the ``graphs.Graph``.
        opset: ONNX opset of the default domain.

    Returns:
        the ``onnx.ModelProto``, validated by ``onnx.checker`` (with shape inference).
    """
    import logging

    import onnx
    import tf2onnx

    logging.getLogger("tf2onnx").setLevel(logging.WARNING)
    model_proto, _ = tf2onnx.convert.from_function(
        graph.function, input_signature=graph.input_signature(), opset=int(opset)
    )
    _check_names(model_proto, graph)
    _name_batch_axis(model_proto)
    onnx.checker.check_model(model_proto, full_check=True)
    return model_proto


def write(context):
    """Writes ``<graph>.onnx`` for every graph into ``context.out_dir``.

    Args:
        context: an ``ExportContext``; ``options["opset"]`` overrides ``DEFAULT_OPSET``.

    Returns:
        the ``Artifact``s written.
    """
    import onnx

    opset = context.options.get("opset") or DEFAULT_OPSET
    artifacts = []
    for graph in context.graphs.values():
        name = file_name(graph.name)
        onnx.save_model(convert(graph, opset), str(Path(context.out_dir) / name))
        artifacts.append(Artifact(graph.name, NAME, "float32", name, exact=True))
    return artifacts


def runner(path, artifact):
    """A function {input name: array} -> {output name: array} backed by onnxruntime.

    Args:
        path: the .onnx file.
        artifact: the ``Artifact`` (unused; every file holds one graph).
    """
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]

    def run(feed):
        return dict(zip(names, session.run(names, feed)))

    return run


def describe(context, artifacts):
    """The manifest's ``formats.onnx`` section.

    Args:
        context: the ``ExportContext``.
        artifacts: the ``Artifact``s this format wrote.
    """
    return {
        "opset": int(context.options.get("opset") or DEFAULT_OPSET),
        "converter": "tf2onnx.convert.from_function",
        "batch_dim": BATCH_DIM,
        "checked": "onnx.checker.check_model(full_check=True)",
        "runtime": "onnxruntime.InferenceSession(file).run(None, {input name: array})",
    }
