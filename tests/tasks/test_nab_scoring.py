"""NAB's scoring on hand-worked cases, and against NAB's own published per-file scores."""

import math
from pathlib import Path

import numpy as np
import pytest

from keras_vae.tasks import nab_scoring as ns

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "nab"
STANDARD = ns.PROFILES["standard"]


def reward(position):
    """2 sigmoid(-5 p) - 1 written as -tanh(5 p / 2), independently of the module."""
    return -math.tanh(2.5 * position)


def test_probation_length_follows_nab():
    assert ns.probation_length(20) == 3  # floor(0.15 * 20)
    assert ns.probation_length(1127) == 169
    assert ns.probation_length(22695) == 750.0  # capped at 0.15 * 5000


def test_scaled_sigmoid_values():
    assert ns.scaled_sigmoid(-1.0) == pytest.approx(0.98661, abs=1e-5)
    assert ns.scaled_sigmoid(-0.5) == pytest.approx(0.84828, abs=1e-5)
    assert ns.scaled_sigmoid(0.0) == 0.0
    assert ns.scaled_sigmoid(1.0) == pytest.approx(-0.98661, abs=1e-5)
    assert ns.scaled_sigmoid(3.0001) == -1.0


def test_sweep_scores_by_hand():
    # 20 rows, probation rows 0-2, one window over rows 10..13 (width 4).
    swept = ns.sweep_series(np.zeros(20), [(10, 13)], STANDARD)
    assert list(swept.window[:3]) == [ns.PROBATIONARY] * 3
    assert swept.sweep[5] == pytest.approx(-0.11)  # before any window: -fpWeight
    assert swept.sweep[10] == pytest.approx(1.0)  # window start: tpWeight
    assert swept.sweep[11] == pytest.approx(reward(-0.75) / reward(-1.0))
    assert swept.sweep[13] == pytest.approx(reward(-0.25) / reward(-1.0))
    assert swept.sweep[15] == pytest.approx(0.11 * reward(2 / 3))  # |13-15| / (4-1) past the window
    assert swept.sweep[19] == pytest.approx(0.11 * reward(2.0))
    assert list(swept.window[10:14]) == [0] * 4 and swept.window[14] == ns.OUTSIDE


def hand_case():
    scores = np.full(20, 0.1)
    scores[1] = 1.0  # in the probationary period: never scored
    scores[11] = 0.9  # inside the window, one row after its start
    scores[5] = 0.8  # false positive before the window
    scores[15] = 0.7  # false positive just after it
    return scores


def test_scores_by_threshold_by_hand():
    tp = reward(-0.75) / reward(-1.0)
    rows = ns.scores_by_threshold([ns.sweep_series(hand_case(), [(10, 13)], STANDARD)], 1.0)
    got = {r.threshold: r.score for r in rows}
    assert set(got) == {1.1, 0.9, 0.8, 0.7, 0.1}  # 1.0 lies in the probation
    assert got[1.1] == pytest.approx(-1.0)  # nothing detected: one missed window
    assert got[0.9] == pytest.approx(tp)
    assert got[0.8] == pytest.approx(tp - 0.11)
    assert got[0.7] == pytest.approx(tp - 0.11 + 0.11 * reward(2 / 3))
    first = rows[1]
    assert (first.tp, first.fp, first.fn, first.tn) == (1, 0, 3, 13)  # 17 scored rows


def test_threshold_optimisation_and_normalisation_by_hand():
    report = ns.score_corpus([("a.csv", hand_case(), [(10, 13)])], num_label_windows=1)
    standard = report.profiles["standard"]
    tp = reward(-0.75) / reward(-1.0)
    assert standard.threshold == 0.9
    assert standard.totals.score == pytest.approx(tp)
    # The null detector (0.5 everywhere) is optimised too: detecting every scored row
    # (rows 3-19) earns the window (1.0), 7 FPs before it and 6 just after it, which on
    # this short series beats missing the window (-1).
    everything = 1.0 - 7 * 0.11 + 0.11 * sum(reward(k / 3) for k in range(1, 7))
    assert everything > -1.0
    assert standard.null_score == pytest.approx(everything) and standard.perfect_score == 1.0
    assert standard.normalized == pytest.approx(100 * (tp - everything) / (1 - everything))
    low_fn = report.profiles["reward_low_FN_rate"]  # fnWeight 2, same fpWeight
    assert low_fn.null_score == pytest.approx(everything)
    low_fp = report.profiles["reward_low_FP_rate"]  # fpWeight 0.22: missing the window is better
    assert low_fp.null_score == -1.0


def test_ties_pick_the_highest_threshold():
    scores = np.full(20, 0.1)
    scores[10], scores[12] = 0.9, 0.8  # the second detection adds nothing: equal scores
    best = ns.optimize_threshold([ns.sweep_series(scores, [(10, 13)], STANDARD)], 1.0)
    assert best.threshold == 0.9 and best.score == pytest.approx(1.0)


def test_window_in_probation_counts_only_for_perfect():
    # A window wholly inside the probation is not scored, but NAB's perfect score counts it.
    report = ns.score_corpus([("a.csv", np.zeros(20), [(0, 2), (10, 13)])], num_label_windows=2)
    low_fp = report.profiles["reward_low_FP_rate"]  # its null detector misses every window
    assert low_fp.null_score == -1.0 and low_fp.perfect_score == 2.0


def test_only_earliest_detection_counts_and_every_fp_counts():
    scores = np.zeros(40)
    scores[[12, 13, 20, 30]] = 1.0  # window 10..13; FPs at 20 and 30
    row = ns.score_at(ns.sweep_series(scores, [(10, 13)], STANDARD), 1.0, 1.0)
    fp = 0.11 * (reward(7 / 3) + reward(17 / 3))
    assert row.score == pytest.approx(reward(-0.5) / reward(-1.0) + fp)
    assert (row.tp, row.fp) == (2, 2)


@pytest.mark.parametrize("detector, profile, threshold, expected", [
    # NAB's results/<detector>/<detector>_<profile>_scores.csv rows for realTraffic/speed_7578.csv
    ("numenta", "standard", 0.542187690735, (3.19572468045, 5, 839, 3, 111)),
    ("numenta", "reward_low_FP_rate", 0.575195503235, (3.06755940455, 4, 840, 2, 112)),
    ("randomCutForest", "standard", 0.453918457031, (1.47082197457, 4, 840, 2, 112)),
    ("randomCutForest", "reward_low_FN_rate", 0.448048400879, (0.360821974574, 4, 839, 3, 112)),
    ("randomCutForest", "reward_low_FP_rate", 0.575195503235, (-2.12839579367, 1, 842, 0, 115)),
])
def test_matches_nab_published_per_file_scores(detector, profile, threshold, expected):
    from keras_vae.data import nab

    series = nab.load_corpus(FIXTURE).series[0]
    scores = nab.read_results_scores(FIXTURE / "results", detector, series)
    cost = ns.PROFILES[profile]
    row = ns.score_at(ns.sweep_series(scores, series.windows, cost), threshold, cost["fnWeight"])
    assert row.score == pytest.approx(expected[0], abs=1e-9)
    assert (row.tp, row.tn, row.fp, row.fn) == expected[1:]
