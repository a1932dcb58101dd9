"""The NAB reader: series, label windows, results files, and clear errors on bad CSVs."""

from pathlib import Path

import numpy as np
import pytest

from keras_vae.data import nab

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "nab"
SHARED_NAB = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "nab"


def test_fixture_corpus_series_and_windows():
    corpus = nab.load_corpus(FIXTURE)
    assert corpus.names() == ["realTraffic/speed_7578.csv"] and corpus.num_label_windows == 4
    s = corpus.series[0]
    assert s.values.shape == (1127, 1) and s.values[0, 0] == 73.0
    assert s.timestamps[0] == np.datetime64("2015-09-08T11:39:00")
    # windows are the rows of their bounds' timestamps
    first, last = s.windows[0]
    assert s.raw_timestamps[first] == "2015-09-11 15:34:00" and s.raw_timestamps[last] == "2015-09-11 17:54:00"
    labels = s.labels()
    assert labels.sum() == sum(b - a + 1 for a, b in s.windows) and labels[first] == 1 and labels[first - 1] == 0


def test_users_csv_goes_through_the_same_reader(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("timestamp,cpu,mem\n2024-01-01 00:00:00,1.5,2\n2024-01-01 00:05:00,2.5,3\n\n")
    s = nab.read_series(path)
    assert s.columns == ("cpu", "mem") and s.values.shape == (2, 2) and s.windows == []


@pytest.mark.parametrize("text, match", [
    ("", "is empty; expected a CSV with header 'timestamp,value'"),
    ("time,value\n2024-01-01,1\n2024-01-02,2\n", "header is 'time,value'; expected 'timestamp,value'"),
    ("timestamp,value\n2024-01-01,1\n", "has 1 data rows; expected at least 2"),
    ("timestamp,value\n2024-01-01,1\n2024-01-02,abc\n", "line 3: value 'abc' is not a number"),
    ("timestamp,value\n2024-01-01,1\n2024-01-02,nan\n", "line 3: value 'nan' is not finite"),
    ("timestamp,value\n2024-01-01,1\n2024-01-02\n", "line 3 has 1 fields; expected 2"),
    ("timestamp,value\n2024-01-01,1\nyesterday,2\n", "line 3: timestamp 'yesterday' is not an ISO date-time"),
])
def test_bad_csvs_name_the_file_and_the_problem(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=match) as info:
        nab.read_series(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv does not exist; expected a CSV with header"):
        nab.read_series(tmp_path / "nope.csv")
    with pytest.raises(FileNotFoundError, match="has no data/ folder"):
        nab.load_corpus(tmp_path)
    (tmp_path / "data").mkdir()
    with pytest.raises(FileNotFoundError, match="combined_windows.json does not exist"):
        nab.load_corpus(tmp_path)


def test_bad_label_file(tmp_path):
    (tmp_path / "data" / "c").mkdir(parents=True)
    (tmp_path / "data" / "c" / "s.csv").write_text("timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,2\n")
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "combined_windows.json").write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        nab.load_corpus(tmp_path)
    (tmp_path / "labels" / "combined_windows.json").write_text('{"c/s.csv": [["2024-01-01 00:00:00", "2024-01-01 00:10:00"]]}')
    with pytest.raises(ValueError, match="window bound '2024-01-01 00:10:00' is not a timestamp of c/s.csv"):
        nab.load_corpus(tmp_path)


def test_results_round_trip(tmp_path):
    s = nab.load_corpus(FIXTURE).series[0]
    scores = np.linspace(0, 1, len(s)) ** 3
    path = nab.write_results(tmp_path, "kerasVae", s, scores)
    assert path == tmp_path / "kerasVae" / "realTraffic" / "kerasVae_speed_7578.csv"
    lines = path.read_text().splitlines()
    assert lines[0] == "timestamp,value,anomaly_score,label" and lines[1].startswith("2015-09-08 11:39:00,73.0,0.0,0")
    np.testing.assert_array_equal(nab.read_results_scores(tmp_path, "kerasVae", s), scores)  # repr round-trips
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        nab.write_results(tmp_path, "kerasVae", s, scores + 1)


@pytest.mark.slow  # parses 365,000 rows
@pytest.mark.skipif(not SHARED_NAB.is_dir(), reason=f"NAB corpus not found at {SHARED_NAB}")
def test_shared_corpus_loads_all_58_series():
    corpus = nab.load_corpus(SHARED_NAB)
    assert len(corpus.series) == 58 and corpus.num_label_windows == 116
    s = corpus.get("realKnownCause/machine_temperature_system_failure.csv")
    assert len(s) == 22695 and len(s.windows) == 4
