"""Time series in the Numenta Anomaly Benchmark layout, and a user's own ``timestamp,value`` CSV.

A NAB corpus folder holds ``data/<category>/<name>.csv`` (header ``timestamp,value``) and
``labels/combined_windows.json`` ({"<category>/<name>.csv": [[start, end], ...]}, the
anomaly windows as timestamps that occur in the series). ``../shared/data/nab`` on our
machines is such a folder (NAB commit ea702d7, 58 series, 116 windows).

A user's CSV goes through the same reader (``read_series``): a header whose first column
is ``timestamp`` and whose other columns are numeric channels (``value`` for one), one
row per time step, ISO timestamps (``2014-02-14 14:30:00``). Rows are time steps in file order,
as NAB treats them: NAB's own series repeat a timestamp where clocks went back and step
back once (machine_temperature_system_failure line 10151), so order is not enforced. A
missing or malformed file is an error naming the file and what was expected.

NAB results folders (``results/<detector>/<category>/<detector>_<file>.csv`` with
``timestamp,value,anomaly_score,label``) are written by ``write_results`` and read back
by ``read_results_scores``.

Example:
>>> from keras_vae.data import nab
>>> corpus = nab.load_corpus("../shared/data/nab")
>>> s = corpus.get("realKnownCause/machine_temperature_system_failure.csv")
>>> s.values.shape, s.windows[0]
((22695, 1), (2126, 2692))
"""

import csv
import dataclasses
import json
import os
from pathlib import Path

import numpy as np

WINDOWS_FILE = Path("labels") / "combined_windows.json"
DATA_FOLDER = "data"
RESULTS_HEADER = ("timestamp", "value", "anomaly_score", "label")


@dataclasses.dataclass
class Series:
    """One time series.

    Args:
        name: relative path in the corpus (``category/file.csv``), or the file name.
        timestamps: ``datetime64[us]`` array (n,), in file order.
        values: float64 array (n, channels).
        windows: label windows as inclusive ``(first_row, last_row)`` pairs (empty if unlabelled).
        raw_timestamps: the timestamp strings as written in the file (written back unchanged).
        columns: names of the value columns.
    """

    name: str
    timestamps: np.ndarray
    values: np.ndarray
    windows: list = dataclasses.field(default_factory=list)
    raw_timestamps: list = None
    columns: tuple = ("value",)

    def __len__(self):
        return len(self.timestamps)

    @property
    def category(self):
        return os.path.dirname(self.name)

    @property
    def file_name(self):
        return os.path.basename(self.name)

    def labels(self):
        """1 for rows inside a label window, else 0 (NAB's ``label`` column)."""
        out = np.zeros(len(self), "int64")
        for first, last in self.windows:
            out[first:last + 1] = 1
        return out


@dataclasses.dataclass
class Corpus:
    """A NAB-layout corpus: its series (with windows), in sorted path order."""

    root: Path
    series: list
    num_label_windows: int

    def get(self, name):
        for s in self.series:
            if s.name == name:
                return s
        raise ValueError(f"no series {name!r} in {self.root}; it has {len(self.series)} series under data/")

    def names(self):
        return [s.name for s in self.series]


def parse_timestamp(text, where):
    """``numpy.datetime64`` (microseconds) of an ISO timestamp; ``where`` names the file and line for errors."""
    try:
        return np.datetime64(text.strip().replace(" ", "T"), "us")
    except ValueError as e:
        raise ValueError(
            f"{where}: timestamp {text!r} is not an ISO date-time like '2014-02-14 14:30:00'"
        ) from e


def parse_timestamps(texts, path, first_line=2):
    """``datetime64[us]`` array of ISO timestamps; an error names the first bad line of ``path``."""
    try:
        return np.array([t.strip().replace(" ", "T") for t in texts], dtype="datetime64[us]")
    except ValueError:
        for i, text in enumerate(texts):
            parse_timestamp(text, f"{path} line {i + first_line}")
        raise


