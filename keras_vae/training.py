"""``train(recipe, out_dir)``: fit a recipe, checkpoint every epoch, resume, write the card.

A run killed midway continues from its last completed epoch when started again with the
same ``out_dir`` (Keras' ``BackupAndRestore`` keeps weights, optimiser state, the noise
generator and the epoch counter; the data of each epoch depend on (seed, epoch) only), and
finishes with the weights of an uninterrupted run. Final files are written under a temporary name and
renamed, so ``out_dir`` never holds a half-written model.
"""

import contextlib
import csv
import os
import platform
import shutil
import sys
import time
import warnings
from pathlib import Path

from keras_vae import cards, data
from keras_vae.evaluation import card_figures
from keras_vae.evaluation import TOKEN_SLICE_EXAMPLES, TOKEN_SLICE_K, test_set_for
from keras_vae.evaluation import evaluate as run_evaluation
from keras_vae.files import atomic_path, sha256
from keras_vae.models import checks
from keras_vae.models.fitting import DivergedWarning
from keras_vae.termination import termination_check

WEIGHTS_FILE = "model.weights.h5"
MODEL_FILE = "model.keras"
BACKENDS_FILE = "backends.json"


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


def _read_backends(path):
    """``{epoch: backend}`` (epochs counted from 1) from a run folder's backends file, or ``{}``."""
    import json

    if not path.exists():
        return {}
    try:
        return {int(epoch): str(backend) for epoch, backend in json.loads(path.read_text()).items()}
    except (OSError, UnicodeDecodeError, ValueError, AttributeError) as e:
        raise ValueError(f"{path} is not a readable record of the backend of each epoch ({e}); "
                         "fix or remove it") from None


