"""Peak memory of LSTMRegressor on the windows of a long series.

A 5,000,000-step x 8-feature float32 series (160 MB) is cut by make_windows
into 4,999,900 windows of 100 steps: strided views, since materialised they
would take 16 GB. The regressor validates them, computes its scaling
statistics, holds out the last windows for early stopping and trains on
batches sliced per step. After a few hundred batches the benchmark sends the
process SIGINT, as Ctrl-C would: training stops cleanly, the model keeps
the weights reached so far, and fit re-raises the KeyboardInterrupt, which
the benchmark catches.

A second case trains on data larger than this machine would like to hold:
a float32 ``np.memmap`` of 2,000,000 sequences x 100 steps x 10 features
(8 GB on disk), validated chunk by chunk and read batch by batch; then 100,000
of its rows are predicted. It measures anonymous resident memory (``RssAnon``
in /proc/self/status): the file's pages in the page cache do not count. The
file is deleted afterwards; the case is skipped when the disk lacks the
space. Run::

    python benchmarks/memory.py [--steps 5000000] [--batches 300]
        [--memmap-dir DIR] [--memmap-rows 2000000] [--skip-memmap]

Targets: peak RSS under 2 GB for the windows (issue #3); peak RssAnon under
1.5 GB for the memmap (issue #13).
"""

import argparse
import contextlib
import os
import resource
import shutil
import signal
import tempfile
import time
from pathlib import Path

import numpy as np

from sklearn_rnn import LSTMRegressor, make_windows
from sklearn_rnn._skorch import SequenceDataset


def peak_rss_gb():
    # ru_maxrss is in kilobytes on Linux; GB here are 10**9 bytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9


def current_rss_gb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e9


def rss_anon_gb(peak=False):
    """Anonymous resident memory now (or its peak, RssAnon has none: HWM)."""
    key = "VmHWM:" if peak else "RssAnon:"
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024 / 1e9
    raise RuntimeError(f"{key} not in /proc/self/status")


def interrupt_after(n_batches):
    """Send SIGINT to this process once ``n_batches`` batches were drawn."""
    original = SequenceDataset.get_batch
    state = {"batches": 0, "first": None, "original": original}

    def counting(self, positions):
        state["batches"] += 1
        if state["first"] is None:
            state["first"] = time.perf_counter()
        if state["batches"] == n_batches + 1:
            os.kill(os.getpid(), signal.SIGINT)  # like Ctrl-C in a terminal
        return original(self, positions)

    SequenceDataset.get_batch = counting
    return state


class AnonPeak:
    """Sample RssAnon in a background thread; keep the largest value."""

    def __init__(self, interval=0.05):
        import threading

        self.peak = rss_anon_gb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,))

    def _run(self, interval):
        while not self._stop.wait(interval):
            self.peak = max(self.peak, rss_anon_gb())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_anon_gb())


def memmap_case(directory, n_rows, n_batches, m=100, p=10):
    size = n_rows * m * p * 4
    free = shutil.disk_usage(directory).free
    if free < size + 2e9:
        print(
            f"memmap case skipped: it needs {size / 1e9:.1f} GB on disk and "
            f"{directory} has {free / 1e9:.1f} GB free (see --memmap-dir)."
        )
        return
    path = Path(tempfile.mkdtemp(dir=directory)) / "X.npy"
    state = {"original": SequenceDataset.get_batch}
    try:
        start = time.perf_counter()
        X = np.lib.format.open_memmap(path, "w+", np.float32, (n_rows, m, p))
        rng = np.random.default_rng(0)
        y = np.empty(n_rows, np.float32)
        for lo in range(0, n_rows, 50_000):
            chunk = rng.standard_normal((min(50_000, n_rows - lo), m, p), np.float32)
            X[lo : lo + len(chunk)] = chunk
            y[lo : lo + len(chunk)] = chunk[:, -5:, 0].sum(axis=1)
        X.flush()
        del X
        print(
            f"\nmemmap {n_rows} x {m} x {p} float32, {size / 1e9:.1f} GB on disk "
            f"(written in {time.perf_counter() - start:.0f} s); RssAnon before "
            f"fit {rss_anon_gb():.2f} GB"
        )
        X = np.load(path, mmap_mode="r")
        state = interrupt_after(n_batches)
        reg = LSTMRegressor(hidden_size=32, batch_size=256, max_iter=1, random_state=0)
        with AnonPeak() as fit_peak:
            start = time.perf_counter()
            with contextlib.suppress(KeyboardInterrupt):  # re-raised, model kept
                reg.fit(X, y)
            end = time.perf_counter()
        print(
            f"validation, scaling and split: {state['first'] - start:.1f} s; "
            f"{state['batches'] - 1} training batches in "
            f"{end - state['first']:.1f} s; peak RssAnon {fit_peak.peak:.2f} GB"
        )
        with AnonPeak() as predict_peak:
            start = time.perf_counter()
            pred = reg.predict(X[:100_000])
            seconds = time.perf_counter() - start
        print(
            f"predict 100,000 rows: {seconds:.1f} s, finite={np.isfinite(pred).all()}"
            f", peak RssAnon {predict_peak.peak:.2f} GB (target < 1.5 GB)"
        )
    finally:
        shutil.rmtree(path.parent)
        SequenceDataset.get_batch = state["original"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=5_000_000)
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--memmap-dir", default=tempfile.gettempdir())
    parser.add_argument("--memmap-rows", type=int, default=2_000_000)
    parser.add_argument("--skip-memmap", action="store_true")
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
    with contextlib.suppress(KeyboardInterrupt):  # re-raised, model kept
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
    del series, X, y, reg
    if not args.skip_memmap:
        # Last: the file's pages it maps would count in the peak RSS above.
        memmap_case(args.memmap_dir, args.memmap_rows, args.batches)


if __name__ == "__main__":
    main()
