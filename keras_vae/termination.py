"""SIGTERM as an exception, so that cleanup code runs when a job is terminated.

A process killed by SIGTERM's default action runs no ``finally`` blocks: staging folders,
half-written files and unstarted run folders would stay behind. ``sigterm_raises()``
turns SIGTERM into ``SystemExit(143)`` inside its block, and remembers that it came.

Raising from a signal handler is not always enough: the exception surfaces wherever
the main thread happens to be, and code that catches everything swallows it. Keras'
``pythonify_logs`` does (a bare ``except:`` around the conversion of each logged value,
which is where a JAX training loop waits for the device, so that is where a signal
usually lands). ``termination_check()``, a callback, raises again at the next batch end.

Example:
>>> with sigterm_raises():
...     model.fit(ds, callbacks=[termination_check()])
"""

import contextlib
import signal
import threading

EXIT_CODE = 128 + signal.SIGTERM
_received = threading.Event()


def raise_if_received():
    """Raises ``SystemExit(143)`` if SIGTERM has arrived (for code that may have swallowed it)."""
    if _received.is_set():
        raise SystemExit(EXIT_CODE)


@contextlib.contextmanager
def sigterm_raises():
    """Within the block, SIGTERM raises ``SystemExit(143)``; the default handler is restored after.

    Only in the main thread and only if nobody installed a SIGTERM handler already (a
    nested block, a host application): then the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) not in (
        signal.SIG_DFL, None
    ):
        yield
        return

    def handler(signum, frame):
        _received.set()
        raise SystemExit(128 + signum)

    _received.clear()
    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _received.clear()  # a process that carries on (a caught SystemExit) trains again later


def termination_check():
    """A Keras callback that ends ``fit`` with ``SystemExit(143)`` at the first batch end after
    SIGTERM, if nothing else did (Keras is imported here, not by this module)."""
    import keras

    def check(*_, **__):
        raise_if_received()

    return keras.callbacks.LambdaCallback(on_train_batch_end=check, on_epoch_end=check)