def _backend_log(path):
    """Records which Keras backend trained each epoch, so a run resumed (or its card computed)
    under another backend still says what trained it."""
    import json

    import keras

    from keras_vae.files import write_text_atomic

    class BackendLog(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.log = _read_backends(path)  # the epochs of earlier calls on this run folder

        def on_epoch_end(self, epoch, logs=None):
            self.log[epoch + 1] = keras.backend.backend()
            write_text_atomic(path, json.dumps({str(e): self.log[e] for e in sorted(self.log)}))

    return BackendLog()


def machine_line(out, epochs):
    """The card's ``machine``: this machine, the backend(s) that trained epochs 1..``epochs`` of
    the run in ``out``, and the backend computing the card where it differs."""
    import keras

    current = keras.backend.backend()
    trained = sorted({b for e, b in _read_backends(Path(out) / BACKENDS_FILE).items() if e <= epochs})
    backends = current if trained in ([], [current]) else f"{', '.join(trained)} (training), {current} (card figures)"
    return f"{platform.machine()}, {os.cpu_count()} CPU cores, Keras backend {backends}"


def _noise_checkpoint(path):
    """Saves and restores the model's noise ``SeedGenerator`` state beside the checkpoint.

    ``BackupAndRestore`` restores weights and optimiser state, but Keras leaves seed
    generators out of saved weights; without this a resumed run draws the noise of
    epoch 0 again and drifts away from an uninterrupted one.
    """
    import json

    import keras
    import numpy as np

    from keras_vae.files import write_text_atomic

    class NoiseCheckpoint(keras.callbacks.Callback):
        def _generators(self):
            return [g for g in [getattr(self.model, "seed_generator", None)] if g is not None]

        def on_train_begin(self, logs=None):
            if not path.exists():
                return
            saved = json.loads(path.read_text())
            if saved["epoch"] + 1 != getattr(self.model, "_initial_epoch", None):
                return  # the weights checkpoint is of another epoch: keep the fresh stream
            for generator, state in zip(self._generators(), saved["states"]):
                generator.state.assign(np.asarray(state, dtype=generator.state.dtype))

        def on_epoch_end(self, epoch, logs=None):
            states = [np.asarray(g.state.value).tolist() for g in self._generators()]
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(path, json.dumps({"epoch": int(epoch), "states": states}))

    return NoiseCheckpoint()


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


def _own_images_split(images, seed):
    """(train, holdout) of a user's uint8 images: a seeded tenth (at least one) is held out."""
    import numpy as np

    n = len(images)
    if n < 2:
        raise ValueError(f"training needs at least 2 images (one is held out for the card), got {n}")
    order = np.random.default_rng(seed).permutation(n)
    holdout = max(1, n // 10)
    return images[np.sort(order[holdout:])], images[np.sort(order[:holdout])]


def _datasets(recipe, images, data_dir, limit, with_labels, counter):
    """(train_ds, val_ds, labelled indices or None, holdout arrays or None) for ``train``."""
    import numpy as np

    if images is not None:
        if limit is not None:
            images = images[:limit]
        train_images, holdout = _own_images_split(images, recipe.seed)
        dynamic = recipe.binarize == "dynamic"
        train_ds = data.epoch_dataset(
            train_images, np.zeros(len(train_images)), recipe.batch_size, seed=recipe.seed, dynamic=dynamic,
            with_labels=False, epoch=counter,
        )
        if recipe.binarize in ("dynamic", "fixed"):
            holdout_x = data.binarize_fixed(holdout, seed=0)
        else:
            holdout_x = holdout.astype("float32") / 255.0
        return train_ds, holdout_x, None, (holdout_x, np.zeros(len(holdout_x), "int32"))
    if recipe.labels_per_class:
        if recipe.binarize != "dynamic" or recipe.exclude_classes:
            raise ValueError(
                f"recipe {recipe.name!r}: semi-supervised training binarises dynamically and uses every class; "
                f"got binarize={recipe.binarize!r}, exclude_classes={recipe.exclude_classes}"
            )
        train_ds, labelled = data.make_semi_supervised_dataset(
            recipe.dataset, recipe.labels_per_class, recipe.batch_size, seed=recipe.seed, data_dir=data_dir,
            limit=limit, epoch=counter,
        )
    else:
        labelled = None
        train_ds = data.make_dataset(
            recipe.dataset, "train", recipe.batch_size, binarize=recipe.binarize, with_labels=with_labels,
            seed=recipe.seed, data_dir=data_dir, limit=limit, exclude_classes=recipe.exclude_classes, epoch=counter,
        )
    val_ds = data.make_dataset(
        recipe.dataset, "test", 1000, binarize="fixed" if recipe.binarize else None, with_labels=with_labels,
        shuffle=False,
        seed=0, data_dir=data_dir, limit=None if limit is None else max(1000, limit // 6),
        exclude_classes=recipe.exclude_classes,
    )
    return train_ds, val_ds, labelled, None


def _token_datasets(recipe, model, limit, counter):
    """(train_ds, val_ds, None, test arrays) of a token-sequence recipe (MOSES molecules).

    Training reads a seeded random subset of ``limit`` (default ``recipe.train_examples``)
    MOSES training molecules; validation and the card's figures use a seeded random
    ``recipe.eval_examples`` of the MOSES test set.
    """
    import tensorflow as tf

    from keras_vae.data import moses

    if recipe.dataset != "moses":
        raise ValueError(f"recipe {recipe.name!r}: token models train on dataset 'moses', got {recipe.dataset!r}")
    train_ds = moses.make_dataset(model, "train", recipe.batch_size, seed=recipe.seed,
                                  limit=limit or recipe.train_examples, epoch=counter)
    holdout = test_set_for(model, limit=recipe.eval_examples)
    val_ds = tf.data.Dataset.from_tensor_slices(holdout[0]).batch(1000)
    return train_ds, val_ds, None, holdout


def token_test_slice(model, holdout):
    """The card's check slice of a token recipe, from its held-out test arrays."""
    n = min(TOKEN_SLICE_EXAMPLES, len(holdout[0]))
    return run_evaluation(model, examples=n, k=TOKEN_SLICE_K, elbo_examples=n, arrays=holdout)


def _remove_if_unstarted(out, created):
    """After a failure: delete a run folder this call created if no epoch was checkpointed."""
    if created and out.is_dir() and not (out / "checkpoint").exists():
        shutil.rmtree(out, ignore_errors=True)


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
    images=None,
    distribute="none",
):
    """Trains ``recipe`` into ``out_dir``: ``model.weights.h5``, ``model.keras``, ``card.json``, ``card.md``.

    Training is exactly resumable: the data of epoch ``e`` are a function of
    ``(recipe.seed, e)`` only (``keras_vae.data.epoch_dataset``), and
    ``BackupAndRestore`` restores weights, optimiser state and the noise generator, so
    a run killed and started again ends with the weights of an uninterrupted one.
    ``backends.json`` records the Keras backend of each epoch, so a run may be resumed, or
    its card computed, under another backend and its card still names what trained it.

    Args:
        recipe: a ``keras_vae.zoo.Recipe``; its model is built with ``recipe.build()``.
        out_dir: run folder; an existing one is resumed. One this call creates is
            removed again if the run fails before its first checkpoint.
        epochs: overrides the recipe's epochs.
        data_dir: folder of the dataset's original files.
        verbose: Keras progress-bar verbosity.
        command: the command line recorded in the card.
        limit: train on the first ``limit`` examples only (quick runs and tests).
        evaluate: compute the card's test figures at the end.
        callbacks: extra Keras callbacks, run after the checkpointing ones.
        note: free text recorded in the card (e.g. how a run was interrupted or extended).
        images: train on these uint8 images ``(n, height, width, channels)`` instead of
            ``recipe.dataset`` (see ``keras_vae.data.load_image_folder``); a seeded tenth
            is held out for the validation loss and the card's figures.
        distribute: ``"data-parallel"`` trains on every device (``keras_vae.distribute``);
            the recipe's batch size is the global batch, its learning rate unchanged.

    Returns:
        The trained model.
    """
    import keras

    out = Path(out_dir)
    _read_backends(out / BACKENDS_FILE)  # a damaged record fails now, not after training
    epochs = recipe.epochs if epochs is None else int(epochs)
    scope = contextlib.nullcontext
    if distribute == "data-parallel":
        from keras_vae import distribute as distribute_lib

        scope = distribute_lib.data_parallel()
    elif distribute != "none":
        raise ValueError(f"distribute must be 'none' or 'data-parallel', got {distribute!r}")
    keras.utils.set_random_seed(recipe.seed)
    image_shape = None if images is None else images.shape[1:]
    with scope():
        model = recipe.build(image_shape)
    counter = data.EpochCounter()
    # Everything that can fail on bad input (data folder, recipe) fails before the run
    # folder exists.
    if checks.is_token_model(model):
        train_ds, val_ds, labelled, holdout = _token_datasets(recipe, model, limit, counter)
    else:
        train_ds, val_ds, labelled, holdout = _datasets(recipe, images, data_dir, limit, model.conditional, counter)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    try:
        shipped = _fit(recipe, model, out, train_ds, val_ds, epochs, counter, callbacks, verbose, scope)
    except BaseException:
        _remove_if_unstarted(out, created)
        raise

    history = _history(out)
    train_seconds = sum(float(row.get("epoch_seconds") or 0) for row in history)
    card = {
        "name": recipe.name,
        "recipe": recipe.to_dict(),
        "command": command or f"keras-vae train {recipe.name} --out {out}",
        "seed": recipe.seed,
        "epochs": epochs,
        "train_examples": limit or recipe.train_examples or "all",
        "train_seconds": round(train_seconds, 1),
        "machine": machine_line(out, epochs),
        "versions": cards.package_versions(),
        "python": sys.version.split()[0],
        "params": int(model.count_params()),
        "final_epoch": history[-1] if history else {},
    }
    if images is not None:
        card["images"] = {"shape": list(images.shape[1:]), "train": len(images) - len(holdout[0]),
                          "holdout": len(holdout[0])}
    if labelled is not None:
        card["labelled_examples"] = {"count": int(len(labelled)), "train_indices": [int(i) for i in labelled]}
    if note:
        card["note"] = note
    if evaluate and holdout is not None:
        card["test"] = run_evaluation(shipped, examples=min(recipe.eval_examples, len(holdout[0])),
                                      k=recipe.eval_k, arrays=holdout)
        if images is None:  # a token recipe's held-out test molecules: the quick slice tests re-evaluate
            card["test_slice"] = token_test_slice(shipped, holdout)
    elif evaluate:
        card["test"], card["test_slice"] = card_figures(shipped, recipe, data_dir, verbose=1 if verbose else 0)
    card["weights_sha256"] = sha256(out / WEIGHTS_FILE)
    cards.write(card, out)
    return shipped


def _fit(recipe, model, out, train_ds, val_ds, epochs, counter, callbacks, verbose, scope=contextlib.nullcontext):
    import keras

    steps = int(train_ds.cardinality())
    with scope():  # JAX compiles its step (without jit it runs op by op); TF and torch run their graphs as is
        model.compile(optimizer=build_optimizer(recipe, steps, epochs), jit_compile=keras.backend.backend() == "jax")
    callbacks = [
        keras.callbacks.BackupAndRestore(str(out / "checkpoint"), delete_checkpoint=False),
        _noise_checkpoint(out / "checkpoint" / "noise_state.json"),
        counter.callback(),
        _epoch_timer(),
        _backend_log(out / BACKENDS_FILE),
        keras.callbacks.CSVLogger(str(out / "history.csv"), append=True),
        keras.callbacks.TerminateOnNaN(),
        termination_check(),  # SIGTERM swallowed inside Keras' logging still ends the run
        *callbacks,
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergedWarning)  # raised as an error just below
        model.fit(train_ds, validation_data=val_ds, epochs=epochs, callbacks=callbacks, verbose=verbose)
    if model.stop_training:
        raise RuntimeError(f"training of {recipe.name} stopped on a NaN loss; see {out / 'history.csv'}")

    # Ship a copy without optimiser state: a third of the size, and nothing to mismatch on load.
    shipped = recipe.build(model.image_shape)
    shipped.set_weights(model.get_weights())
    with atomic_path(out / WEIGHTS_FILE) as tmp:
        shipped.save_weights(tmp)
    # The same model as one file every keras-vae command takes (`keras-vae sample out/model.keras`).
    with atomic_path(out / MODEL_FILE) as tmp:
        shipped.save(tmp)
    return shipped
