"""Small estimators and data shared by the test modules."""

import numpy as np

from sklearn_rnn import LSTMClassifier, LSTMRegressor

ESTIMATORS = [LSTMClassifier, LSTMRegressor]


def fast(Estimator, **params):
    """A tiny, seeded, CPU estimator: tests check behaviour, not accuracy."""
    defaults = dict(
        hidden_size=8, conv_channels=4, max_iter=5, random_state=0, device="cpu"
    )
    return Estimator(**{**defaults, **params})


def sequence_data(Estimator=LSTMRegressor, n=120, m=10, p=2, seed=0, noise=0.1):
    """Sequences whose target is the sum of the last 3 values of feature 0.

    The classifier gets the sign of that sum as labels "down"/"up".
    """
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, m, p))
    y = X[:, -3:, 0].sum(axis=1) + noise * rng.normal(size=n)
    if Estimator is LSTMClassifier:
        return X, np.where(y > 0, "up", "down")
    return X, y


def outputs(est, X):
    """The continuous output: class probabilities or regression values."""
    return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)
