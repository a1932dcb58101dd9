"""The Numenta Anomaly Benchmark score, computed as NAB's reference scorer computes it.

Written from NAB's ``nab/sweeper.py``, ``nab/optimizer.py``, ``nab/scorer.py`` and
``nab/runner.py`` (numenta/NAB, commit ea702d7; MIT licence) and checked against the
scores NAB publishes for its own detectors (``tests/tasks/test_nab_scoring.py``):

- **Probation**: the first ``min(floor(0.15 n), 0.15 * 5000)`` rows of a series of
  ``n`` rows are not scored (no TP, FP, TN or FN; windows that lie wholly in it vanish).
- **Sweep score of a row** (``sweep_series``), for a detection at that row: inside a label
  window, ``scaled_sigmoid(-(right - i + 1) / width) * tpWeight / scaled_sigmoid(-1)``
  (``tpWeight`` at the window's first row, falling towards 0 at its last); outside,
  ``-fpWeight`` before the first window and ``scaled_sigmoid(|prevRight - i| /
  (prevWidth - 1)) * fpWeight`` after one (near 0 just after a window, -fpWeight far
  from it). ``scaled_sigmoid(x) = 2 / (1 + exp(5 x)) - 1``, and -1 beyond x > 3.
- **Score at a threshold** (``score_at``): a row whose anomaly score is ``>= threshold``
  is a detection. Each scored window adds the best sweep score of its detections, or
  ``-fnWeight`` if none; every detection outside windows adds its (negative) sweep score.
- **Threshold** (``optimize_threshold``): one threshold per profile for the whole corpus,
  the one maximising the corpus score over every distinct anomaly score (and 1.1,
  "detect nothing"); among equal scores the highest threshold wins (NAB sorts the
  candidates, highest first, with a stable sort).
- **Corpus score**: the sum over files of each file's score at that threshold.
- **Normalised score**: ``100 * (S - S_null) / (S_perfect - S_null)`` with ``S_null`` the
  corpus score of NAB's null detector (constant 0.5, its threshold optimised the same
  way) and ``S_perfect = tpWeight * (number of windows in the label file)``.

One deliberate difference: NAB's ``Sweeper.scoreDataSet`` looks the threshold up among a
file's own distinct scores and crashes (``None.score``) when the threshold is below all
of them; here every row at or above the threshold is then a detection, as intended.

Example:
>>> from keras_vae.tasks import nab_scoring
>>> report = nab_scoring.score_results("runs/nab/results", "kerasVae", "../shared/data/nab")
>>> report.normalized["standard"]
"""

import dataclasses
import math

import numpy as np

PROBATION_PERCENT = 0.15
# NAB caps the probation at 15% of 5000 rows (nab/util.py getProbationPeriod).
PROBATION_CAP_ROWS = 5000
NOTHING_THRESHOLD = 1.1  # the first candidate: detect nothing
NULL_SCORE = 0.5  # nab/detectors/null: the baseline of the normalised score

# config/profiles.json of NAB.
PROFILES = {
    "standard": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.11, "tnWeight": 1.0},
    "reward_low_FP_rate": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.22, "tnWeight": 1.0},
    "reward_low_FN_rate": {"tpWeight": 1.0, "fnWeight": 2.0, "fpWeight": 0.11, "tnWeight": 1.0},
}

OUTSIDE = -1  # window id of a scored row outside every label window
PROBATIONARY = -2  # window id of a row in the probationary period


def probation_length(n, percent=PROBATION_PERCENT):
    """Rows of the probationary period of a series of ``n`` rows (may be a float, as in NAB).

    Example:
    >>> probation_length(4032), probation_length(22695)
    (604, 750.0)
    """
    return min(math.floor(percent * n), percent * PROBATION_CAP_ROWS)


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


def scaled_sigmoid(position):
    """NAB's reward of a detection at relative ``position`` (-1: window start, 0: its end).

    Example:
    >>> round(scaled_sigmoid(-1.0), 5), scaled_sigmoid(0.0), scaled_sigmoid(3.5)
    (0.98661, 0.0, -1.0)
    """
    if position > 3.0:
        return -1.0
    return 2 * _sigmoid(-5 * position) - 1.0


@dataclasses.dataclass
class SweptSeries:
    """Per-row figures of one series for one profile.

    Args:
        name: the series' relative path (``category/file.csv``).
        scores: anomaly scores, float64 (n,).
        sweep: the row's sweep score if it were a detection (n,).
        window: window id per row: ``>= 0`` inside that window, ``OUTSIDE`` or ``PROBATIONARY``.
        num_windows: label windows of the series.
    """

    name: str
    scores: np.ndarray
    sweep: np.ndarray
    window: np.ndarray
    num_windows: int


