"""``train(recipe, out_dir)``: fit a recipe, checkpoint every epoch, resume, write the card.

A run killed midway continues from its last completed epoch when started again with the
same ``out_dir`` (Keras' ``BackupAndRestore`` keeps weights, optimiser state, the noise
generator and the epoch counter). Final files are written under a temporary name and
renamed, so ``out_dir`` never holds a half-written model.
"""

import contextlib
import csv
import os
import platform
import sys
import time
from pathlib import Path

from keras_vae import data
from keras_vae.files import sha256
from keras_vae.zoo import cards

WEIGHTS_FILE = "model.weights.h5"


def _epoch_timer():
    import keras

    class EpochTimer(keras.callbacks.Callback):
        """Adds ``epoch_seconds`` to the logs so history.csv records wall time per epoch."""

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            if logs is not None:
                logs["epoch_seconds"] = time.perf_counter() - self._start

    return EpochTimer()


def _history(out):
    path = out / "history.csv"
    if not path.exists():
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def build_optimizer(recipe, steps_per_epoch, epochs):
    import keras

    lr = recipe.learning_rate
    if recipe.lr_schedule == "cosine":
        lr = keras.optimizers.schedules.CosineDecay(lr, decay_steps=steps_per_epoch * epochs, alpha=0.05)
    elif recipe.lr_schedule != "constant":
        raise ValueError(f"unknown lr_schedule {recipe.lr_schedule!r}; expected 'cosine' or 'constant'")
    return keras.optimizers.Adam(lr)


def save_weights_atomic(model, path):
    """Saves only the model's own weights (no optimiser state) via a temporary file."""
    path = Path(path)
    tmp = path.with_name(path.name.replace(".weights.h5", ".partial.weights.h5"))
    model.save_weights(tmp)
    os.replace(tmp, path)


def train(
    recipe,
    out_dir,
    epochs=None,
    data_dir=None,
    verbose=1,
    command=None,
    limit=None,
    evaluate=True,
    callbacks=(),
    note=None,
    distribute="none",
):
    """Trains ``recipe`` into ``out_dir`` and writes ``model.weights.h5``, ``card.json`` and ``card.md``.

    Args:
        recipe: a ``keras_vae.zoo.Recipe``.
        out_dir: run folder; an existing one is resumed.
        epochs: overrides the recipe's epochs.
        data_dir: folder of the dataset's original files.
        verbose: Keras progress-bar verbosity.
        command: the command line recorded in the card.
        limit: train on the first ``limit`` examples only (quick runs and tests).
        evaluate: compute the card's test figures at the end.
        callbacks: extra Keras callbacks, run after the checkpointing ones.
        note: free text recorded in the card (e.g. how a run was interrupted or extended).
        distribute: ``"data-parallel"`` trains on every device (``keras_vae.distribute``);
            the recipe's batch size is the global batch, its learning rate unchanged.

    Returns:
        The trained model.
    """
    import keras

    from keras_vae.zoo import registry

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    epochs = recipe.epochs if epochs is None else int(epochs)
    scope = contextlib.nullcontext
    if distribute == "data-parallel":
        from keras_vae import distribute as distribute_lib

        scope = distribute_lib.data_parallel()
    elif distribute != "none":
        raise ValueError(f"distribute must be 'none' or 'data-parallel', got {distribute!r}")
    keras.utils.set_random_seed(recipe.seed)
    with scope():
        model = registry.build(recipe)
    with_labels = model.conditional
    labelled = None
    if recipe.labels_per_class:
        if recipe.binarize != "dynamic" or recipe.exclude_classes:
            raise ValueError(
                f"recipe {recipe.name!r}: semi-supervised training binarises dynamically and uses every class; "
                f"got binarize={recipe.binarize!r}, exclude_classes={recipe.exclude_classes}"
            )
        train_ds, labelled = data.make_semi_supervised_dataset(
            recipe.dataset, recipe.labels_per_class, recipe.batch_size, seed=recipe.seed, data_dir=data_dir,
            limit=limit,
        )
    else:
        train_ds = data.make_dataset(
            recipe.dataset, "train", recipe.batch_size, binarize=recipe.binarize, with_labels=with_labels,
            seed=recipe.seed, data_dir=data_dir, limit=limit, exclude_classes=recipe.exclude_classes,
        )
    val_ds = data.make_dataset(
        recipe.dataset, "test", 1000, binarize="fixed", with_labels=with_labels, shuffle=False,
        seed=0, data_dir=data_dir, limit=None if limit is None else max(1000, limit // 6),
        exclude_classes=recipe.exclude_classes,
    )
    steps = int(train_ds.cardinality())
    with scope():  # JAX compiles its step (without jit it runs op by op); TF and torch run their graphs as is
        model.compile(optimizer=build_optimizer(recipe, steps, epochs), jit_compile=keras.backend.backend() == "jax")
    callbacks = [
        keras.callbacks.BackupAndRestore(str(out / "checkpoint"), delete_checkpoint=False),
        _epoch_timer(),
        keras.callbacks.CSVLogger(str(out / "history.csv"), append=True),
        keras.callbacks.TerminateOnNaN(),
        *callbacks,
    ]
    model.fit(train_ds, validation_data=val_ds, epochs=epochs, callbacks=callbacks, verbose=verbose)
    if model.stop_training:
        raise RuntimeError(f"training of {recipe.name} stopped on a NaN loss; see {out / 'history.csv'}")

    # Ship a copy without optimiser state: a third of the size, and nothing to mismatch on load.
    shipped = registry.build(recipe)
    shipped.set_weights(model.get_weights())
    save_weights_atomic(shipped, out / WEIGHTS_FILE)

    history = _history(out)
    train_seconds = sum(float(row.get("epoch_seconds") or 0) for row in history)
    card = {
        "name": recipe.name,
        "recipe": recipe.to_dict(),
        "command": command or f"keras-vae train {recipe.name} --out {out}",
        "seed": recipe.seed,
        "epochs": epochs,
        "train_examples": limit or "all",
        "train_seconds": round(train_seconds, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Keras backend {keras.backend.backend()}",
        "versions": cards.package_versions(),
        "python": sys.version.split()[0],
        "params": int(model.count_params()),
        "final_epoch": history[-1] if history else {},
    }
    if labelled is not None:
        card["labelled_examples"] = {"count": int(len(labelled)), "train_indices": [int(i) for i in labelled]}
    if note:
        card["note"] = note
    if evaluate:
        from keras_vae.evaluation import evaluate as run_eval

        card["test"] = run_eval(
            shipped, recipe.dataset, data_dir, examples=recipe.eval_examples, k=recipe.eval_k
        )
        card["test_slice"] = cards.slice_figures(shipped, recipe, data_dir)
    card["weights_sha256"] = sha256(out / WEIGHTS_FILE)
    cards.write(card, out)
    return shipped

