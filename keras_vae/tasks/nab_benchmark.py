"""The whole Numenta Anomaly Benchmark: detect every series, write NAB's results folder, score it.

``run`` trains one ``TimeSeriesVAE`` per series on that series' probationary period
(``streaming.detect``), writes ``<out>/results/<detector>/<category>/<detector>_<file>.csv``
(``timestamp,value,anomaly_score,label``, NAB's format), keeps each series' raw scores in
``<out>/raw/`` (so the score post-processing can be re-run without training), and scores
the folder with ``nab_scoring`` (NAB's optimise, score and normalise steps). The figures
and the CPU time go to ``<out>/report.json``.

Example:
>>> from keras_vae.tasks import nab_benchmark
>>> report = nab_benchmark.run("../shared/data/nab", "runs/nab")
>>> report["normalized"]["standard"]
"""

import json
import time
from pathlib import Path

import numpy as np

DETECTOR = "kerasVae"  # NAB splits result file names at "_": no underscore here

# NAB v1.0 scoreboard (results/final_results.json of numenta/NAB at ea702d7).
SCOREBOARD = {
    "ARTime": (74.854, 65.154, 80.362),
    "Numenta HTM": (70.10, 63.12, 74.32),
    "CAD OSE": (69.90, 66.98, 73.18),
    "earthgecko Skyline": (58.20, 46.20, 63.80),
    "KNN CAD": (57.99, 43.41, 64.81),
    "Relative Entropy": (54.64, 47.60, 58.84),
    "Random Cut Forest": (51.72, 38.36, 59.75),
    "Twitter ADVec": (47.06, 33.61, 53.50),
    "Windowed Gaussian": (39.65, 20.87, 47.41),
    "Random": (16.83, 5.76, 25.88),
    "Null": (0.0, 0.0, 0.0),
}
PRINT_NAMES = {"standard": "NAB_STANDARD", "reward_low_FP_rate": "NAB_LOW_FP", "reward_low_FN_rate": "NAB_LOW_FN"}


def _raw_path(out, series):
    return Path(out) / "raw" / (series.name.replace("/", "__") + ".npz")


def detect_corpus(corpus, out, config, detector=DETECTOR, log=print):
    """Runs the detector over every series; writes results and raw scores. Returns timings."""
    from keras_vae.data import nab
    from keras_vae.tasks import streaming

    timings, cache = {}, {}
    for i, s in enumerate(corpus.series):
        wall, cpu = time.perf_counter(), time.process_time()
        result = streaming.detect(s.values, config, cache=cache)
        nab.write_results(Path(out) / "results", detector, s, result.scores)
        raw_path = _raw_path(out, s)
        raw_path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(raw_path, probation=result.probation, **result.raw_all)
        timings[s.name] = {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
                           "train_s": result.train_seconds, "rows": len(s)}
        log(f"[{i + 1}/{len(corpus.series)}] {s.name}: {len(s)} rows, probation {result.probation}, "
            f"{timings[s.name]['wall_s']:.1f} s")
    return timings


def rescore(corpus, out, config, detector=DETECTOR):
    """Re-runs only the post-processing from the saved raw scores and rewrites the results."""
    from keras_vae.data import nab
    from keras_vae.tasks import streaming

    for s in corpus.series:
        saved = np.load(_raw_path(out, s))
        probation, train_rows = streaming.split(len(s), config)
        start = train_rows if train_rows < probation else config.window - 1
        scores = streaming.postprocess(saved[config.score], probation, start, config)
        nab.write_results(Path(out) / "results", detector, s, scores)