def read_series(path, name=None):
    """Reads a ``timestamp,value[,value2...]`` CSV.

    Args:
        path: the CSV file.
        name: name to give the series (default: the file name).

    Returns:
        a ``Series`` without windows.

    Raises:
        FileNotFoundError: no such file.
        ValueError: a malformed file (header, columns, numbers, timestamps), naming file and line.

    Example:
    >>> s = read_series("my_metric.csv")    # timestamp,value
    >>> s.values[:, 0]
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"series file {path} does not exist; expected a CSV with header 'timestamp,value'")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError(f"{path} is empty; expected a CSV with header 'timestamp,value'")
    header = [h.strip() for h in rows[0]]
    if len(header) < 2 or header[0] != "timestamp":
        raise ValueError(
            f"{path}: header is {','.join(header)!r}; expected 'timestamp,value' (first column "
            "'timestamp', then one or more numeric value columns)"
        )
    body = [r for r in rows[1:] if r and any(c.strip() for c in r)]
    if len(body) < 2:
        raise ValueError(f"{path} has {len(body)} data rows; expected at least 2 rows of timestamp,value")
    values = np.empty((len(body), len(header) - 1))
    for i, row in enumerate(body):
        where = f"{path} line {i + 2}"
        if len(row) != len(header):
            raise ValueError(f"{where} has {len(row)} fields; expected {len(header)} ({','.join(header)})")
        try:
            values[i] = [float(v) for v in row[1:]]
        except ValueError as e:
            raise ValueError(f"{where}: value {','.join(row[1:])!r} is not a number") from e
        if not np.all(np.isfinite(values[i])):
            raise ValueError(f"{where}: value {','.join(row[1:])!r} is not finite")
    timestamps = parse_timestamps([r[0] for r in body], path)
    return Series(
        name or path.name, timestamps, values, [], [r[0] for r in body], tuple(header[1:])
    )


def window_rows(series, windows, source):
    """Inclusive row-index pairs of label windows given as ``[start, end]`` timestamp strings.

    Like NAB's labeller, each bound must be a timestamp of the series exactly.
    """
    first_row = {}
    for i, t in enumerate(series.timestamps.tolist()):
        first_row.setdefault(t, i)  # NAB looks bounds up with list.index: the first match
    out = []
    for pair in windows:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"{source}: window {pair!r} of {series.name} is not a [start, end] pair")
        rows = []
        for bound in pair:
            t = parse_timestamp(str(bound), f"{source} ({series.name})")
            i = first_row.get(t.tolist())
            if i is None:
                raise ValueError(f"{source}: window bound {bound!r} is not a timestamp of {series.name}")
            rows.append(i)
        if rows[1] < rows[0]:
            raise ValueError(f"{source}: window {pair!r} of {series.name} ends before it starts")
        out.append(tuple(rows))
    out.sort()
    return out


def read_windows(path):
    """The label file: {relative path: [[start, end], ...]}."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"label file {path} does not exist; expected NAB's labels/combined_windows.json "
            "({\"category/file.csv\": [[start, end], ...]})"
        )
    try:
        windows = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{path} is not valid JSON ({e}); expected {{\"category/file.csv\": [[start, end], ...]}}") from e
    if not isinstance(windows, dict) or not all(isinstance(v, list) for v in windows.values()):
        raise ValueError(f"{path}: expected a JSON object {{\"category/file.csv\": [[start, end], ...]}}")
    return windows


def load_corpus(data_dir, names=None):
    """Every labelled series of a NAB-layout folder, with its windows.

    Args:
        data_dir: folder holding ``data/`` and ``labels/combined_windows.json``.
        names: relative paths to load (default: every series in the label file).

    Returns:
        a ``Corpus`` (series sorted by relative path).
    """
    root = Path(data_dir).expanduser()
    if not (root / DATA_FOLDER).is_dir():
        raise FileNotFoundError(
            f"NAB folder {root} has no {DATA_FOLDER}/ folder; expected data/<category>/<name>.csv and "
            f"{WINDOWS_FILE}"
        )
    label_path = root / WINDOWS_FILE
    windows = read_windows(label_path)
    wanted = sorted(windows) if names is None else list(names)
    series = []
    for rel in wanted:
        if rel not in windows:
            raise ValueError(f"{label_path} has no windows for {rel!r}")
        s = read_series(root / DATA_FOLDER / rel, name=rel)
        s.windows = window_rows(s, windows[rel], label_path)
        series.append(s)
    return Corpus(root, series, sum(len(v) for v in windows.values()))


def results_path(results_dir, detector, series):
    """``results_dir/<detector>/<category>/<detector>_<file>.csv``, NAB's layout."""
    return Path(results_dir) / detector / series.category / f"{detector}_{series.file_name}"


def format_results(series, scores):
    """The text of a NAB results CSV (``timestamp,value,anomaly_score,label``)."""
    scores = np.asarray(scores, "float64")
    if scores.shape != (len(series),):
        raise ValueError(f"{series.name}: {scores.shape} anomaly scores for {len(series)} rows")
    if np.any(~np.isfinite(scores)) or scores.min() < 0 or scores.max() > 1:
        raise ValueError(f"{series.name}: anomaly scores must lie in [0, 1]")
    labels = series.labels()
    raw = series.raw_timestamps or [str(t).replace("T", " ") for t in series.timestamps]
    lines = [",".join(RESULTS_HEADER)]
    for t, v, a, y in zip(raw, series.values[:, 0], scores, labels):
        lines.append(f"{t},{float(v)!r},{float(a)!r},{y}")
    return "\n".join(lines) + "\n"


def write_results(results_dir, detector, series, scores):
    """Writes one NAB results CSV atomically; returns its path."""
    from keras_vae.files import write_text_atomic

    path = results_path(results_dir, detector, series)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, format_results(series, scores))
    return path


def read_results_scores(results_dir, detector, series):
    """The ``anomaly_score`` column of ``series``' results file.

    Rows are matched to the series by position, as NAB's scorer matches them (it reads
    the scores column and takes timestamps from the data file); the row count must agree.
    """
    path = results_path(results_dir, detector, series)
    if not path.is_file():
        raise FileNotFoundError(
            f"results file {path} does not exist; expected NAB's results/<detector>/<category>/"
            "<detector>_<file>.csv for every series"
        )
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = [h.strip() for h in rows[0]] if rows else []
    if "timestamp" not in header or "anomaly_score" not in header:
        raise ValueError(f"{path}: header {','.join(header)!r} lacks timestamp and anomaly_score columns")
    ia = header.index("anomaly_score")
    body = [r for r in rows[1:] if r]
    if len(body) != len(series):
        raise ValueError(f"{path} has {len(body)} rows; {series.name} has {len(series)}")
    try:
        scores = np.array([float(row[ia]) for row in body])
    except (ValueError, IndexError) as e:
        raise ValueError(f"{path}: an anomaly_score is missing or not a number ({e})") from e
    return scores
