"""Peak memory of LSTMRegressor on the windows of a long series.

A 5,000,000-step x 8-feature float32 series (160 MB) is cut by make_windows
into 4,999,900 windows of 100 steps: strided views, since materialised they
would take 16 GB. The regressor validates them, computes its scaling
statistics, holds out the last windows for early stopping and trains on
batches sliced per step. After a few hundred batches the benchmark sends the
process SIGINT, as Ctrl-C would: training stops cleanly and the model keeps
the weights reached so far. Run::

    python benchmarks/memory.py [--steps 5000000] [--batches 300]

Target (issue #3): peak RSS under 2 GB.
"""

import argparse
import os
import resource
import signal
import time

import numpy as np

from sklearn_rnn import LSTMRegressor, make_windows
from sklearn_rnn._skorch import SequenceDataset


def peak_rss_gb():
    # ru_maxrss is in kilobytes on Linux; GB here are 10**9 bytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9


def current_rss_gb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e9


def interrupt_after(n_batches):
    """Send SIGINT to this process once ``n_batches`` batches were drawn."""
    original = SequenceDataset.get_batch
    state = {"batches": 0, "first": None}

    def counting(self, positions):
        state["batches"] += 1
        if state["first"] is None:
            state["first"] = time.perf_counter()
        if state["batches"] == n_batches + 1:
            os.kill(os.getpid(), signal.SIGINT)  # like Ctrl-C in a terminal
        return original(self, positions)

    SequenceDataset.get_batch = counting
    return state


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=5_000_000)
    parser.add_argument("--batches", type=int, default=300)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    series = rng.standard_normal((args.steps, 8), dtype=np.float32)
    series[:, 0] = np.cumsum(series[:, 0]) * 0.01  # a smooth target column
    X, y = make_windows(series, window_length=100, horizon=1, target=0)
    materialised = X.size * X.itemsize / 1e9
    print(f"series {series.shape}, windows {X.shape} ({materialised:.1f} GB if copied)")
    print(f"RSS after creating the series: {current_rss_gb():.2f} GB")

    state = interrupt_after(args.batches)
    reg = LSTMRegressor(hidden_size=32, batch_size=256, max_iter=1, random_state=0)
    start = time.perf_counter()
    reg.fit(X, y)  # early stopping is on ("auto": 1000 samples or more)
    end = time.perf_counter()
    setup = state["first"] - start
    per_batch = (end - state["first"]) / state["batches"]
    print(
        f"validation, scaling and split: {setup:.1f} s; "
        f"{state['batches'] - 1} training batches at {per_batch * 1e3:.1f} ms"
    )
    print(f"interrupted: n_iter_={reg.n_iter_}, loss {reg.loss_curve_[-1]:.4f}")
    pred = reg.predict(X[-1000:])
    print(
        f"predict on the last 1000 windows: finite={np.isfinite(pred).all()}, "
        f"R^2={reg.score(X[-1000:], y[-1000:]):.3f}"
    )
    peak = peak_rss_gb()
    print(
        f"peak RSS: {peak:.2f} GB (target < 2 GB; windows copied: "
        f"{materialised:.0f} GB)"
    )


if __name__ == "__main__":
    main()
