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
from sklearn.utils import check_random_state

from .._lstm import LSTMRegressor
from .._validation import check_sequences
from .._windowing import make_windows

# Natural cycles of common index frequencies (pandas offset names), in units
# of the offset, shortest first. A frequency takes the first cycle that has at
# least _MIN_CYCLE_STEPS of its steps: hourly data cycle daily, half-hourly
# data daily (48 steps) rather than hourly (2 steps).
_CYCLES = {
    "MonthEnd": (12,),
    "MonthBegin": (12,),
    "BusinessMonthEnd": (12,),
    "BusinessMonthBegin": (12,),
    "SemiMonthEnd": (24,),
    "SemiMonthBegin": (24,),
    "QuarterEnd": (4,),
    "QuarterBegin": (4,),
    "BQuarterEnd": (4,),
    "BQuarterBegin": (4,),
    "Week": (52,),
    "Day": (7,),
    "BusinessDay": (5,),
    "CustomBusinessDay": (5,),
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
# budget is spent at a learning rate of 3e-3, 1.5 times LSTMRegressor's
# default. On the development pool of benchmarks/forecasting.py (2 seeds),
# 150 steps forecast better than 250 and 400: the short series (a few
# hundred windows) overfit with more, and the long taylor series forecast
# as well with 5 epochs as with 20, in half the time.
_STEP_BUDGET = 150
_MIN_EPOCHS, _MAX_EPOCHS = 5, 200
_MIN_BATCH, _MAX_BATCH = 16, 256
_LEARNING_RATE = 3e-3
# The forecaster's own architecture, pinned here rather than inherited from
# LSTMRegressor's defaults, which are chosen on classification benchmarks.
# A plain LSTM read at its last state: on the development pool, the
# convolutional stem and pooled read-out (LSTMRegressor's defaults) and the
# pooled read-out alone both ranked worse (mean MASE rank 4.38 and 4.12 of
# 7 models, against 3.62, 2 seeds, before the seasonal anchor).
# Windows are never cropped (random_crop, LSTMRegressor's augmentation for
# classification-like data): a forecast reads the window's last steps.
# Nor do windows get their own standardisation (instance_norm): they are
# already expressed relative to their level, in units of the series' scale.
_ARCHITECTURE = {
    "conv_channels": None,
    "readout": "last",
    "random_crop": 1.0,
    "instance_norm": False,
}
# Without a known seasonal cycle the anchor is the last value and the
# network's change is an extrapolated trend, which is damped over the
# horizon as in damped-trend exponential smoothing (see damping_factors).
# On the pool of benchmarks/forecasting.py its only such series, heartrate,
# ends in a fall that the undamped network extended (MASE 1.24 times the
# last value's, 5 seeds); 0.95, 0.9, 0.85 and 0.8 gave 1.16, 1.11, 1.08 and
# 1.06 times. 0.85 meets the 1.1 target; on the reserved lynx series the
# undamped change was better (MASE 0.48 against 0.65 with 0.85, 3 seeds).
# Series with a cycle are not damped: their change holds the deviations
# from the seasonal profile, and damping every series cost taylor a factor
# 4.8 in MASE (0.9, 3 seeds).
_DAMPING = 0.85


@dataclass(frozen=True)
class Geometry:
    """Shape of the regression problem.

    ``length`` steps of history per window, ``horizon`` steps ahead per
    target column (1 for the recursive strategy), ``n_targets`` target
    columns at the start of each row. The level of a window is the mean of
    its last ``level_span`` values (see :func:`normalise`); targets are
    expressed relative to :func:`anchors` (with ``seasonal_anchor``, the
    level plus the window's seasonal profile). With ``future_exog``, each
    window is followed by the exogenous rows of the ``horizon`` steps it
    forecasts (:func:`with_future_exog`), and each series' linear effect
    of X on y at the same time (:func:`fit_exog_effect`, passed as
    ``effects``) is taken out of its targets before windows are normalised
    and added back to forecasts (:func:`without_exog_effect`).
    """

    length: int
    horizon: int
    n_targets: int
    level_span: int = 1
    seasonal_anchor: bool = True
    damping: float = 1.0
    # Subtracted from the exogenous columns in float64 before the cast to
    # float32 (their mean in fit), so that X far from zero (a timestamp in
    # seconds) keeps its resolution; the regressor then standardises them.
    exog_offset: np.ndarray | None = None
    # The network also reads X at the forecast times (X_treatment=
    # "concurrent"). False in forecasters pickled before it existed, which
    # read X up to the forecast origin only.
    future_exog: bool = False


@dataclass(frozen=True)
class TrainingSet:
    """Normalised windows, their targets and their ages, oldest first.

    ``ages[i]`` is the number of steps between the last target of window
    ``i`` and the end of its series. :class:`LSTMRegressor`'s early stopping
    holds out the *last* samples, so they must be the newest windows of every
    series: :func:`fit_regressor` refuses a set whose ages increase.
    """

    # (n, length, K + Q) float32; (n, length + horizon, K + Q + 1) with
    # future X (see with_future_exog).
    X: np.ndarray
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


# Magnitudes below which squares near float64's underflow (see step_scale).
_TINY_LEVEL = 1e-100


def step_scale(y):
    """Typical size of a one-step change of each column of ``y``.

    The standard deviation of the first differences. Steps that are all
    equal (a straight line, a series of two points) have none: their size
    is the scale. A column constant up to float64 rounding has no change at
    all, and the scale 0: its forecasts are then exactly its level, and its
    intervals have no width, whatever the network outputs for an all-zero
    window (a small placeholder scale let that output through, 0.6 units
    for a series constant at 1e9). Express values in units of a scale with
    :func:`in_units`.
    """
    y = np.asarray(y, dtype=np.float64)
    diff = np.diff(y, axis=0) if len(y) > 1 else np.zeros((1, y.shape[1]))
    # Relative to the series' own magnitude, however small its units (an
    # absolute floor made every change of a series near 1e-16 "none").
    level = np.abs(y).max(axis=0)
    level = np.where(level > 0, level, 1.0)  # an all-zero column
    tiny = 16 * np.finfo(np.float64).eps * level
    # Squares of changes below about 1e-154 underflow to 0 (the series
    # would look constant): such columns are measured in units of their
    # magnitude. (y beyond float32's range is refused before.)
    unit = np.where(level < _TINY_LEVEL, level, 1.0)
    diff = diff / unit
    scale = np.std(diff, axis=0)
    # A scale near 0 beside the series' other columns (a panel's series
    # share one network) would give its windows values of 1e5 and more.
    scale = np.where(scale * unit <= tiny, np.sqrt(np.mean(diff**2, axis=0)), scale)
    scale = scale * unit
    return np.where(scale <= tiny, 0.0, scale)


def in_units(values, scale):
    """``values`` divided by ``scale``, and 0 where the scale is 0 (NaN,
    which marks the padding of a short context, stays NaN).

    A constant column's values relative to its level are 0, up to rounding:
    rounding that, at a level of 1e20, is 1e4 in the series' units, and
    that the network shared with a panel's other series must not read (nor
    the variance of their forecast errors count). Its forecasts multiply
    its scale, 0, back.
    """
    moving = scale > 0
    return np.where(moving, values / np.where(moving, scale, 1.0), values * 0.0)


def normalise_level(windows, geometry):
    """The level of each window, (n, K) float64: the last value of each
    target column, or its mean over the last ``level_span`` values (one
    seasonal cycle)."""
    k, span = geometry.n_targets, geometry.level_span
    if span == 1:
        return np.array(windows[:, -1, :k], dtype=np.float64)
    # Over the observed values: the context of a calibration forecast may
    # be shorter than a cycle (padded with NaN at its start), never empty.
    return np.nanmean(np.asarray(windows[:, -span:, :k], dtype=np.float64), axis=1)


def normalise(windows, scale, geometry):
    """Express windows relative to their level, as float32.

    ``windows`` is float64 (n, length, K + Q); ``scale`` is (K,) or (n, K).
    The level of a window (:func:`normalise_level`) is subtracted from the
    target columns, in float64, and the result divided by ``scale``; the
    exogenous columns are shifted by ``geometry.exog_offset``. Returns
    the float32 windows and the float64 levels (n, K).
    """
    k = geometry.n_targets
    level = normalise_level(windows, geometry)
    scale = scale[:, None] if np.ndim(scale) == 2 else scale
    out = np.array(windows, dtype=np.float64)
    out[..., :k] = in_units(out[..., :k] - level[:, None], scale)
    if geometry.exog_offset is not None:
        out[..., k:] -= geometry.exog_offset
    return out.astype(np.float32), level


def fit_exog_effect(values, n_targets):
    """The linear effect (Q, K) of the exogenous columns on the targets of
    one series, ``values`` (T, K + Q) float64.

    Least squares of the targets' one-step changes on those of the
    exogenous columns at the same time, both centred. As in a regression
    with ARIMA errors, the network then models what X does not explain
    linearly, with the level and the seasonal profile of the window free of
    it: a promotion in the last cycle no longer lifts the level that the
    next cycle is forecast from. Changes rather than levels, because a
    trend shared by y and X would pass for an effect of X; centred, because
    the series' drift is its own (a time index as X, whose changes are
    constant, then explains nothing). Per series, because nothing ties the
    effects of a panel's series: a shop of 10 and one of 10,000 lifted by
    half, or two shops in the same units promoting on 5 % and 50 % of days,
    would each get a pooled effect wrong in some unit. Each coefficient is
    shrunk towards 0 by its t statistic (see below). Zero where the series
    is too short to measure one.
    """
    k = n_targets
    n_exog = values.shape[1] - k
    if len(values) < 3:  # fewer than two changes: nothing to measure
        return np.zeros((n_exog, k))
    raw = np.diff(values, axis=0)
    steps = raw - raw.mean(axis=0)
    # Columns of unit norm: X in tiny or huge units (1e-9) must give the
    # same fit, and the Gram matrix below squares their spread of scales.
    # A column whose changes are constant up to rounding is no column (its
    # rounding errors, scaled up, would be noise).
    norms = np.linalg.norm(steps[:, k:], axis=0)
    flat = norms <= 1e-9 * np.linalg.norm(raw[:, k:], axis=0)
    norms = np.where((norms > 0) & ~flat, norms, 1.0)
    design = np.where(flat, 0.0, steps[:, k:]) / norms
    coef, _, rank, _ = np.linalg.lstsq(design, steps[:, :k], rcond=None)
    dof = len(design) - rank - 1  # and the mean
    if dof < 1:
        return np.zeros((n_exog, k))
    # Shrunk by how clearly the data show each effect (positive-part
    # James-Stein, 1 - 1/t**2): an X that does not drive y would otherwise
    # add its noise times a coefficient fitted to noise to every forecast.
    residual = steps[:, :k] - design @ coef
    variance = (residual**2).sum(axis=0) / dof  # (K,)
    spread = np.diag(np.linalg.pinv(design.T @ design))[:, None]  # (Q, 1)
    t2 = np.divide(
        coef**2,
        spread * variance,
        out=np.full_like(coef, np.inf),
        where=spread * variance > 0,
    )
    shrink = np.clip(1 - np.divide(1, t2, out=np.zeros_like(t2), where=t2 > 0), 0, 1)
    return coef * shrink / norms[:, None]


def without_exog_effect(windows, effect, geometry):
    """``windows`` (n, T, K + Q) with the linear ``effect`` of each row's X
    taken out of its target columns, float64; ``effect`` is (Q, K), or
    (n, Q, K) per window, or None (the windows as they are)."""
    if effect is None:
        return windows
    k = geometry.n_targets
    out = np.array(windows, dtype=np.float64)
    out[..., :k] -= _exog_effect_ahead(out[..., k:], effect)
    return out


def _exog_effect_ahead(rows, effect):
    """The effect (n, steps, K) of the exogenous ``rows`` (n, steps, Q);
    ``effect`` is (Q, K), or (n, Q, K) per row of ``rows``, or None (0)."""
    if effect is None:
        return 0.0
    rows = np.asarray(rows, dtype=np.float64)
    if np.ndim(effect) == 2:
        return rows @ effect
    return np.einsum("nsq,nqk->nsk", rows, effect)


def with_future_exog(X, future, geometry):
    """Windows followed by the exogenous rows of the steps they forecast.

    ``X`` holds (n, length, K + Q) normalised windows (:func:`normalise`),
    ``future`` the (n, horizon, Q) float64 exogenous rows of steps 1 to
    ``geometry.horizon`` after each window. The rows ahead hold 0 in the
    target columns (their values are what is forecast) and their exogenous
    values shifted like the window's; a last column tells them (1) from the
    history (0), whose target columns hold 0 at the level. A known future
    (a holiday, a price) thus reaches the network, which reads the window
    and then the steps ahead before its output. Returns (n, length +
    horizon, K + Q + 1) float32.
    """
    k = geometry.n_targets
    n, length, width = X.shape
    ahead = np.asarray(future, dtype=np.float64)
    if geometry.exog_offset is not None:
        ahead = ahead - geometry.exog_offset
    out = np.zeros((n, length + ahead.shape[1], width + 1), dtype=np.float32)
    out[:, :length, :width] = X
    # Rows that pad a short context at its start stay NaN throughout.
    out[:, :length, width] = np.where(np.isnan(X).all(axis=2), np.nan, 0.0)
    out[:, length:, k:width] = ahead
    out[:, length:, width] = 1.0
    return out


def network_inputs(windows, scale, geometry, n_steps, effect=None, ahead=None):
    """What the network reads for raw ``windows`` (n, length, K + Q), and
    the anchors (n, n_steps, K) its outputs are changes from.

    The one path of training and forecasting: the linear ``effect`` of X
    (:func:`without_exog_effect`) comes out of the windows, which are then
    normalised (:func:`normalise`, ``scale`` (K,) or (n, K)) and anchored
    (:func:`anchors`). With ``geometry.future_exog``, the exogenous rows
    ``ahead`` (n, n_steps, Q) follow each window (:func:`with_future_exog`)
    and their effect joins the anchors.
    """
    residual = without_exog_effect(windows, effect, geometry)
    X, level = normalise(residual, scale, geometry)
    anchor = anchors(residual, level, geometry, n_steps)
    if geometry.future_exog:
        X = with_future_exog(X, ahead, geometry)
        anchor = anchor + _exog_effect_ahead(ahead, effect)
    return X, anchor


def anchors(windows, level, geometry, n_steps):
    """What each forecast step is expressed relative to, (n, n_steps, K).

    Without a seasonal cycle (``level_span`` 1), the level of the window,
    its last value. With ``geometry.seasonal_anchor``, the level (the mean
    of the last cycle) plus the seasonal profile of the step's phase: the
    deviation from its cycle's mean, averaged over the whole cycles of the
    window. A network output of zero then forecasts the recent seasonal
    pattern around the current level, and the network learns only how the
    coming steps differ from it (trend, changes of the pattern). Averaging
    over cycles keeps the noise of a single observation out of the anchor.
    A missing value (a window padded at the start) falls back to the level.
    """
    k, span = geometry.n_targets, geometry.level_span
    if not geometry.seasonal_anchor or span == 1:
        return np.repeat(level[:, None], n_steps, axis=1)
    cycles = windows.shape[1] // span
    last = np.asarray(windows[:, -cycles * span :, :k], dtype=np.float64)
    last = last.reshape(len(last), cycles, span, k)
    with warnings.catch_warnings():
        # All-NaN cycles of padded windows: handled below.
        warnings.simplefilter("ignore", RuntimeWarning)
        profile = np.nanmean(last - np.nanmean(last, axis=2, keepdims=True), axis=1)
    out = level[:, None] + profile[:, np.arange(n_steps) % span]
    return np.where(np.isnan(out), level[:, None], out)


def training_set(values, scales, geometry, ends=None, effects=None):
    """Windows of every series up to its end, normalised, oldest first.

    ``values`` holds per series its float64 rows (T_i, K + Q), ``scales``
    its (K,) scale, ``ends`` optionally the number of rows to use,
    ``effects`` optionally its (Q, K) linear effect of X
    (:func:`fit_exog_effect`). Series too short for one window are
    skipped; None when no series has one.
    """
    k, length, horizon = geometry.n_targets, geometry.length, geometry.horizon
    ends = [None] * len(values) if ends is None else ends
    effects = [None] * len(values) if effects is None else effects
    parts, ages = [], []
    for full, scale, end, effect in zip(values, scales, ends, effects, strict=True):
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
        ahead = None
        if geometry.future_exog:
            # The exogenous rows of window i's targets: rows i + length to
            # i + length + horizon - 1.
            ahead = np.lib.stride_tricks.sliding_window_view(
                rows[length:, k:], horizon, axis=0
            ).transpose(0, 2, 1)
        X, anchor = network_inputs(X, scale, geometry, horizon, effect, ahead)
        y = in_units(y.reshape(len(y), horizon, k) - anchor, scale)
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

    ``LSTMRegressor`` with the forecaster's own architecture
    (``_ARCHITECTURE``: no convolutional stem, the last hidden state read
    out), and a batch size and a number of epochs that spend about
    ``_STEP_BUDGET`` gradient steps, whatever the number of windows, at the
    learning rate ``_LEARNING_RATE``.
    """
    batch = min(_MAX_BATCH, max(_MIN_BATCH, n_windows // 32))
    per_epoch = math.ceil(n_windows / batch)
    epochs = min(_MAX_EPOCHS, max(_MIN_EPOCHS, _STEP_BUDGET // per_epoch))
    return LSTMRegressor(
        batch_size=batch,
        max_iter=epochs,
        learning_rate_init=_LEARNING_RATE,
        **_ARCHITECTURE,
    )


def new_regressors(estimator, n_windows, random_state, n_estimators, geometry):
    """``n_estimators`` fresh regressors, clones of ``estimator`` or the
    default one, each with its own seed.

    The seeds are drawn from ``random_state``, or, when it is None, from the
    ``random_state`` of ``estimator``: a fixed seed gives the same members
    on every fit, and members never share a seed (a shared seed would train
    the same network n times). A direct model that reads future X reads
    each step's outputs at that step's row ahead (:func:`read_ahead`).
    """
    template = default_regressor(n_windows) if estimator is None else estimator
    if random_state is None:
        random_state = template.get_params()["random_state"]
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=n_estimators)
    return [
        clone(template).set_params(
            random_state=int(s), **read_ahead(geometry, template)
        )
        for s in seeds
    ]


def read_ahead(geometry, template):
    """Regressor parameters for windows followed by rows ahead (none else).

    With ``geometry.future_exog``, the direct model's forecast ``h`` steps
    ahead is read from the network's output at the row of step ``h``, where
    it has just read that step's exogenous values (``readout=horizon``),
    not from its last state, which would have to remember them all: on
    ``benchmarks/exogenous.py``'s promotions, the last state forecast no
    better than X read up to the origin. The rows are read one per step
    (``patch_size=1``) and never cropped away (``random_crop=1.0``). A
    network of the user's own (``module``) reads what it chooses.
    """
    if not geometry.future_exog or geometry.horizon == 1 or template.module:
        return {}
    return {"readout": geometry.horizon, "patch_size": 1, "random_crop": 1.0}


def predict_mean(regressors, X):
    """The members' predictions for ``X``, averaged.

    Averaging networks trained from different seeds keeps the forecast from
    depending on one seed's initialisation and shuffling: see
    ``RNNForecaster``'s ``n_estimators``. ``X`` is validated once for all
    of them (they share its features): a recursive forecast predicts at
    every step, and validating per network cost 7 % of its time (airline,
    36 steps, 3 networks).
    """
    first = regressors[0]
    sequences = check_sequences(X, estimator=first, n_features=first.n_features_in_)

    def predict(regressor):
        if type(regressor).predict is not LSTMRegressor.predict:
            return regressor.predict(X)  # a subclass's own predict
        return regressor._unscaled(regressor._forward(X, sequences))

    return np.mean([predict(r) for r in regressors], axis=0)


def fit_regressor(regressor, data, *, warm_start=False, max_iter=None):
    """Fit ``regressor`` on a :class:`TrainingSet`.

    ``warm_start`` continues from the current weights and ``max_iter``
    overrides the epochs, for this fit only: the regressor's parameters are
    restored afterwards. Returns whether ``max_iter`` ended training (its
    ConvergenceWarning is caught here, so that the forecaster can warn once
    in its own name). Other warnings pass through.
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
    return unconverged


def last_rows(values, length):
    """The last ``length`` rows, padded at the start with NaN rows if short."""
    values = np.asarray(values, dtype=np.float64)[-length:]
    if len(values) < length:
        pad = np.full((length - len(values), values.shape[1]), np.nan)
        values = np.vstack([pad, values])
    return values


def forecast(
    regressors,
    contexts,
    scales,
    geometry,
    n_steps,
    *,
    future_x=None,
    floor=None,
    weight=None,
    effects=None,
):
    """Forecast ``n_steps`` ahead of each context, in original units.

    ``regressors`` are fitted members whose outputs are averaged
    (:func:`predict_mean`). ``contexts`` holds (T_i, K + Q) float64 histories whose last
    ``geometry.length`` rows are read, ``scales`` the (n, K) scales of their
    series. A direct model (``geometry.horizon > 1`` or ``n_steps == 1``)
    outputs all steps at once; a one-step model (``geometry.horizon == 1``)
    forecasts recursively, appending each forecast, and ``future_x`` then
    gives the (n, >= n_steps, Q) exogenous rows after each context.
    ``floor`` (K,) optionally bounds forecasts from below (NaN: unbounded),
    also inside the recursion. With ``geometry.future_exog``, ``future_x``
    is needed by the direct model too, with at least ``geometry.horizon``
    rows; ``effects`` (n, Q, K) are then the linear effects of X of the
    contexts' series (:func:`fit_exog_effect`), added to the anchor.
    ``weight`` (K,) optionally scales the network's output, the change it
    forecasts from the anchor (see :func:`anchors`): 0 forecasts the anchor
    alone. Returns (n, n_steps, K) float64.
    """
    weight = 1.0 if weight is None else np.asarray(weight, dtype=np.float64)
    k, n = geometry.n_targets, len(contexts)
    windows = np.stack([last_rows(c, geometry.length) for c in contexts])
    if geometry.future_exog and future_x is None:
        raise ValueError("Forecasts that read future X need future_x.")
    if geometry.horizon >= n_steps:
        ahead = future_x[:, : geometry.horizon] if geometry.future_exog else None
        X, anchor = network_inputs(
            windows, scales, geometry, geometry.horizon, effects, ahead
        )
        out = predict_mean(regressors, X).reshape(n, geometry.horizon, k) * weight
        out = out * damping_factors(geometry.damping, geometry.horizon)[:, None]
        return _floor((anchor + out * scales[:, None])[:, :n_steps], floor)
    if geometry.horizon != 1:
        raise ValueError(
            f"A direct model of horizon {geometry.horizon} cannot forecast "
            f"{n_steps} steps ahead."
        )
    forecasts = []
    for step in range(n_steps):
        ahead = future_x[:, step : step + 1] if geometry.future_exog else None
        X, anchor = network_inputs(windows, scales, geometry, 1, effects, ahead)
        anchor = anchor[:, 0]
        out = predict_mean(regressors, X).reshape(n, k) * weight
        out = out * geometry.damping ** (step + 1)
        value = _floor(anchor + out * scales, floor)
        forecasts.append(value)
        row = value if future_x is None else np.hstack([value, future_x[:, step]])
        windows = np.concatenate([windows[:, 1:], row[:, None]], axis=1)
    return np.stack(forecasts, axis=1)


def damping_factors(phi, horizon):
    """Share of the change ``h`` steps ahead kept by a damped trend, (horizon,).

    A trend ``b`` per step adds ``b * h`` by step ``h``; damped by ``phi``, as
    in damped-trend exponential smoothing, it adds ``b * (phi + ... + phi**h)``.
    The direct model's change at step ``h`` is scaled by the ratio of the two.
    """
    h = np.arange(1, horizon + 1, dtype=np.float64)
    if phi >= 1.0:
        return np.ones(horizon)
    return phi * (1 - phi**h) / (1 - phi) / h


def _floor(values, floor):
    if floor is None:
        return values
    return np.where(np.isnan(floor), values, np.maximum(values, floor))
