"""Grid over the detector's post-processing settings on saved NAB raw scores (no training).

Every setting here is global (one value for all 58 series) and is chosen by its NAB score
on the whole corpus: figures obtained this way are tuned on the benchmark, and the README
says so. Reads ``<run>/raw/*.npz`` written by ``examples/nab_benchmark.py --out <run>``.

    python benchmarks/nab_tune.py runs/nab '{"score": ["last", "elbo"], "short_window": [1, 5, 10]}'

The second argument is the grid as JSON (default: the grid in ``main``); ``--data-dir``
as a third argument.
"""

import dataclasses
import itertools
import json
import sys
import time

import numpy as np


def main(run, data_dir="../shared/data/nab", grid=None):
    from keras_vae.data import nab
    from keras_vae.tasks import nab_benchmark, nab_scoring as ns, streaming

    corpus = nab.load_corpus(data_dir)
    raws = [np.load(nab_benchmark._raw_path(run, s)) for s in corpus.series]
    base = streaming.DetectorConfig()
    # Sweep scores depend on the windows only: computed once per profile, scores swapped in.
    swept = {p: [ns.sweep_series(np.zeros(len(s)), s.windows, c, name=s.name) for s in corpus.series]
             for p, c in ns.PROFILES.items()}
    null = {}
    for p, c in ns.PROFILES.items():
        rows = [dataclasses.replace(x, scores=np.full(len(x.scores), ns.NULL_SCORE)) for x in swept[p]]
        null[p] = ns._corpus_score(rows, c, ns.optimize_threshold(rows, c["fnWeight"]).threshold)[0].score
    grid = grid or {
        "score": ["last", "elbo"], "short_window": [1, 5, 10], "robust": [False, True],
        "suppress": [0, 0.5, 1.0], "alarm": [0.5, 0.6, 0.7],
    }
    keys = list(grid)
    results = []
    for values in itertools.product(*(grid[k] for k in keys)):
        config = dataclasses.replace(base, **dict(zip(keys, values)))
        t = time.perf_counter()
        scores = []
        for s, raw in zip(corpus.series, raws):
            probation, train_rows = streaming.split(len(s), config)
            start = train_rows if train_rows < probation else config.window - 1
            scores.append(streaming.postprocess(raw[config.score], probation, start, config))
        out = {}
        for p, c in ns.PROFILES.items():
            rows = [dataclasses.replace(x, scores=sc) for x, sc in zip(swept[p], scores)]
            best = ns.optimize_threshold(rows, c["fnWeight"])
            total = ns._corpus_score(rows, c, best.threshold)[0].score
            perfect = corpus.num_label_windows * c["tpWeight"]
            out[p] = 100 * (total - null[p]) / (perfect - null[p])
        results.append((dict(zip(keys, values)), out))
        print(json.dumps({**dict(zip(keys, values)), **{k: round(v, 2) for k, v in out.items()}}),
              f"{time.perf_counter() - t:.0f}s", flush=True)
    best = max(results, key=lambda r: r[1]["standard"])
    print("BEST", json.dumps(best[0]), json.dumps(best[1]))
    return results


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        raise SystemExit(0 if len(sys.argv) > 1 else 2)
    main(sys.argv[1], *(sys.argv[3:4]), grid=json.loads(sys.argv[2]) if len(sys.argv) > 2 else None)
