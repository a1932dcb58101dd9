"""SavedModel with one serving signature per graph, written by Keras' ``ExportArchive``.

Signatures ``score``, ``encode`` and ``decode`` (for the graphs exported) take and return tensors keyed by the
graph's input and output names. ``serving_default`` is an alias of ``score`` (Keras
aliases the first endpoint), since TF Serving requires a default signature and
anomaly scoring is what a server is usually asked for.
"""

from pathlib import Path

from keras_vae.export.artifact import Artifact

NAME = "saved_model"
FOLDER = "saved_model"
# Endpoint order: the first one becomes serving_default.
_ORDER = ("scorer", "encoder", "decoder")


def save(model, graphs, path):
    """Writes the SavedModel of ``graphs`` to ``path``.

    Args:
        model: the ``VAE``; tracked so that its variables are saved with the graphs.
        graphs: {name: ``graphs.Graph``}.
        path: destination folder (must not exist yet).
    """
    import keras

    archive = keras.export.ExportArchive()
    archive.track(model)
    for name in (n for n in _ORDER if n in graphs):  # a graph left out has no endpoint
        archive.add_endpoint(graphs[name].signature, graphs[name].function)
    archive.write_out(str(path), verbose=False)


def write(context):
    """Exports the SavedModel into ``context.out_dir`` (reusing ``context.saved_model_dir``).

    Args:
        context: an ``ExportContext`` whose ``saved_model_dir`` is ``out_dir / FOLDER``.

    Returns:
        one ``Artifact`` per graph, all pointing at the same folder.
    """
    path = Path(context.out_dir) / FOLDER
    if Path(context.saved_model_dir) != path:
        save(context.model, context.graphs, path)
    return [
        Artifact(g.name, NAME, "float32", FOLDER, exact=True, entry={"signature": g.signature})
        for g in context.graphs.values()
    ]


def runner(path, artifact, graph=None):
    """A function {input name: array} -> {output name: array} backed by TensorFlow.

    Args:
        path: the SavedModel folder.
        artifact: the ``Artifact``; its ``entry["signature"]`` picks the signature.
        graph: unused (the signature names its outputs).
    """
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))
    function = loaded.signatures[artifact.entry["signature"]]

    def run(feed):
        # `loaded` is referenced here on purpose: a signature outlives its object badly.
        _ = loaded
        out = function(**{k: tf.constant(v) for k, v in feed.items()})
        return {k: v.numpy() for k, v in out.items()}

    return run


def describe(context, artifacts):
    """The manifest's ``formats.saved_model`` section.

    Args:
        context: the ``ExportContext``.
        artifacts: the ``Artifact``s this format wrote.
    """
    return {
        "path": FOLDER,
        "signatures": {g.name: g.signature for g in context.graphs.values()},
        "serving_default": context.graphs[_ORDER[0]].signature,
        "runtime": "tensorflow (tf.saved_model.load) or TF Serving",
    }