def sweep_series(scores, windows, cost, probation_percent=PROBATION_PERCENT, name=""):
    """Sweep score and window of every row (NAB's ``Sweeper.calcSweepScore``).

    Args:
        scores: anomaly scores of the series, one per row.
        windows: label windows as ``(first_row, last_row)`` index pairs, inclusive, sorted.
        cost: a cost matrix (``PROFILES[name]``).
        probation_percent: fraction of the series not scored.
        name: the series' name, kept for reports.

    Returns:
        a ``SweptSeries``.
    """
    scores = np.asarray(scores, "float64")
    n = len(scores)
    max_tp = scaled_sigmoid(-1.0)
    probation = probation_length(n, probation_percent)
    sweep = np.zeros(n)
    window = np.full(n, OUTSIDE, "int64")
    pending = list(enumerate(windows))
    current = None  # (id, left, right, width)
    prev_right = prev_width = None
    for i in range(n):
        if current is None and pending and i == pending[0][1][0]:
            wid, (left, right) = pending.pop(0)
            current = (wid, left, right, float(right - left + 1))
        if current is not None:
            position = -(current[2] - i + 1) / current[3]
            sweep[i] = scaled_sigmoid(position) * cost["tpWeight"] / max_tp
        elif prev_right is None:
            sweep[i] = -1.0 * cost["fpWeight"]
        else:
            sweep[i] = scaled_sigmoid(abs(prev_right - i) / float(prev_width - 1)) * cost["fpWeight"]
        if i < probation:
            window[i] = PROBATIONARY
        elif current is not None:
            window[i] = current[0]
        if current is not None and i == current[2]:
            prev_right, prev_width, current = i, current[3], None
    return SweptSeries(name, scores, sweep, window, len(windows))


@dataclasses.dataclass
class Counts:
    """Score and confusion counts at one threshold (rows after probation)."""

    threshold: float
    score: float
    tp: int
    tn: int
    fp: int
    fn: int

    @property
    def total(self):
        return self.tp + self.tn + self.fp + self.fn


def _scorable(swept):
    """(scores, sweep, global window key) of every scored row of every series."""
    scores, sweep, keys = [], [], []
    for k, s in enumerate(swept):
        keep = s.window != PROBATIONARY
        scores.append(s.scores[keep])
        sweep.append(s.sweep[keep])
        w = s.window[keep]
        keys.append(np.where(w >= 0, k * 100000 + w, -1))
    if not scores:
        return np.zeros(0), np.zeros(0), np.zeros(0, "int64")
    return np.concatenate(scores), np.concatenate(sweep), np.concatenate(keys)


def scores_by_threshold(swept, fn_weight):
    """Corpus score at every candidate threshold (NAB's ``Sweeper.calcScoreByThreshold``).

    Args:
        swept: ``SweptSeries`` of one profile (one series, or a whole corpus).
        fn_weight: the profile's ``fnWeight``.

    Returns:
        a list of ``Counts``, thresholds decreasing from ``NOTHING_THRESHOLD``.
    """
    scores, sweep, keys = _scorable(swept)
    order = np.argsort(-scores, kind="stable")
    windows = {}
    for key in keys[order]:  # NAB adds window parts in this order; keep it for the sum
        if key >= 0 and key not in windows:
            windows[key] = -fn_weight
    window_sum = sum(windows.values())
    fp_sum = 0
    tn = int(np.sum(keys < 0))
    fn = int(np.sum(keys >= 0))
    tp = fp = 0
    out = []
    threshold = NOTHING_THRESHOLD
    for i in order:
        if scores[i] != threshold:
            out.append(Counts(threshold, fp_sum + window_sum, tp, tn, fp, fn))
            threshold = scores[i]
        key = keys[i]
        if key < 0:
            fp += 1
            tn -= 1
            fp_sum += sweep[i]
        else:
            tp += 1
            fn -= 1
            if sweep[i] > windows[key]:
                windows[key] = sweep[i]
                window_sum = sum(windows.values())
    out.append(Counts(threshold, fp_sum + window_sum, tp, tn, fp, fn))
    return out


def optimize_threshold(swept, fn_weight):
    """The candidate with the highest corpus score, the highest threshold among ties.

    Returns:
        the best ``Counts`` (its ``threshold`` and corpus ``score``).
    """
    best = None
    for row in scores_by_threshold(swept, fn_weight):
        if best is None or row.score > best.score:
            best = row
    return best


