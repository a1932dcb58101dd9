"""Parity of every artifact with the Keras model, each run in its own runtime.

float32 artifacts must match Keras within ``FLOAT32_TOLERANCE`` (max abs) on every
output; quantised ones only report their error. The one exception is ``score``: a sum
of h*w*c per-pixel log-densities, hundreds of nats for an untrained model, where one
float32 ulp is already 6e-5 and runtimes sum in different orders. Its tolerance is
``max(FLOAT32_TOLERANCE, SCORE_RELATIVE_TOLERANCE * max |Keras score|)``. Summed in
another order, a float32 sum of n terms of one sign drifts like a random walk of
rounding errors, sqrt(n) * 2**-24 of the sum per step of one standard deviation: 1.7e-6
of the score for MNIST's 784 pixels. ``SCORE_RELATIVE_TOLERANCE`` allows three of those
(5e-6): 1e-4 nats up to a score of 20 nats, 1.3e-3 nats at 261. (1e-6 was too tight:
the shipped ``conv_mnist_2d``'s float32 TFLite scorer differed by 4.0e-4 nats at a
score of 261, 1.5e-6 of it, and could not be exported.)
"""

from pathlib import Path

import numpy as np

FLOAT32_TOLERANCE = 1e-4
SCORE_RELATIVE_TOLERANCE = 5e-6


class ParityError(ValueError):
    """An artifact disagrees with the Keras model, or returned the wrong outputs."""


def tolerance(output, reference):
    """Allowed max abs difference of one float32 output.

    Args:
        output: the output's name.
        reference: the Keras values of that output.
    """
    if output == "score":
        largest = float(np.max(np.abs(reference), initial=0.0))
        return max(FLOAT32_TOLERANCE, SCORE_RELATIVE_TOLERANCE * largest)
    return FLOAT32_TOLERANCE


def _describe(artifact):
    return f"{artifact.format} {artifact.variant} {artifact.graph} ({artifact.file})"


def compare(artifact, graph, results, references):
    """Parity record of one artifact, and its problems.

    Args:
        artifact: the ``Artifact``.
        graph: its ``graphs.Graph``.
        results: the artifact's outputs on each verification feed.
        references: Keras' outputs on the same feeds.

    Returns:
        ``(record, problems)``: the manifest record and a list of messages, empty if it passed.
    """
    problems, max_abs, tol = [], {}, {}
    for name in graph.output_names:
        worst, allowed = 0.0, 0.0
        for got, want in zip(results, references):
            if name not in got:
                problems.append(f"{_describe(artifact)} has outputs {sorted(got)}, expected {graph.output_names}")
                break
            value = np.asarray(got[name])
            if value.shape != want[name].shape:
                problems.append(
                    f"{_describe(artifact)}: output '{name}' has shape {value.shape}, Keras {want[name].shape}"
                )
                break
            if not np.all(np.isfinite(value)):
                problems.append(f"{_describe(artifact)}: output '{name}' has non-finite values")
                break
            worst = max(worst, float(np.max(np.abs(value - want[name]), initial=0.0)))
            allowed = max(allowed, tolerance(name, want[name]))
        max_abs[name], tol[name] = worst, allowed
        if artifact.exact and worst > allowed:
            problems.append(
                f"{_describe(artifact)}: output '{name}' differs from Keras by max abs {worst:.3g} "
                f"(tolerance {allowed:.3g})"
            )
    record = {
        "graph": artifact.graph,
        "format": artifact.format,
        "variant": artifact.variant,
        "file": artifact.file,
        "exact": artifact.exact,
        "max_abs": max_abs,
        "tolerance": tol if artifact.exact else None,
        "passed": not problems,
    }
    if "score" in graph.output_names and not problems:
        # The first feed scores at the posterior mean: the mean negative ELBO's change.
        record["mean_score_change"] = float(np.mean(results[0]["score"]) - np.mean(references[0]["score"]))
    return record, problems


def verify(out_dir, artifacts, graphs, feeds, runners):
    """Loads every artifact in its runtime and compares it with Keras.

    Args:
        out_dir: folder holding the artifacts.
        artifacts: the ``Artifact``s.
        graphs: {name: ``graphs.Graph``}.
        feeds: verification feeds, a list of {graph name: {input name: array}}.
        runners: {format name: ``runner(path, artifact, graph)``}.

    Returns:
        one parity record per artifact.

    Raises:
        ParityError: naming every artifact and output that differed, and by how much.
    """
    references = {name: [g.reference(feed[name]) for feed in feeds] for name, g in graphs.items()}
    records, problems = [], []
    for artifact in artifacts:
        run = runners[artifact.format](Path(out_dir) / artifact.file, artifact, graphs[artifact.graph])
        results = [run(feed[artifact.graph]) for feed in feeds]
        record, found = compare(artifact, graphs[artifact.graph], results, references[artifact.graph])
        records.append(record)
        problems += found
    if problems:
        raise ParityError("export failed verification against the Keras model:\n  " + "\n  ".join(problems))
    return records


def tflite_summary(records, sizes):
    """Per TFLite variant: total size, how many times smaller than float32, error against Keras.

    Args:
        records: parity records (any format; TFLite ones are picked).
        sizes: {file: size in bytes}.

    Returns:
        {variant: {"size_bytes", "compression_vs_float32" (float32 size / this size),
        "decoder_max_abs", "mean_neg_elbo_change"}}.
    """
    out = {}
    for r in records:
        if r["format"] != "tflite":
            continue
        entry = out.setdefault(r["variant"], {"size_bytes": 0, "decoder_max_abs": None, "mean_neg_elbo_change": None})
        entry["size_bytes"] += sizes[r["file"]]
        if r["graph"] == "decoder":
            entry["decoder_max_abs"] = r["max_abs"]["image_mean"]
        if r["graph"] == "scorer":
            entry["mean_neg_elbo_change"] = r.get("mean_score_change")
    base = out.get("float32", {}).get("size_bytes")
    for entry in out.values():
        entry["compression_vs_float32"] = base / entry["size_bytes"] if base else None
    return out
