"""Fit times under the library's thread choice, alone and beside a busy process.

Torch's default of one intra-op thread per core makes the small networks of
this library many times slower whenever another process takes a core: each
of their many tiny operators ends at a barrier that waits for a descheduled
thread. The estimators therefore pick the thread count themselves (``n_jobs``
documents the rule). This script measures, in one run:

1. a default ``LSTMClassifier`` fit on JapaneseVowels and a default
   ``RNNForecaster`` fit on airline (108 months, 36-month horizon): alone,
   with the library's choice and with 1 and 2 threads forced (see
   ``forced_threads``); then beside one
   CPU-bound process (a busy Python loop), with the library's choice. Target:
   busy at most 2.5 times alone (2 is ideal: the cores are shared);
2. ``GridSearchCV(n_jobs=2)`` against ``n_jobs=1`` over the same 4 candidates
   on GunPoint. Target: at most 0.6 times the wall time;
3. a sweep of network sizes: the time of 2 training epochs on 2 threads over
   1 thread, alone, with the work per recurrent step (parameters times batch
   rows) that the library's rule compares with its threshold.

Run::

    python benchmarks/threads.py [--busy-two-threads] [--skip-sweep]

``--busy-two-threads`` adds the forced 2-thread fits beside the busy process:
the problem this rule solves, and slow (tens of times the alone time).
"""

import argparse
import os
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sktime.datasets import load_airline, load_gunpoint, load_japanese_vowels

from sklearn_rnn import LSTMClassifier, LSTMRegressor, RNNForecaster, _base


@contextmanager
def busy_process():
    """One CPU-bound process (a busy loop) for the duration of the block."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    time.sleep(0.5)  # let it reach the scheduler
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


def seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@contextmanager
def forced_threads(n_threads):
    """Fits inside run on ``n_threads`` (None: the library's own choice).

    The estimators' rule picks one thread for networks of the default sizes;
    to time the same default fits on a forced count, the rule's threshold is
    set to 0 (every network counts as large) and torch's count, which large
    networks use, to ``n_threads``.
    """
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    _base._THREAD_WORK, threshold = 0, _base._THREAD_WORK
    try:
        yield
    finally:
        _base._THREAD_WORK = threshold
        torch.set_num_threads(previous)


def japanese_vowels():
    X, y = load_japanese_vowels(split="train", return_type="nested_univ")
    # Variable lengths: one (M_i, 12) array per utterance.
    return [np.column_stack([c.to_numpy() for c in row]) for row in X.values], y


def classifier_fit(n_threads):
    X, y = japanese_vowels()

    def fit():
        with forced_threads(n_threads):
            LSTMClassifier(random_state=0).fit(X, y)

    return fit


def forecaster_fit(n_threads):
    y = load_airline()

    def fit():
        with forced_threads(n_threads):
            forecaster = RNNForecaster(random_state=0)
            forecaster.fit(y.iloc[:108], fh=np.arange(1, 37))

    return fit


def fits_table(two_threads_busy):
    print("1. Default fits (seconds). auto = the library's choice.")
    header = f"{'':<34}{'auto':>8}{'1 thr':>8}{'2 thr':>8}{'busy auto':>11}"
    header += f"{'ratio':>7}{'target':>8}"
    if two_threads_busy:
        header += f"{'busy 2 thr':>12}"
    print(header)
    for label, make in [
        ("LSTMClassifier, JapaneseVowels", classifier_fit),
        ("RNNForecaster, airline", forecaster_fit),
    ]:
        make(None)()  # warm up: first calls allocate and pick kernels
        alone = {n: seconds(make(n)) for n in (None, 1, 2)}
        with busy_process():
            busy = seconds(make(None))
            busy_two = seconds(make(2)) if two_threads_busy else None
        row = (
            f"{label:<34}{alone[None]:>8.1f}{alone[1]:>8.1f}{alone[2]:>8.1f}"
            f"{busy:>11.1f}{busy / alone[None]:>7.2f}{'<= 2.5':>8}"
        )
        if busy_two is not None:
            row += f"{busy_two:>12.1f}"
        print(row, flush=True)


def grid_search():
    print("\n2. GridSearchCV, 4 candidates x 5 folds, LSTMClassifier on GunPoint")
    X, y = load_gunpoint(split="train", return_type="numpy3D")
    X = X.transpose(0, 2, 1)  # sktime's (N, P, M) to batch-first (N, M, P)
    grid = {"hidden_size": [32, 64], "cell": ["lstm", "gru"]}
    # Start joblib's two worker processes (and their imports) before timing:
    # the search reuses them, and their start-up is not the fits' cost.
    Parallel(n_jobs=2)(delayed(_import_library)() for _ in range(2))
    times = {}
    for n_jobs in (1, 2):
        search = GridSearchCV(LSTMClassifier(random_state=0), grid, cv=5, n_jobs=n_jobs)
        times[n_jobs] = seconds(lambda s=search: s.fit(X, y))
    ratio = times[2] / times[1]
    print(
        f"n_jobs=1 {times[1]:.1f} s, n_jobs=2 {times[2]:.1f} s: "
        f"ratio {ratio:.2f} (target <= 0.6)"
    )


def _import_library():
    import sklearn_rnn  # noqa: F401


def size_sweep():
    print(
        f"\n3. Two training epochs on 2 threads over 1 thread, alone "
        f"(threshold: {_base._THREAD_WORK:.1e} multiply-adds per step)"
    )
    print(f"{'hidden':>7}{'batch':>7}{'work/step':>11}{'1 thr s':>9}{'2 thr s':>9}")
    rng = np.random.default_rng(0)
    for hidden in (64, 128, 256, 512):
        for batch in (32, 128, 512):
            X = rng.standard_normal((batch * 8, 32, 8), dtype=np.float32)
            y = X[:, -3:, 0].sum(axis=1)
            times, work = {}, None
            for n_jobs in (1, 2):
                reg = LSTMRegressor(
                    hidden_size=hidden,
                    batch_size=batch,
                    patch_size=1,
                    max_iter=2,
                    early_stopping=False,
                    random_state=0,
                    n_jobs=n_jobs,
                )
                reg.fit(X[:batch], y[:batch])  # warm up
                times[n_jobs] = seconds(lambda r=reg, X=X, y=y: r.fit(X, y))
                params = sum(p.numel() for p in reg.net_.module_.parameters())
                work = params * batch
            print(
                f"{hidden:>7}{batch:>7}{work:>11.1e}{times[1]:>9.2f}{times[2]:>9.2f}"
                f"{times[1] / times[2]:>8.2f}x faster on 2",
                flush=True,
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--busy-two-threads", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    print(
        f"torch {torch.__version__}; {os.cpu_count()} CPUs; torch's default "
        f"{torch.get_num_threads()} threads; load average {os.getloadavg()[0]:.1f}"
    )
    fits_table(args.busy_two_threads)
    grid_search()
    if not args.skip_sweep:
        size_sweep()


if __name__ == "__main__":
    main()
