"""The two runtimes an export can run on, behind one ``run(feed) -> {name: array}`` call.

The runtimes are imported when a session opens, not when this module is imported, so
that an install with only one of them works and ``import keras_vae.runtime`` stays
cheap. Neither import path touches TensorFlow: ``ai_edge_litert`` is the standalone
LiteRT interpreter (``tflite_runtime`` is its older name, used as a fallback).
"""

BACKENDS = ("onnxruntime", "litert")
DEFAULT_BACKEND = "onnxruntime"

# Backend -> the manifest's format name of the files it reads.
FORMATS = {"onnxruntime": "onnx", "litert": "tflite"}


class OnnxRuntimeSession:
    """One ONNX graph in an ``onnxruntime.InferenceSession`` on the CPU.

    Args:
        path: the ``.onnx`` file.
        spec: the graph's ``GraphSpec`` (input and output names).
        threads: intra-op threads (None: onnxruntime's default, one per core).
    """

    def __init__(self, path, spec, threads=None):
        try:
            import onnxruntime as ort
        except ImportError as e:
            raise ImportError(
                "the onnxruntime backend needs onnxruntime, which is not installed: "
                'pip install "keras-vae[runtime]" (or "keras-vae[export]"), or "./runtime" for the runtime alone'
            ) from e
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: graph-optimiser notices are noise here
        if threads is not None:
            options.intra_op_num_threads = int(threads)
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.spec = spec

    def run(self, feed):
        """{input name: array} -> {output name: array}."""
        return dict(zip(self.output_names, self.session.run(self.output_names, feed)))


def _litert_interpreter():
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError as e:
            raise ImportError(
                "the litert backend needs the LiteRT interpreter (ai-edge-litert), which is not installed: "
                'pip install "keras-vae[export]", or "./runtime[litert]" for the runtime alone'
            ) from e
    return Interpreter


class LiteRTSession:
    """One TFLite flatbuffer run through its signature with LiteRT's ``Interpreter``.

    Args:
        path: the ``.tflite`` file.
        spec: the graph's ``GraphSpec``; ``spec.signature`` names the signature.
        threads: interpreter threads (None: LiteRT's default).

    The interpreter is not thread-safe: use one session per thread.
    """

    def __init__(self, path, spec, threads=None):
        interpreter_class = _litert_interpreter()
        kwargs = {} if threads is None else {"num_threads": int(threads)}
        self.interpreter = interpreter_class(model_path=str(path), **kwargs)
        # The signature runner resizes the stored batch axis (1, shape_signature -1)
        # to each call's batch and re-allocates tensors only when it changes.
        self.runner = self.interpreter.get_signature_runner(spec.signature)
        self.spec = spec

    def run(self, feed):
        """{input name: array} -> {output name: array}."""
        out = self.runner(**feed)
        # The runner returns views of the interpreter's buffers, which the next call
        # overwrites; copies keep earlier results valid.
        return {name: out[name].copy() for name in self.spec.output_names}


def open_session(backend, path, spec, threads=None):
    """A session of ``backend`` (one of ``BACKENDS``) on the artifact at ``path``."""
    if backend == "onnxruntime":
        return OnnxRuntimeSession(path, spec, threads)
    if backend == "litert":
        return LiteRTSession(path, spec, threads)
    raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
