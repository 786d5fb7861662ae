"""Test accuracy of LSTMClassifier with default parameters on sktime datasets.

Official train/test splits of four UCR/UEA datasets shipped inside sktime
(no download). The reference is 1-NN DTW's published test accuracy. Run::

    python benchmarks/classification.py [--seeds 3] [--set key=value ...]

``--set`` overrides a parameter (for tuning), e.g. ``--set hidden_size=128``.
"""

import argparse
import ast
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sktime.datasets import (
    load_basic_motions,
    load_gunpoint,
    load_italy_power_demand,
    load_japanese_vowels,
)

from sklearn_rnn import LSTMClassifier

# 1-NN DTW test accuracy (UCR/UEA archive), the bar the defaults must clear.
DATASETS = {
    "GunPoint": (load_gunpoint, 0.907),
    "ItalyPowerDemand": (load_italy_power_demand, 0.950),
    "BasicMotions": (load_basic_motions, 0.975),
    "JapaneseVowels": (load_japanese_vowels, 0.949),
}


def load(loader, split):
    """Sequences as (N, M, P) arrays, or lists when lengths differ."""
    X, y = loader(split=split, return_type="nested_univ")
    # nested_univ cells are Series over time: stack features per instance.
    X = [np.column_stack([cell.to_numpy() for cell in row]) for row in X.values]
    if len({len(x) for x in X}) == 1:
        X = np.stack(X)
    return X, np.asarray(y)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    params = {}
    for item in args.set:
        key, value = item.split("=", 1)
        try:
            params[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[key] = value
    # Fits that end at max_iter warn; the epochs column shows them.
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    print(f"parameters: defaults {params or ''}")
    print(
        f"{'dataset':<18}{'1-NN DTW':>9}{'accuracy (mean, min over seeds)':>34}"
        f"{'fit s':>8}{'epochs':>8}"
    )
    for name in args.datasets:
        loader, reference = DATASETS[name]
        X_train, y_train = load(loader, "train")
        X_test, y_test = load(loader, "test")
        scores, times, epochs = [], [], []
        for seed in range(args.seeds):
            clf = LSTMClassifier(random_state=seed, **params)
            start = time.perf_counter()
            clf.fit(X_train, y_train)
            times.append(time.perf_counter() - start)
            scores.append(clf.score(X_test, y_test))
            epochs.append(clf.n_iter_)
        print(
            f"{name:<18}{reference:>9.3f}"
            f"{np.mean(scores):>20.3f}{min(scores):>14.3f}"
            f"{np.mean(times):>8.1f}{np.mean(epochs):>8.0f}"
        )


if __name__ == "__main__":
    main()
