"""Forecasting reduced to sequence regression, as pure functions.

Everything here takes its inputs as arguments (series values, window
geometry, scales) and returns arrays: no forecaster state is read or set.
Series arrive as float64 rows ``(T, K + Q)``: the ``K`` target columns first,
then ``Q`` exogenous ones. Windows are built and normalised in float64 and only
cast to float32, the regressor's dtype, once the level has been subtracted, so
a series far from zero (an offset of 1e9) keeps its small variations.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from .._lstm import LSTMRegressor
from .._windowing import make_windows

# Natural cycles of common index frequencies (pandas offset names), in units
# of the offset, shortest first. A frequency takes the first cycle that has at
# least _MIN_CYCLE_STEPS of its steps: hourly data cycle daily, half-hourly
# data daily (48 steps) rather than hourly (2 steps).
_CYCLES = {
    "MonthEnd": (12,),
    "MonthBegin": (12,),
    "QuarterEnd": (4,),
    "QuarterBegin": (4,),
    "Week": (52,),
    "Day": (7,),
    "BusinessDay": (5,),
    "Hour": (24,),
    "Minute": (60, 1440),
}
_MIN_CYCLE_STEPS = 8
# window_length="auto" looks back this many cycles, or this many steps
# without a known frequency.
_AUTO_CYCLES = 3
_DEFAULT_WINDOW = 24

# Training budget of the default regressor, in gradient steps: the cost of a
# fit then no longer grows with the length of the series times the epochs.
# Batches grow with the number of windows so that each epoch still sees all
# of them; the epochs are what the budget leaves, within these bounds. The
# budget is spent at a learning rate 3 times LSTMRegressor's default: on the
# development pool of benchmarks/forecasting.py, 400 steps at 3e-3 forecast
# as well as 1000 at 1e-3, in 2.5 times less time.
_STEP_BUDGET = 400
_MIN_EPOCHS, _MAX_EPOCHS = 20, 200
_MIN_BATCH, _MAX_BATCH = 16, 256
_LEARNING_RATE = 3e-3


@dataclass(frozen=True)
class Geometry:
    """Shape of the regression problem.

    ``length`` steps of history per window, ``horizon`` steps ahead per
    target column (1 for the recursive strategy), ``n_targets`` target
    columns at the start of each row. The level of a window is the mean of
    its last ``level_span`` values (see :func:`normalise`).
    """

    length: int
    horizon: int
    n_targets: int
    level_span: int = 1


@dataclass(frozen=True)
class TrainingSet:
    """Normalised windows, their targets and their ages, oldest first.

    ``ages[i]`` is the number of steps between the last target of window
    ``i`` and the end of its series. :class:`LSTMRegressor`'s early stopping
    holds out the *last* samples, so they must be the newest windows of every
    series: :func:`fit_regressor` refuses a set whose ages increase.
    """

    X: np.ndarray  # (n, length, K + Q) float32
    y: np.ndarray  # (n, horizon * K) float32
    ages: np.ndarray  # (n,) int, non-increasing


def seasonal_period(freq):
    """Steps per natural cycle of an index frequency, or None if unknown.

    A multiple of the base unit divides the cycle: 2-hourly data have 12
    steps per day. A multiple that divides none of the cycles (7-hourly) is
    unknown.
    """
    cycles = _CYCLES.get(type(freq).__name__)
    n = getattr(freq, "n", 1)
    if cycles is None or n < 1:
        return None
    steps = [c // n for c in cycles if c % n == 0]
    if not steps:
        return None
    return next((s for s in steps if s >= _MIN_CYCLE_STEPS), steps[-1])


def auto_window_length(period, room):
    """Three cycles (or the default), within half the room for windows.

    ``room`` is the number of observations the shortest series leaves for
    windows once the horizon and the calibration tail are taken off: half
    of it keeps at least as many training windows as steps per window.
    """
    length = _AUTO_CYCLES * period if period else _DEFAULT_WINDOW
    return max(1, min(length, room // 2))


def step_scale(y):
    """Typical size of a one-step change of each column of ``y`` (never 0).

    The standard deviation of the first differences. A constant column has
    none: a scale at float32 resolution of its level then keeps its
    forecasts constant, whatever the network outputs for an all-zero window.
    """
    y = np.asarray(y, dtype=np.float64)
    scale = np.std(np.diff(y, axis=0), axis=0) if len(y) > 1 else np.zeros(y.shape[1])
    level = np.maximum(np.abs(y).max(axis=0), 1.0)
    constant = scale <= 16 * np.finfo(np.float64).eps * level
    return np.where(constant, np.finfo(np.float32).eps * level, scale)


def normalise(windows, scale, geometry):
    """Express windows relative to their level, as float32.

    ``windows`` is float64 (n, length, K + Q); ``scale`` is (K,) or (n, K).
    The level of a window is the last value of each target column: it is
    subtracted from the target columns, in float64, and the result divided by
    ``scale``. Returns the float32 windows and the float64 levels (n, K).
    """
    k, span = geometry.n_targets, geometry.level_span
    level = (
        windows[:, -1, :k].copy() if span == 1 else windows[:, -span:, :k].mean(axis=1)
    )
    scale = scale[:, None] if np.ndim(scale) == 2 else scale
    out = np.array(windows, dtype=np.float64)
    out[..., :k] = (out[..., :k] - level[:, None]) / scale
    return out.astype(np.float32), level


def training_set(values, scales, geometry, ends=None):
    """Windows of every series up to its end, normalised, oldest first.

    ``values`` holds per series its float64 rows (T_i, K + Q), ``scales``
    its (K,) scale, ``ends`` optionally the number of rows to use. Series
    too short for one window are skipped; None when no series has one.
    """
    k, length, horizon = geometry.n_targets, geometry.length, geometry.horizon
    ends = [None] * len(values) if ends is None else ends
    parts, ages = [], []
    for full, scale, end in zip(values, scales, ends, strict=True):
        rows = full[:end]
        if len(rows) < length + horizon:
            continue
        X, y = make_windows(
            rows,
            length,
            range(1, horizon + 1),
            target=list(range(k)),
            dtype=np.float64,
        )
        X, level = normalise(X, scale, geometry)
        y = (y.reshape(len(y), horizon, k) - level[:, None]) / scale
        parts.append((X, y.reshape(len(y), -1).astype(np.float32)))
        # Steps between each window's last target and the end of its series.
        ages.append(np.arange(len(X))[::-1] + (len(full) - len(rows)))
    if not parts:
        return None
    ages = np.concatenate(ages)
    order = np.argsort(-ages, kind="stable")
    X = np.concatenate([p[0] for p in parts])[order]
    y = np.concatenate([p[1] for p in parts])[order]
    return TrainingSet(X, y, ages[order])


def default_regressor(n_windows):
    """The regressor RNNForecaster trains when none is given.

    ``LSTMRegressor()`` with a batch size and a number of epochs that spend
    about ``_STEP_BUDGET`` gradient steps, whatever the number of windows,
    at the learning rate ``_LEARNING_RATE``.
    """
    batch = min(_MAX_BATCH, max(_MIN_BATCH, n_windows // 32))
    per_epoch = math.ceil(n_windows / batch)
    epochs = min(_MAX_EPOCHS, max(_MIN_EPOCHS, _STEP_BUDGET // per_epoch))
    return LSTMRegressor(
        batch_size=batch, max_iter=epochs, learning_rate_init=_LEARNING_RATE
    )


def new_regressor(estimator, n_windows, random_state):
    """A fresh regressor: a clone of ``estimator`` or the default one."""
    if estimator is None:
        regressor = default_regressor(n_windows)
    else:
        regressor = clone(estimator)
    if random_state is not None:
        regressor.set_params(random_state=random_state)
    return regressor


def fit_regressor(regressor, data, *, warm_start=False, max_iter=None):
    """Fit ``regressor`` on a :class:`TrainingSet`.

    ``warm_start`` continues from the current weights and ``max_iter``
    overrides the epochs, for this fit only: the regressor's parameters are
    restored afterwards. Returns the regressor and whether ``max_iter`` ended
    training (its ConvergenceWarning is caught here, so that the forecaster
    can warn once in its own name). Other warnings pass through.
    """
    if np.any(np.diff(data.ages) > 0):
        raise ValueError(
            "Training windows must reach the regressor oldest first: its early "
            "stopping holds out the last samples as the most recent ones."
        )
    params = regressor.get_params()
    regressor.set_params(warm_start=warm_start, max_iter=max_iter or params["max_iter"])
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            regressor.fit(data.X, data.y)
    finally:
        regressor.set_params(
            max_iter=params["max_iter"], warm_start=params["warm_start"]
        )
    unconverged = False
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            unconverged = True
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return regressor, unconverged


def last_rows(values, length):
    """The last ``length`` rows, padded at the start with NaN rows if short."""
    values = np.asarray(values, dtype=np.float64)[-length:]
    if len(values) < length:
        pad = np.full((length - len(values), values.shape[1]), np.nan)
        values = np.vstack([pad, values])
    return values


def forecast(
    regressor, contexts, scales, geometry, n_steps, *, future_x=None, floor=None
):
    """Forecast ``n_steps`` ahead of each context, in original units.

    ``contexts`` holds (T_i, K + Q) float64 histories whose last
    ``geometry.length`` rows are read, ``scales`` the (n, K) scales of their
    series. A direct model (``geometry.horizon > 1`` or ``n_steps == 1``)
    outputs all steps at once; a one-step model (``geometry.horizon == 1``)
    forecasts recursively, appending each forecast, and ``future_x`` then
    gives the (n, >= n_steps, Q) exogenous rows after each context.
    ``floor`` (K,) optionally bounds forecasts from below (NaN: unbounded),
    also inside the recursion. Returns (n, n_steps, K) float64.
    """
    k, n = geometry.n_targets, len(contexts)
    windows = np.stack([last_rows(c, geometry.length) for c in contexts])
    if geometry.horizon >= n_steps:
        X, level = normalise(windows, scales, geometry)
        out = regressor.predict(X).reshape(n, geometry.horizon, k)[:, :n_steps]
        return _floor(level[:, None] + out * scales[:, None], floor)
    if geometry.horizon != 1:
        raise ValueError(
            f"A direct model of horizon {geometry.horizon} cannot forecast "
            f"{n_steps} steps ahead."
        )
    forecasts = []
    for step in range(n_steps):
        X, level = normalise(windows, scales, geometry)
        value = _floor(level + regressor.predict(X).reshape(n, k) * scales, floor)
        forecasts.append(value)
        row = value if future_x is None else np.hstack([value, future_x[:, step]])
        windows = np.concatenate([windows[:, 1:], row[:, None]], axis=1)
    return np.stack(forecasts, axis=1)


def _floor(values, floor):
    if floor is None:
        return values
    return np.where(np.isnan(floor), values, np.maximum(values, floor))
