"""``keras_vae.runtime`` imports, and runs both backends, without TensorFlow or Keras."""

import subprocess
import sys
import textwrap

NO_HEAVY = "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, " \
           "sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))"


def _python(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_import_leaves_tensorflow_and_keras_out():
    # The acceptance one-liner, in a fresh interpreter (this one has TensorFlow loaded).
    _python(f"import keras_vae.runtime, sys; {NO_HEAVY}")


def test_import_loads_numpy_and_no_runtime_yet():
    # Runtimes load with the first session, so a LiteRT-only install imports fine.
    out = _python("import keras_vae.runtime, sys; print(sorted({m.split('.')[0] for m in sys.modules}))")
    assert "numpy" in out and "onnxruntime" not in out and "ai_edge_litert" not in out


def test_running_both_backends_leaves_tensorflow_and_keras_out(exported):
    folders = [str(exported[k][1]) for k in ("unconditional", "conditional")]
    _python(textwrap.dedent(f"""
        import sys
        import numpy as np
        from keras_vae.runtime import ExportedVAE
        for folder in {folders!r}:
            for backend, variant in [("onnxruntime", None), ("litert", "float32"), ("litert", "int8")]:
                vae = ExportedVAE(folder, backend=backend, variant=variant)
                labels = np.arange(4) % 10 if vae.conditional else None
                x = vae.sample(4, labels=labels, seed=0)
                assert vae.score(x, labels).shape == (4,)
                assert vae.reconstruct(x, labels).shape == x.shape
        {NO_HEAVY}
    """))


def test_manifest_constants_match_the_exporter():
    from keras_vae.export import manifest as export_manifest
    from keras_vae.runtime import manifest as runtime_manifest

    assert runtime_manifest.FILE_NAME == export_manifest.FILE_NAME
    assert export_manifest.MANIFEST_VERSION in runtime_manifest.SUPPORTED_MANIFEST_VERSIONS
