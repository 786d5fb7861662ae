"""Prediction intervals: errors measured on a held-out tail, a variance model.

A model trained without the last ``calibration_fraction`` of each series
forecasts that tail from every origin in it; the squared errors, in units of
each series' scale, give the variance of the error ``h`` steps ahead as
``a + b * h``. Intervals are Gaussian around the point forecast.
"""

import math

import numpy as np
from scipy.optimize import nnls
from scipy.stats import norm

from ._reduction import forecast, in_units

# The least-squares weight of a short tail is noisy: it is averaged with 1,
# the weight the network was trained for, with this relative strength: a
# tail where the change neither helps nor hurts (least-squares weight 0)
# halves it, and only a tail where it clearly hurts (least-squares weight
# -1 or less) removes it. On the development pool of
# benchmarks/forecasting.py, 1 kept most of airline's trend, which a flat
# year in its tail contradicts, and still shrank the changes that hurt on
# the short quarterly and monthly series.
_WEIGHT_PRIOR = 1.0


def tail_lengths(lengths, fraction):
    """Rows held out at the end of each series (at least one)."""
    return [max(1, math.ceil(fraction * n)) for n in lengths]


def forecast_errors(
    regressors, series, ends, geometry, n_steps, floor=None, weight=None
):
    """Errors of forecasts from every origin in each series' held-out tail.

    ``regressors`` are the fitted members, averaged as in
    :func:`._reduction.forecast`. ``series`` holds per series ``(values
    (T, K + Q), y (T, K), scale (K,), exogenous (T, Q) or None, linear
    effect of X (Q, K) or None)``;
    ``ends[i]`` is where its tail starts. The first origin is the last row
    before the tail. Returns (n_origins, n_steps, K) errors in units of the
    scales, NaN past the end of a series.
    """
    contexts, scales, future_x, truth, effects = [], [], [], [], []
    # A direct model reading future X reads all of its horizon's rows.
    x_rows = max(n_steps, geometry.horizon)
    for (values, y, scale, x, effect), end in zip(series, ends, strict=True):
        for origin in range(max(end, 1) - 1, len(y) - 1):
            contexts.append(values[: origin + 1])
            scales.append(scale)
            effects.append(effect)
            truth.append(_pad_rows(y[origin + 1 : origin + 1 + n_steps], n_steps))
            if x is not None:
                # Past the end of the series, X is carried forward, as in
                # predict where X does not reach the horizon.
                future_x.append(_pad_rows(x[origin + 1 :], x_rows, edge=True))
    future_x = np.stack(future_x) if future_x else None
    scales = np.stack(scales)
    predicted = forecast(
        regressors,
        contexts,
        scales,
        geometry,
        n_steps,
        future_x=future_x,
        floor=floor,
        weight=weight,
        effects=None if effects[0] is None else np.stack(effects),
    )
    return in_units(np.stack(truth) - predicted, scales[:, None])


def network_weight(errors, anchor_errors):
    """Share of the network's forecast change that the held-out tail supports.

    ``errors`` and ``anchor_errors`` (n_origins, n_steps, K) are the tail
    errors of the forecasts with the network's full output and of the
    anchor alone (weight 0). Forecasts are linear in the weight ``w`` (up to
    the floor), so their errors are ``anchor_errors - w * change``. The
    least-squares ``w``, averaged with 1 (see ``_WEIGHT_PRIOR``) and clipped
    to [0, 1], shrinks a network whose changes did not help out of sample
    towards the anchor. Returns (K,).
    """
    change = anchor_errors - errors
    both = np.isfinite(change) & np.isfinite(anchor_errors)
    change = np.where(both, change, 0.0)
    target = np.where(both, anchor_errors, 0.0)
    num = (change * target).sum(axis=(0, 1))
    den = (change * change).sum(axis=(0, 1))
    ratio = np.divide(num, den, out=np.ones_like(num), where=den > 0)
    return np.clip((ratio + _WEIGHT_PRIOR) / (1 + _WEIGHT_PRIOR), 0.0, 1.0)


def variance_model(errors):
    """Fit ``var(error h steps ahead) = a + b * h`` with ``a, b >= 0``.

    ``errors`` is (n_origins, n_steps, K), NaN where the truth is unknown.
    Least squares on the squared errors; with no growth in the data, b is 0
    and the intervals have constant width, as for a direct model, while
    errors that accumulate (recursive forecasts, random walks) give b > 0.
    Returns an array (K, 2) of (a, b).
    """
    steps = np.broadcast_to(
        np.arange(1, errors.shape[1] + 1)[None, :], errors.shape[:2]
    )
    coef = []
    for k in range(errors.shape[2]):
        known = ~np.isnan(errors[..., k])
        design = np.column_stack([np.ones(known.sum()), steps[known]])
        coef.append(nnls(design, errors[..., k][known] ** 2)[0])
    return np.array(coef)


def error_variance(steps, scale, coef):
    """Variance (n, K) of the forecast errors, in the series' units.

    ``steps`` (n,) are the steps ahead, ``scale`` (n, K) the scales of the
    series, ``coef`` the (K, 2) variance model ``a + b * h`` of the errors in
    scaled units (see :func:`variance_model`).
    """
    return _in_scaled_units(steps, coef) * scale**2


def _in_scaled_units(steps, coef):
    """The variance model ``a + b * h`` at ``steps`` (n,): (n, K), in the
    units of the scaled series."""
    a, b = coef.T
    return a + b * steps[:, None]


def gaussian_bounds(point, steps, scale, coef, alpha, floor=None):
    """Quantiles ``alpha`` of Gaussian errors around ``point``.

    ``point`` is (n, K), ``steps`` (n,) the steps ahead, ``scale`` (n, K),
    ``coef`` the (K, 2) variance model. Returns {quantile: (n, K)} bounds,
    floored like the point forecast where ``floor`` (K,) is not NaN.
    """
    # Not the root of error_variance: the variance of a series in units of
    # 1e-200 underflows to 0, its root need not.
    std = np.sqrt(_in_scaled_units(steps, coef)) * scale
    bounds = {}
    for q in alpha:
        bound = point + norm.ppf(q) * std
        if floor is not None:
            bound = np.where(np.isnan(floor), bound, np.maximum(bound, floor))
        bounds[q] = bound
    return bounds


def _pad_rows(values, n_rows, edge=False):
    """``values`` cut or padded to ``n_rows`` rows (NaN, or the last row)."""
    values = values[:n_rows]
    if len(values) == n_rows:
        return values
    fill = (
        values[-1:] if edge and len(values) else np.full((1, values.shape[1]), np.nan)
    )
    return np.vstack([values, np.repeat(fill, n_rows - len(values), axis=0)])
