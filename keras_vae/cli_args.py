"""Argument types and the one-line error parser shared by every ``keras-vae`` subcommand.

Numbers are checked where they are parsed, so ``--n 0`` or ``--k -5`` fails at once,
naming the flag, instead of meaning "the default" or drawing an empty picture.

Example:
>>> p.add_argument("--n", type=positive_int, default=64)
"""

import argparse
import os
import sys

# The same bound as keras_vae.models.checks.MAX_SEED, without importing numpy here.
MAX_SEED = 2**32 - 1


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line: ``keras-vae: error: ...`` (exit 2).

    Subparsers made by ``add_subparsers`` are of the same class.
    """

    def error(self, message):
        self.exit(2, f"keras-vae: error: {self.prog}: {message} (see {self.prog} --help)\n")


def _int(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def positive_int(text):
    """An integer >= 1."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def non_negative_int(text):
    """An integer >= 0."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def seed(text):
    """An integer in [0, 2**32 - 1]."""
    value = _int(text)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected a seed in [0, {MAX_SEED}], got {text!r}")
    return value


def port(text):
    """A TCP port in [0, 65535] (0: any free port)."""
    value = _int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a TCP port in [0, 65535], got {text!r}")
    return value


def _float(text, expected):
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None


def positive_float(text):
    """A finite number > 0."""
    value = _float(text, "a number")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def non_negative_float(text):
    """A finite number >= 0 (a temperature)."""
    value = _float(text, "a number")
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def unit_float(text):
    """A number in [0, 1] (a score threshold, a rate)."""
    value = _float(text, "a number in [0, 1]")
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text!r}")
    return value


DATASET_HELP = "dataset of a .keras model (default mnist); a zoo model uses its recipe's"


def model_dataset(recipe, dataset, default="mnist"):
    """The dataset a command reads: the recipe's for a zoo model, else ``--dataset`` (or ``default``).

    A ``--dataset`` that contradicts a zoo model's recipe is refused rather than ignored.
    """
    if recipe is None:
        return dataset or default
    if dataset and dataset != recipe.dataset:
        raise ValueError(f"--dataset {dataset}: {recipe.name} is a zoo model of {recipe.dataset}; "
                         "--dataset is for a .keras model")
    return recipe.dataset


def one_line(message):
    """A message folded onto one line (multi-line library messages list files, for example)."""
    return " ".join(part.strip() for part in str(message).splitlines() if part.strip())


def die(message, code=2):
    """Prints ``keras-vae: error: MESSAGE`` on one line to stderr; returns ``code``."""
    print(f"keras-vae: error: {one_line(message)}", file=sys.stderr)
    return code


def quiet_tensorflow():
    """Imports TensorFlow without its start-up logging (CUDA probing on CPU-only machines and the like).

    ``TF_CPP_MIN_LOG_LEVEL`` silences TF's C++ logs, but the CUDA stub prints through
    absl before that setting is read; so TensorFlow is imported once here with stderr
    pointed at /dev/null. Set ``KERAS_VAE_TF_LOGS=1`` to see everything.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if os.environ.get("KERAS_VAE_TF_LOGS") or "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow as tf

        tf.config.list_physical_devices()  # the CUDA probe happens here, once
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)  # e.g. TFDS's notes while preparing a dataset
    except Exception:  # noqa: BLE001 - a broken install is reported by the command that needs it
        pass
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
