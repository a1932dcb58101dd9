"""Data-parallel training: one SGD step on two replicas equals one step on one device.

Each check runs ``distributed_worker.py`` in fresh processes (the device split and the
backend are fixed at import), bounded by a timeout: two logical CPU devices under
``tf.distribute.MirroredStrategy``, two XLA host devices under
``keras.distribution.DataParallel``, and two processes on 127.0.0.1 through
``jax.distributed`` and ``MultiWorkerMirroredStrategy``.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

WORKER = Path(__file__).with_name("distributed_worker.py")

# The JAX checks run in CI's JAX battery (``KERAS_BACKEND=jax pytest -m backends``), not in the
# default TensorFlow run: they start JAX processes either way, and the default suite has a
# 10-minute budget on 2 cores (together ~40 s there).
in_jax_battery = pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND") != "jax", reason="runs in the JAX battery (KERAS_BACKEND=jax pytest -m backends)"
)
TIMEOUT = 300  # seconds per process; a run takes ~20 s on an idle 2-core machine


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _run(mode, envs):
    """Starts one worker per env; returns their RESULT dicts (kills them all on a timeout)."""
    procs = []
    for extra in envs:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **extra}
        env.pop("KERAS_BACKEND", None)  # the worker picks its own
        procs.append(subprocess.Popen(
            [sys.executable, str(WORKER), mode], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ))
    outputs = []
    try:
        for p in procs:
            outputs.append(p.communicate(timeout=TIMEOUT)[0])
    except subprocess.TimeoutExpired:
        for p in procs:
            p.kill()
        pytest.fail(f"{mode}: a worker did not finish within {TIMEOUT} s")
    results = []
    for p, out in zip(procs, outputs):
        assert p.returncode == 0, f"{mode} worker failed:\n{out[-3000:]}"
        results.append(json.loads(next(line[7:] for line in out.splitlines() if line.startswith("RESULT "))))
    return results


def _check(result):
    assert result["replicas"] == 2
    # Loss scaled for replicas: the same step as one device (an unscaled sum would move twice as far).
    assert result["max_weight_diff"] < 1e-5 * max(1.0, result["step_moved"])
    assert result["step_moved"] > 0.1
    assert result["steps"] == 2  # the step counter advances once per global step
    assert 0 < result["final_loss"] < 1e4


def test_mirrored_strategy_two_cpu_devices():
    (result,) = _run("mirrored", [{}])
    _check(result)
    assert result["noise_differs"], "replicas must draw different reparameterisation noise"


@pytest.mark.backends
@in_jax_battery
def test_jax_data_parallel_two_host_devices():
    pytest.importorskip("jax")
    (result,) = _run("jax", [{"XLA_FLAGS": "--xla_force_host_platform_device_count=2"}])
    _check(result)


@pytest.mark.backends
@in_jax_battery
def test_jax_two_processes():
    pytest.importorskip("jax")
    (port,) = _free_ports(1)
    envs = [
        {"KERAS_DISTRIBUTION_JOB_ADDRESSES": f"127.0.0.1:{port}", "KERAS_DISTRIBUTION_NUM_PROCESSES": "2",
         "KERAS_DISTRIBUTION_PROCESS_ID": str(i)}
        for i in range(2)
    ]
    results = _run("jax-multiprocess", envs)
    for r in results:
        _check(r)
    assert results[0] == results[1]  # both processes hold the same model


def test_tf_multiworker_two_processes():
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    envs = [{"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})} for i in range(2)]
    results = _run("multiworker", envs)
    for r in results:
        _check(r)
    assert results[0] == results[1]
