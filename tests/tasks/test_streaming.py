"""The streaming detector: NAB's probation, no look-ahead, the score post-processing."""

from pathlib import Path

import numpy as np
import pytest

from keras_vae.tasks import streaming

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "nab"
TINY = streaming.DetectorConfig(window=8, latent_dim=2, hidden_units=(8,), epochs=2, batch_size=32)


def test_postprocess_flags_a_spike_and_is_zero_in_probation():
    rng = np.random.default_rng(0)
    raw = rng.normal(0, 1, 1000)
    raw[:7] = np.nan  # before the first full window
    raw[600] = 40.0
    config = streaming.DetectorConfig(short_window=1, suppress=0)
    scores = streaming.postprocess(raw, probation=150, start=100, config=config)
    assert np.all(scores[:150] == 0) and scores.min() >= 0 and scores.max() < 1
    assert int(np.argmax(scores)) == 600 and scores[600] > 0.9
    # z = 3 maps to 0.5: a three-sigma raw score sits near the middle
    assert 0.3 < streaming.postprocess(np.r_[raw[:700], 3.0], 150, 100, config)[-1] < 0.6


def test_postprocess_suppresses_repeats_after_an_alarm():
    rng = np.random.default_rng(1)
    raw = rng.normal(0, 1, 1000)
    raw[600:620] = 40.0  # one event lasting 20 rows
    loud = streaming.postprocess(raw, 150, 100, streaming.DetectorConfig(short_window=1, suppress=0))
    quiet = streaming.postprocess(raw, 150, 100, streaming.DetectorConfig(short_window=1, suppress=50, alarm=0.6))
    assert np.sum(loud[600:620] > 0.6) == 20
    assert quiet[600] == loud[600] and np.all(quiet[601:651] == 0)  # only the first row rings
    np.testing.assert_array_equal(quiet[651:], loud[651:])


def test_postprocess_is_causal():
    rng = np.random.default_rng(2)
    raw = rng.normal(0, 1, 800)
    changed = raw.copy()
    changed[500:] = rng.normal(5, 3, 300)
    config = streaming.DetectorConfig(reestimate_every=7)
    a = streaming.postprocess(raw, 150, 100, config)
    b = streaming.postprocess(changed, 150, 100, config)
    np.testing.assert_array_equal(a[:500], b[:500])
    assert not np.array_equal(a[500:], b[500:])


def test_detector_has_no_look_ahead():
    from keras_vae.data import nab

    values = nab.load_corpus(FIXTURE).series[0].values
    cache = {}
    first = streaming.detect(values, TINY, cache=cache)
    assert first.probation == 169 and np.all(first.scores[:169] == 0)
    assert 0 <= first.scores.min() and first.scores.max() <= 1 and first.scores[169:].max() > 0
    t = 400
    altered = values.copy()
    altered[t + 1:] = altered[t + 1:] * 3 + 100  # everything after t changes
    second = streaming.detect(altered, TINY, cache=cache)
    np.testing.assert_array_equal(second.scores[:t + 1], first.scores[:t + 1])
    np.testing.assert_array_equal(second.raw[:t + 1], first.raw[:t + 1])
    assert not np.array_equal(second.scores[t + 1:], first.scores[t + 1:])


def test_too_short_series_is_a_clear_error():
    with pytest.raises(ValueError, match="a series of 50 rows has a probationary period of 7 rows"):
        streaming.detect(np.arange(50.0), TINY)
    with pytest.raises(ValueError, match="unknown score 'max'"):
        streaming.DetectorConfig(score="max")
