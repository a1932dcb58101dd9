"""The levers of the ``selfies_moses`` recipe: CPU time per training step, and prior samples after a short run.

    python benchmarks/moses_levers.py step baseline                       # the first recipe's model
    python benchmarks/moses_levers.py step u192 units=192 z_every_step=False unroll=True
    python benchmarks/moses_levers.py step bs256 bs=256
    python benchmarks/moses_levers.py quality B steps=600 units=192 z_every_step=False unroll=True

Every ``key=value`` after the name is a ``SequenceVAE`` argument (over the first recipe's:
conv encoder, 256 units, z fed at every step, embedding 64, latent 64, beta 0.1, KL warm-up
400), or ``bs`` (batch), ``steps``, ``lr``, ``jit`` (XLA), ``n`` (samples).

``step``: median wall and process-CPU seconds of a ``fit`` step after 3 warm-up steps, on
MOSES training molecules (run it single-threaded, ``TF_NUM_INTRAOP_THREADS=1``: CPU time is
then steady on a shared machine where wall time is not).

``quality``: trains ``steps`` steps (Adam, cosine decay, each molecule seen once) through the
shared ``train_step`` on a seeded random subset of MOSES training molecules, then reports the
ELBO/KL on 1,000 other MOSES training molecules (the first of a seeded 20,000, an independent draw:
at 600 steps of 128, about 5% of them were also trained on) and ``n`` molecules sampled as MOSES samples
(z ~ N(0, I), tokens at temperature 1): validity, uniqueness, mean canonical-SMILES length,
the fraction of at most 4 characters and the most frequent. A line per run is appended to
``--log`` (default ``runs/moses_levers.jsonl``). ``every=N``: also 1,000 prior samples every N steps
(the training logs' KL and ELBO there are running means over the run so far). Tokenised molecules are cached under ``runs/``.
"""

import ast
import collections
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BASE = dict(notation="selfies", max_length=56, encoder="conv", embedding_dim=64, units=256, latent_dim=64, beta=0.1,
            kl_warmup_steps=400, seed=0)


def ids(split, n):
    """Token ids of a seeded random ``n`` MOSES molecules of ``split``, cached as uint8 under runs/."""
    import numpy as np

    path = REPO / "runs" / f"moses_levers_{split}_{n}.npy"
    if not path.exists():
        from keras_vae.data import moses
        from keras_vae.molecules.tokens import Vocabulary
        from keras_vae.zoo.recipes import SELFIES_MOSES_TOKENS

        smiles = moses.read_split(split, limit=n, seed=0)
        out, _, _ = moses.tokenize_all(smiles, Vocabulary(SELFIES_MOSES_TOKENS), "selfies", BASE["max_length"])
        path.parent.mkdir(exist_ok=True)
        np.save(path, out.astype("uint8"))
    return np.load(path).astype("float32")


def parse(argv):
    from keras_vae.zoo.recipes import SELFIES_MOSES_TOKENS

    args, opts = dict(BASE, vocabulary=SELFIES_MOSES_TOKENS), dict(bs=128, steps=600, lr=1e-3, jit=False, n=2000, every=0)
    for kv in argv:
        key, value = kv.split("=", 1)
        (opts if key in opts else args)[key] = ast.literal_eval(value)
    return args, opts


def step(name, args, opts):
    import keras
    import numpy as np

    from keras_vae.models import SequenceVAE

    bs, steps = opts["bs"], 12
    x = ids("train", 20000)[: bs * steps]
    keras.utils.set_random_seed(0)
    model = SequenceVAE(**args)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=opts["jit"])
    times = []

    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.t = (time.perf_counter(), time.process_time())

        def on_train_batch_end(self, batch, logs=None):
            times.append((time.perf_counter() - self.t[0], time.process_time() - self.t[1]))

    model.fit(x, batch_size=bs, epochs=1, verbose=0, callbacks=[Timer()], shuffle=False)
    wall, cpu = np.median(np.array(times[3:]), axis=0)
    return dict(name=name, bs=bs, jit=opts["jit"], params=model.count_params(), wall_s=round(float(wall), 3),
                cpu_s=round(float(cpu), 3), cpu_per_1k_molecules_s=round(float(cpu) / bs * 1000, 2))


def quality(name, args, opts):
    import keras
    import numpy as np

    from keras_vae.models import SequenceVAE

    bs, steps, lr, n = opts["bs"], opts["steps"], opts["lr"], opts["n"]
    x = ids("train", 200000)
    x = x[np.random.default_rng(1).permutation(len(x))][: bs * steps]
    keras.utils.set_random_seed(0)
    model = SequenceVAE(**args)
    model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(lr, steps, alpha=0.05)),
                  jit_compile=False)
    trend = []

    class Trend(keras.callbacks.Callback):
        """Every ``every`` steps: uniqueness and short fraction of 1,000 prior samples (seed 1)."""

        def on_train_batch_end(self, batch, logs=None):
            if opts["every"] and (batch + 1) % opts["every"] == 0 and batch + 1 < steps:
                got = [s for s in model.sample(1000, seed=1) if s]
                trend.append(dict(step=batch + 1, unique=len(set(got)) / max(1, len(got)),
                                  short_le4=round(float(np.mean([len(s) <= 4 for s in got])), 3),
                                  kl=round(float(logs["kl"]), 2), elbo=round(float(logs["elbo"]), 2)))
                print(json.dumps(trend[-1]), flush=True)

    cpu, wall = time.process_time(), time.perf_counter()
    history = model.fit(x, batch_size=bs, epochs=1, verbose=0, shuffle=False, callbacks=[Trend()])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    # Held out: the first 1,000 of the step benchmark's seeded 20,000 (a different draw from the 200,000).
    val = model.evaluate(ids("train", 20000)[:1000], batch_size=500, verbose=0, return_dict=True)
    smiles = [s for s in model.sample(n, seed=0, temperature=1.0)]
    valid = [s for s in smiles if s]
    counts = collections.Counter(valid)
    return dict(name=name, steps=steps, bs=bs, lr=lr, args={k: v for k, v in args.items() if k != "vocabulary"},
                train_cpu_s=round(cpu), train_wall_s=round(wall),
                train_last={k: round(float(v[-1]), 2) for k, v in history.history.items()},
                val={k: round(float(v), 2) for k, v in val.items()}, n=n, valid=len(valid) / n,
                unique=len(counts) / max(1, len(valid)), mean_len=round(float(np.mean([len(s) for s in valid])), 1),
                short_le4=round(float(np.mean([len(s) <= 4 for s in valid])), 3), top=counts.most_common(6),
                trend=trend)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return
    log = REPO / "runs" / "moses_levers.jsonl"
    if argv and argv[0].startswith("--log="):
        log, argv = Path(argv[0].split("=", 1)[1]), argv[1:]
    if len(argv) < 2 or argv[0] not in ("step", "quality"):
        raise SystemExit(__doc__)
    args, opts = parse(argv[2:])
    out = (step if argv[0] == "step" else quality)(argv[1], args, opts)
    print(json.dumps(out), flush=True)
    log.parent.mkdir(exist_ok=True)
    with open(log, "a") as f:
        f.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
