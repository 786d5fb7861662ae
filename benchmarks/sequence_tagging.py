"""Per-timestep labelling (LSTMTagger) of concatenated BasicMotions recordings.

Each sequence strings together 2 to 6 random BasicMotions recordings
(accelerometer and gyroscope, 6 features, 100 steps each), each cut to a
random length and cropped at a random offset; every timestep is labelled
with its recording's activity. Training sequences use only recordings of the
official train split, test sequences only those of the test split, so no
recording appears in both. Target: per-timestep test accuracy >= 0.95.
Accuracy within 5 steps of a change of activity is reported separately.
Run::

    OMP_NUM_THREADS=1 python benchmarks/sequence_tagging.py [--seeds 3]
"""

import argparse
import time
import warnings

import numpy as np
import torch
from _overrides import parse_overrides
from sklearn.exceptions import ConvergenceWarning
from sktime.datasets import load_basic_motions

from sklearn_rnn import LSTMTagger

TARGET = 0.95
NEAR = 5  # steps on each side of a change of activity

# The defaults (patch_size=1, learning_rate_init=1e-3, max_iter=200) run the
# LSTM over every one of the ~230 steps of a sequence: 27 s per epoch on one
# thread here, against 2.8 s with patches of 5 steps.
PARAMS = dict(patch_size=5, learning_rate_init=0.01, max_iter=40)


def recordings(split):
    X, y = load_basic_motions(split=split, return_type="numpy3D")
    return X.transpose(0, 2, 1), np.asarray(y)  # sktime's (N, P, M) -> (N, M, P)


def concatenate(X, y, n, rng, min_parts=2, max_parts=6, min_length=20):
    """``n`` sequences of 2-6 random recordings, each cropped at random."""
    sequences, labels = [], []
    for _ in range(n):
        parts = rng.randint(min_parts, max_parts + 1)
        xs, ys = [], []
        for i in rng.randint(len(X), size=parts):
            length = rng.randint(min_length, X.shape[1] + 1)
            start = rng.randint(X.shape[1] - length + 1)
            xs.append(X[i, start : start + length])
            ys.append(np.full(length, y[i]))
        sequences.append(np.concatenate(xs))
        labels.append(np.concatenate(ys))
    return sequences, labels


def near_change(labels, width=NEAR):
    """Mask of the steps within ``width`` steps of a change of label."""
    change = np.flatnonzero(labels[1:] != labels[:-1]) + 0.5
    steps = np.arange(len(labels))
    if not len(change):
        return np.zeros(len(labels), bool)
    return (np.abs(steps[:, None] - change[None, :]) <= width).any(axis=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=400)
    parser.add_argument("--n-test", type=int, default=200)
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    params = parse_overrides(args.set, PARAMS)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    print(f"torch threads: {torch.get_num_threads()}; parameters: {params}")
    X_train_rec, y_train_rec = recordings("train")
    X_test_rec, y_test_rec = recordings("test")
    print(
        f"{'seed':>4} {'accuracy':>9} {'near change':>12} {'away':>7} "
        f"{'epochs':>6} {'fit s':>7} {'mean length':>11}"
    )
    # Torch's one-off costs (about 3 s for the first fit in a process)
    # paid before anything is timed.
    X_warm, y_warm = concatenate(X_train_rec, y_train_rec, 8, np.random.RandomState(0))
    LSTMTagger(device="cpu", **{**params, "max_iter": 1}).fit(X_warm, y_warm)
    rows = []
    for seed in range(args.seeds):
        rng = np.random.RandomState(seed)
        X_train, y_train = concatenate(X_train_rec, y_train_rec, args.n_train, rng)
        X_test, y_test = concatenate(X_test_rec, y_test_rec, args.n_test, rng)
        model = LSTMTagger(random_state=seed, device="cpu", **params)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        fit_time = time.perf_counter() - start
        pred = np.concatenate(model.predict(X_test))
        true = np.concatenate(y_test)
        near = np.concatenate([near_change(y) for y in y_test])
        correct = pred == true
        row = (
            correct.mean(),
            correct[near].mean(),
            correct[~near].mean(),
            model.n_iter_,
            fit_time,
        )
        rows.append(row)
        mean_length = np.mean([len(x) for x in X_train])
        print(
            f"{seed:>4} {row[0]:>9.4f} {row[1]:>12.4f} {row[2]:>7.4f} "
            f"{row[3]:>6} {row[4]:>7.1f} {mean_length:>11.1f}"
        )
    mean = np.mean(rows, axis=0)
    print(
        f"mean {mean[0]:>9.4f} {mean[1]:>12.4f} {mean[2]:>7.4f} {mean[3]:>6.0f} "
        f"{mean[4]:>7.1f}   target accuracy >= {TARGET}: "
        f"{'met' if mean[0] >= TARGET else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
