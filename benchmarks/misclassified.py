"""Which test series of one set each model gets wrong.

A diagnostic beside ``classification.py``, for small test sets where a
difference in accuracy is a handful of series (UnitTest: 22). For the
official test split of one set of that script's pool, it prints every test
series that at least one model misclassifies, its true label, and each
model's prediction:

- 1-NN DTW and MiniRocket, as in ``classification.py``;
- two simple references on the values as they are: 1-NN Euclidean and
  logistic regression (``StandardScaler`` -> ``LogisticRegression``) on the
  flattened series, for sets of equal lengths;
- LSTMClassifier with its defaults, one column per seed.

A series that every model, simple or not, gets wrong (or right only by the
luck of a seed) is one that the training set does not describe; a series
that only ours misses is one to study. Usage::

    python benchmarks/misclassified.py UnitTest --seeds 5
"""

import argparse
import warnings

import numpy as np
import torch
from classification import (
    DATASETS,
    dtw_1nn,
    load,
    minirocket,
    ours_input,
    rocket_input,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, RidgeClassifierCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_rnn import LSTMClassifier


def predictions(name, seeds):
    """{model: predicted labels of the test split}, and the true labels."""
    X_train, y_train, X_test, y_test = load(name)
    n_features = X_train[0].shape[1]
    length = max(len(x) for x in X_train + X_test)
    rocket = minirocket(n_features, RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)))
    rocket.fit(rocket_input(X_train, length), y_train)
    preds = {
        "DTW": dtw_1nn(X_train, y_train, X_test),
        "MiniRocket": rocket.predict(rocket_input(X_test, length)),
    }
    if len({len(x) for x in X_train + X_test}) == 1:
        flat_train = np.stack(X_train).reshape(len(X_train), -1)
        flat_test = np.stack(X_test).reshape(len(X_test), -1)
        references = {
            "1-NN ED": KNeighborsClassifier(n_neighbors=1),
            "logistic": make_pipeline(
                StandardScaler(), LogisticRegression(max_iter=10_000)
            ),
        }
        for label, model in references.items():
            preds[label] = model.fit(flat_train, y_train).predict(flat_test)
    for seed in range(seeds):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours = LSTMClassifier(random_state=seed)
            ours.fit(ours_input(X_train), y_train)
        preds[f"ours {seed}"] = ours.predict(ours_input(X_test))
    return preds, y_test


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", choices=sorted(DATASETS))
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    preds, y_test = predictions(args.dataset, args.seeds)
    wrong = np.zeros(len(y_test), dtype=bool)
    for pred in preds.values():
        wrong |= pred != y_test
    names = list(preds)
    width = max(len(n) for n in names) + 2
    print(f"{args.dataset}: {len(y_test)} test series")
    print(f"{'series':>7}{'label':>7}" + "".join(f"{n:>{width}}" for n in names))
    for i in np.flatnonzero(wrong):
        cells = "".join(
            f"{str(preds[n][i]) + ('*' if preds[n][i] != y_test[i] else ''):>{width}}"
            for n in names
        )
        print(f"{i:>7}{y_test[i]!s:>7}{cells}")
    print(
        f"{'accuracy':>14}"
        + "".join(f"{np.mean(preds[n] == y_test):>{width}.3f}" for n in names)
    )
    print("(* marks a wrong prediction)")


if __name__ == "__main__":
    main()