def run(data_dir, out, config=None, names=None, detector=DETECTOR, log=print, reuse_raw=False):
    """Detects, writes NAB results, scores them; returns the report dict (also ``out/report.json``).

    Args:
        data_dir: NAB-layout folder (``data/``, ``labels/combined_windows.json``).
        out: output folder.
        config: a ``streaming.DetectorConfig`` (defaults if None).
        names: series to run (default all; the normalised score then still counts every
            window of the label file, as NAB does).
        detector: detector name in the results folder (no underscore).
        log: progress printer.
        reuse_raw: post-process saved raw scores instead of training (after a full run).
    """
    from keras_vae.data import nab
    from keras_vae.files import write_text_atomic
    from keras_vae.tasks import nab_scoring, streaming

    if "_" in detector:
        raise ValueError(f"detector name {detector!r} must not contain '_' (NAB splits result file names at it)")
    config = config or streaming.DetectorConfig()
    corpus = nab.load_corpus(data_dir, names)
    Path(out).mkdir(parents=True, exist_ok=True)
    wall, cpu = time.perf_counter(), time.process_time()
    timings = None
    if reuse_raw:
        rescore(corpus, out, config, detector)
    else:
        timings = detect_corpus(corpus, out, config, detector, log)
    detect_wall, detect_cpu = time.perf_counter() - wall, time.process_time() - cpu
    report = nab_scoring.score_results(Path(out) / "results", detector, data_dir)
    if names is not None:  # score_results reads every labelled series; restrict to those run
        series = [(s.name, nab.read_results_scores(Path(out) / "results", detector, s), s.windows)
                  for s in corpus.series]
        report = nab_scoring.score_corpus(series, corpus.num_label_windows, detector=detector)
    out_dict = {
        "detector": detector,
        "config": config.to_dict(),
        "series": len(corpus.series),
        "normalized": report.normalized,
        "profiles": {
            name: {"threshold": p.threshold, "raw_score": p.totals.score, "null_score": p.null_score,
                   "perfect_score": p.perfect_score, "tp": p.totals.tp, "fp": p.totals.fp, "fn": p.totals.fn}
            for name, p in report.profiles.items()
        },
        "detect_wall_s": detect_wall,
        "detect_cpu_s": detect_cpu,
        "timings": timings,
    }
    write_text_atomic(Path(out) / "report.json", json.dumps(out_dict, indent=2) + "\n")
    return out_dict


def format_scores(report):
    """The three ``NAB_*`` lines, then the scoreboard beside them."""
    lines = [f"{PRINT_NAMES[p]} {report['normalized'][p]:.1f}" for p in PRINT_NAMES]
    lines.append("")
    lines.append(f"{'detector':22s} {'standard':>9s} {'low FP':>8s} {'low FN':>8s}")
    mine = tuple(report["normalized"][p] for p in PRINT_NAMES)
    rows = sorted(list(SCOREBOARD.items()) + [(f"keras-vae ({report['detector']})", mine)], key=lambda r: -r[1][0])
    for name, (a, b, c) in rows:
        lines.append(f"{name:22s} {a:9.1f} {b:8.1f} {c:8.1f}")
    return "\n".join(lines)


def plot_series(series, scores, path, threshold=None, probation=None, title=None):
    """Two panels, written atomically to ``path`` (PNG): the values with the label windows
    shaded, and the anomaly score with the threshold.

    Args:
        series: a ``keras_vae.data.nab.Series``.
        scores: its anomaly scores (n,).
        path: PNG file to write.
        threshold: drawn as a horizontal line, if given.
        probation: rows of the probationary period, shaded grey, if given.
        title: figure title (default: the series name).
    """
    import os
    import tempfile

    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display on servers and CI
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError("plots need matplotlib: pip install keras-vae[apps]") from e
    path = Path(path)
    rows = np.arange(len(series))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 5), dpi=100, sharex=True,
                                      gridspec_kw={"height_ratios": [3, 2]})
    try:
        for ax in (top, bottom):
            for first, last in series.windows:
                ax.axvspan(first, last, color="tab:red", alpha=0.15, linewidth=0)
            if probation:
                ax.axvspan(0, probation, color="grey", alpha=0.15, linewidth=0)
        top.plot(rows, series.values[:, 0], lw=0.5, color="tab:blue")
        top.set_ylabel(series.columns[0])
        top.set_title(title or f"{series.name}: NAB label windows (red), probationary period (grey)", fontsize=9)
        bottom.plot(rows, scores, lw=0.6, color="black")
        if threshold is not None:
            bottom.axhline(threshold, color="tab:orange", lw=0.8, ls="--", label=f"threshold {threshold:.3f}")
            hits = rows[np.asarray(scores) >= threshold]
            bottom.plot(hits, np.asarray(scores)[hits], "o", ms=3, color="tab:orange")
            bottom.legend(loc="upper left", fontsize=7, frameon=False)
        bottom.set_ylim(0, 1)
        bottom.set_ylabel("anomaly score")
        bottom.set_xlabel("row (5-minute steps)" if "machine_temperature" in series.name else "row")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".png", dir=path.parent)
        os.close(fd)
        try:
            fig.savefig(tmp, format="png")
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    finally:
        plt.close(fig)
    return path