def score_at(series, threshold, fn_weight):
    """Score and counts of one ``SweptSeries`` when rows with score ``>= threshold`` are detections."""
    keep = series.window != PROBATIONARY
    scores, sweep, window = series.scores[keep], series.sweep[keep], series.window[keep]
    detected = scores >= threshold
    outside = window < 0
    fp_sum = 0
    for value in sweep[detected & outside]:  # sequential, in row order, as NAB's loop adds them
        fp_sum += value
    window_sum = 0
    for wid in np.unique(window[~outside]):
        hits = detected & (window == wid)
        window_sum += float(np.max(sweep[hits])) if hits.any() else -fn_weight
    return Counts(
        threshold, fp_sum + window_sum,
        tp=int(np.sum(detected & ~outside)), tn=int(np.sum(~detected & outside)),
        fp=int(np.sum(detected & outside)), fn=int(np.sum(~detected & ~outside)),
    )


@dataclasses.dataclass
class ProfileResult:
    """One profile's result: threshold, corpus totals, per-file rows and the normalised score."""

    profile: str
    threshold: float
    totals: Counts
    files: dict
    null_score: float
    perfect_score: float

    @property
    def normalized(self):
        return 100.0 * (self.totals.score - self.null_score) / (self.perfect_score - self.null_score)


@dataclasses.dataclass
class Report:
    """NAB's result for one detector over a corpus: a ``ProfileResult`` per profile."""

    detector: str
    profiles: dict

    @property
    def normalized(self):
        return {name: p.normalized for name, p in self.profiles.items()}


def _corpus_score(swept, cost, threshold):
    files = {s.name: score_at(s, threshold, cost["fnWeight"]) for s in swept}
    rows = list(files.values())
    total = Counts(
        threshold, sum(r.score for r in rows), sum(r.tp for r in rows), sum(r.tn for r in rows),
        sum(r.fp for r in rows), sum(r.fn for r in rows),
    )
    return total, files


def score_corpus(series, num_label_windows, profiles=None, detector="detector",
                 probation_percent=PROBATION_PERCENT):
    """NAB's optimise, score and normalise steps on in-memory results.

    Args:
        series: list of ``(name, anomaly_scores, windows)``, windows as inclusive row-index pairs.
        num_label_windows: windows in the whole label file (NAB's perfect score counts them all).
        profiles: {name: cost matrix}; default ``PROFILES``.
        detector: name for the report.
        probation_percent: fraction of each series not scored.

    Returns:
        a ``Report``.
    """
    profiles = PROFILES if profiles is None else profiles
    out = {}
    for name, cost in profiles.items():
        swept = [sweep_series(s, w, cost, probation_percent, n) for n, s, w in series]
        best = optimize_threshold(swept, cost["fnWeight"])
        totals, files = _corpus_score(swept, cost, best.threshold)
        # NAB's null detector: a constant 0.5 everywhere (sweep scores do not depend on scores).
        null = [dataclasses.replace(s, scores=np.full(len(s.scores), NULL_SCORE)) for s in swept]
        null_total, _ = _corpus_score(null, cost, optimize_threshold(null, cost["fnWeight"]).threshold)
        out[name] = ProfileResult(
            name, best.threshold, totals, files, null_total.score, num_label_windows * cost["tpWeight"]
        )
    return Report(detector, out)


def score_results(results_dir, detector, data_dir, profiles=None):
    """Scores a NAB results folder ``results_dir/<detector>/<category>/<detector>_<file>.csv``.

    Args:
        results_dir: the folder holding ``<detector>/``.
        detector: the detector's name.
        data_dir: a NAB corpus (``data/`` and ``labels/combined_windows.json``).
        profiles: {name: cost matrix}; default ``PROFILES``.

    Returns:
        a ``Report``.
    """
    from keras_vae.data import nab

    corpus = nab.load_corpus(data_dir)
    series = []
    for s in corpus.series:
        scores = nab.read_results_scores(results_dir, detector, s)
        series.append((s.name, scores, s.windows))
    return score_corpus(series, corpus.num_label_windows, profiles, detector)


def format_report(report):
    """A plain-text table of a ``Report``: normalised and raw score, threshold and counts per profile."""
    lines = [f"{'profile':20s} {'normalised':>10s} {'raw':>9s} {'threshold':>10s} {'TP':>5s} {'FP':>6s} {'FN':>6s}"]
    for name, p in report.profiles.items():
        t = p.totals
        lines.append(f"{name:20s} {p.normalized:10.2f} {t.score:9.3f} {p.threshold:10.5f} {t.tp:5d} {t.fp:6d} {t.fn:6d}")
    return "\n".join(lines)
