"""Quickstart: an LSTM classifier and an LSTM regressor in a few lines.

1. Classify the GunPoint time series (shipped with sktime, official split).
2. Predict a noisy seasonal series one step ahead from windows of its past.
"""

import numpy as np
from sktime.datasets import load_gunpoint

from sklearn_rnn import LSTMClassifier, LSTMRegressor, make_windows

# -- 1. Sequence classification -------------------------------------------
# sktime's numpy3D layout is (N, P, M); sklearn_rnn is batch-first (N, M, P).
X_train, y_train = load_gunpoint(split="train", return_type="numpy3D")
X_test, y_test = load_gunpoint(split="test", return_type="numpy3D")
X_train, X_test = X_train.transpose(0, 2, 1), X_test.transpose(0, 2, 1)

clf = LSTMClassifier(random_state=0).fit(X_train, y_train)
print(f"GunPoint: {len(X_train)} training series of {X_train.shape[1]} steps")
print(f"  LSTMClassifier test accuracy: {clf.score(X_test, y_test):.3f}")

# -- 2. Sequence regression on windows of one series -------------------------
rng = np.random.default_rng(0)
t = np.arange(1200)
series = np.sin(2 * np.pi * t / 50) + 0.5 * np.sin(2 * np.pi * t / 7)
series += 0.1 * rng.standard_normal(len(t))

# Lookback 30 steps, predict the next one (the lecture's lookback/delay).
X, y = make_windows(series, window_length=30, horizon=1)
split = int(0.8 * len(X))  # keep time order: train on the past
reg = LSTMRegressor(random_state=0).fit(X[:split], y[:split])
print(f"Seasonal series: {split} training windows of 30 steps")
print(f"  LSTMRegressor test R^2: {reg.score(X[split:], y[split:]):.3f}")
