"""RNNForecaster: the sequence regressor behind sktime's forecasting interface."""

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype
from scipy.optimize import nnls
from scipy.stats import norm
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sktime.forecasting.base import BaseForecaster, ForecastingHorizon

from ._lstm import LSTMRegressor
from ._validation import _FLOAT32_MAX
from ._windowing import _is_int, make_windows

# Natural seasonal period of common index frequencies (pandas offset names);
# window_length="auto" looks back three of them.
_SEASONAL_PERIODS = {
    "MonthEnd": 12,
    "MonthBegin": 12,
    "QuarterEnd": 4,
    "QuarterBegin": 4,
    "Week": 52,
    "Day": 7,
    "BusinessDay": 5,
    "Hour": 24,
    "Minute": 60,
}
_DEFAULT_WINDOW = 24


@dataclass
class _Series:
    """One series of a (possibly panel or hierarchical) y, with its exogenous X."""

    key: tuple
    times: pd.Index  # (T,) time points of the rows
    y: np.ndarray  # (T, K) float64
    X: np.ndarray | None  # (T, Q) float64
    scale: np.ndarray | None = None  # (K,), size of a typical one-step change

    def values(self):
        return self.y if self.X is None else np.hstack([self.y, self.X])


class RNNForecaster(BaseForecaster):
    """Recurrent neural network forecaster for sktime.

    Cuts each series into windows of ``window_length`` steps, expresses every
    window relative to its own last value (its level), and trains an
    :class:`LSTMRegressor` to predict the following steps. Forecasts add the
    predicted changes back to the level of the most recent window, so they
    carry the level and trend of the series forward instead of pulling them
    back to a training mean. Panel and hierarchical ``y`` train one global
    model over all series.

    Parameters
    ----------
    window_length : int or "auto", default="auto"
        Steps of history each forecast reads. "auto" looks back three seasonal
        cycles guessed from the index frequency (36 for monthly data, 21 for
        daily, 72 for hourly, 36 for 2-hourly; 24 without a known frequency),
        capped at half of what the shortest series leaves after the horizon.

    strategy : {"direct", "recursive"}, default="direct"
        "direct": one model outputs the whole horizon at once; the horizon is
        then needed in ``fit``. "recursive": the model predicts one step,
        which is appended to the window to predict the next.

    estimator : LSTMRegressor or None, default=None
        Unfitted regressor to train (it is cloned). None uses
        ``LSTMRegressor()`` with its defaults. Its parameters can be tuned as
        ``estimator__hidden_size`` etc. The default regressor's epoch budget
        (``max_iter=200``) is part of the forecaster's defaults: on short
        series it, rather than a plateau, usually ends training, and the
        :class:`~sklearn.exceptions.ConvergenceWarning` that says so is not
        shown. A regressor passed here warns as it does on its own.

    calibration_fraction : float, default=0.1
        Fraction of the most recent time points of each series held out in a
        first fit, in order to measure out-of-sample forecast errors for
        :meth:`predict_interval` and :meth:`predict_quantiles`. The final
        model is then fitted on all data. 0 skips the first fit (about halving
        fit time) and makes interval predictions unavailable.

    random_state : int, RandomState instance or None, default=None
        If not None, overrides the ``random_state`` of ``estimator``.

    Attributes
    ----------
    window_length_ : int
        Window length used.

    regressor_ : LSTMRegressor
        The regressor fitted on all windows.

    horizon_ : int
        Steps the direct model outputs (1 for the recursive strategy).

    error_variance_ : ndarray of shape (n_columns, 2) or None
        Coefficients ``(a, b)`` of the variance of the forecast error ``h``
        steps ahead, ``a + b * h``, in units of each series' scale squared.
        None without calibration.

    See Also
    --------
    LSTMRegressor : The sequence regressor used inside.
    make_windows : The windowing, as a function.

    Notes
    -----
    Windows are normalised locally: the last observed value of each target
    column is subtracted from the window and from its targets, and the
    difference divided by the series' typical one-step change (standard
    deviation of its first differences). The network therefore learns
    changes relative to the current level, which lets forecasts extrapolate
    level and trend. Exogenous columns are only standardised.

    Prediction intervals are Gaussian around the point forecast, with a
    variance ``a + b * h`` that may grow linearly with the horizon ``h`` (as
    for a random walk, ``b > 0``) or stay constant (``b = 0``). ``a`` and
    ``b`` are fitted to the errors of forecasts made from every origin in the
    held-out tail (``calibration_fraction``) by a model that never saw it;
    horizons longer than the tail are extrapolated from that fit.

    With the direct strategy, exogenous ``X`` is read up to the forecast
    origin; with the recursive strategy, up to each forecast step, so the
    future ``X`` passed to :meth:`predict` is used. It must hold the last
    forecast time point; values missing for earlier steps (``fh=[2, 5]``
    needs steps 1 to 5) are carried forward from the last known ones.
    Columns of ``y`` and ``X`` are matched by name.

    Each series of a panel is forecast from its own last observation, so
    series may end at different times. :meth:`update` matches observations
    by time point: known time points are revised, new ones must continue
    each series without a gap.

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from sklearn_rnn import LSTMRegressor, RNNForecaster
    >>> y = load_airline()
    >>> forecaster = RNNForecaster(
    ...     estimator=LSTMRegressor(hidden_size=16, max_iter=20), random_state=0
    ... )
    >>> forecaster.fit(y, fh=[1, 2, 3])
    RNNForecaster(...)
    >>> forecaster.predict().shape
    (3,)
    >>> forecaster.predict_interval(coverage=0.9).shape
    (3, 2)
    """

    _tags = {
        "authors": ["sklearn_rnn developers"],
        "python_dependencies": ["torch", "skorch"],
        "capability:multivariate": True,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:missing_values": False,
        "capability:update": True,
        "capability:random_state": True,
        "y_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "X_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "requires-fh-in-fit": True,
        "X-y-must-have-same-index": True,
    }

    # The forecaster keeps the history it needs itself (see _update), so
    # sktime's base class need not store a second copy of y and X.
    _config = {"remember_data": False}

    def __init__(
        self,
        window_length="auto",
        strategy="direct",
        estimator=None,
        calibration_fraction=0.1,
        random_state=None,
    ):
        self.window_length = window_length
        self.strategy = strategy
        self.estimator = estimator
        self.calibration_fraction = calibration_fraction
        self.random_state = random_state
        super().__init__()
        self.set_tags(**{"requires-fh-in-fit": strategy == "direct"})
        # The base class only creates these when remember_data is on; users
        # may switch it on with set_config.
        self._y = self._X = None

    # -- fit -----------------------------------------------------------------

    def _fit(self, y, X, fh):
        self._check_params()
        self._columns = y.columns
        self._exog_columns = None if X is None else X.columns
        self._index_names = list(y.index.names)
        self._n_exog = 0 if X is None else X.shape[1]
        series = self._split_series(y, X)
        _check_regular_times(series)
        self.horizon_ = self._fit_horizon(fh, series)
        self.window_length_ = self._resolve_window_length(y, series)
        for s in series:
            s.scale = _step_scale(s.y)
        self.error_variance_ = None
        if self.calibration_fraction > 0:
            self.error_variance_ = self._calibrate(series)
        self.regressor_ = self._fit_regressor(series)
        self._series = series
        return self

    def _check_params(self):
        if self.strategy not in ("direct", "recursive"):
            raise ValueError(
                f"strategy must be 'direct' or 'recursive', got {self.strategy!r}."
            )
        if not 0 <= self.calibration_fraction < 1:
            raise ValueError(
                "calibration_fraction must be in [0, 1), got "
                f"{self.calibration_fraction!r}."
            )
        wl = self.window_length
        if wl != "auto" and not (_is_int(wl) and wl >= 1):
            raise ValueError(
                f"window_length must be an int >= 1 or 'auto', got {wl!r}."
            )
        if self.estimator is not None and not isinstance(self.estimator, LSTMRegressor):
            raise TypeError(
                "estimator must be an LSTMRegressor or None, got "
                f"{type(self.estimator).__name__}."
            )

    def _fit_horizon(self, fh, series):
        if self.strategy == "recursive":
            return 1
        # An absolute fh is further ahead of series that end earlier.
        return max(int(_steps(fh, self._series_cutoff(s)).max()) for s in series)

    def _resolve_window_length(self, y, series):
        shortest = min(len(s.y) for s in series)
        room = shortest - self.horizon_
        if self.window_length != "auto":
            length = int(self.window_length)
        else:
            period = _seasonal_period(getattr(_time_index(y), "freq", None))
            length = 3 * period if period else _DEFAULT_WINDOW
            length = max(1, min(length, room // 2))
        if room < length:
            raise ValueError(
                f"The shortest series has {shortest} observations, too few for "
                f"window_length={length} and a horizon of {self.horizon_}: at "
                f"least {length + self.horizon_} are needed. Use a shorter "
                "window_length or horizon."
            )
        return length

    def _new_regressor(self):
        regressor = clone(self.estimator) if self.estimator else LSTMRegressor()
        if self.random_state is not None:
            regressor.set_params(random_state=self.random_state)
        return regressor

    def _fit_regressor(self, series, ends=None):
        """Fit a fresh regressor on the windows of ``series[i][:ends[i]]``."""
        X, y, _ = self._training_windows(series, ends)
        with warnings.catch_warnings():
            if self.estimator is None:  # see the docstring of ``estimator``
                warnings.simplefilter("ignore", ConvergenceWarning)
            return self._new_regressor().fit(X, y)

    def _training_windows(self, series, ends=None):
        """Normalised windows of all series, oldest first, and their targets.

        ``ends`` optionally gives, per series, the number of rows to use.
        Also returns each window's age: the steps between its last target
        and the end of its series.
        """
        length, horizon = self.window_length_, self.horizon_
        k = len(self._columns)
        ends = [None] * len(series) if ends is None else ends
        parts, ages = [], []
        for s, end in zip(series, ends, strict=True):
            full = s.values()
            values = full[:end]
            if len(values) < length + horizon:
                continue
            X, y = make_windows(
                values, length, range(1, horizon + 1), target=list(range(k))
            )
            y = y.reshape(len(y), horizon, k)
            level = X[:, -1, :k]
            X = self._normalise(X, level, s.scale)
            y = (y - level[:, None]) / s.scale
            parts.append((X, y.reshape(len(y), -1)))
            # Steps between each window's last target and the series end.
            ages.append(np.arange(len(X))[::-1] + (len(full) - len(values)))
        if not parts:
            raise ValueError(self._too_short_message(series, ends))
        # Oldest windows first: the regressor's early stopping holds out the
        # last samples, which must be the most recent windows of every series.
        ages = np.concatenate(ages)
        order = np.argsort(-ages, kind="stable")
        X = np.concatenate([p[0] for p in parts])[order]
        y = np.concatenate([p[1] for p in parts])[order]
        return X, y, ages[order]

    def _too_short_message(self, series, ends):
        needed = self.window_length_ + self.horizon_
        longest = max(len(s.y) for s in series)
        message = (
            f"No series is long enough for one training window: window_length="
            f"{self.window_length_} and a horizon of {self.horizon_} need "
            f"{needed} observations"
        )
        if ends[0] is None:
            return f"{message}; the longest series has {longest}."
        kept = max(min(end, len(s.y)) for s, end in zip(series, ends, strict=True))
        return (
            f"{message}, but calibration_fraction={self.calibration_fraction} "
            f"holds out the last observations of each series for the interval "
            f"calibration fit, leaving at most {kept}. Use a smaller "
            "calibration_fraction (0 disables prediction intervals), a shorter "
            "window_length or horizon, or longer series."
        )

    def _normalise(self, windows, level, scale):
        """Express the target columns of windows relative to their level.

        ``level`` is (n_windows, K); ``scale`` is (K,) or (n_windows, K).
        """
        k = len(self._columns)
        scale = scale[:, None] if np.ndim(scale) == 2 else scale
        out = np.array(windows, dtype=np.float32)
        out[..., :k] = (out[..., :k] - level[:, None]) / scale
        return out

    def _calibrate(self, series):
        """Fit on all but the tail, then measure errors from each tail origin.

        The tail is the last ``calibration_fraction`` of each series' own
        observations. Returns the coefficients of the error variance model
        (see :func:`_variance_model`).
        """
        tails = [
            max(1, math.ceil(self.calibration_fraction * len(s.y))) for s in series
        ]
        ends = [len(s.y) - tail for s, tail in zip(series, tails, strict=True)]
        regressor = self._fit_regressor(series, ends)
        n_steps = self._calibration_steps(max(tails))
        contexts, scales, future_x, truth = [], [], [], []
        for s, end in zip(series, ends, strict=True):
            values = s.values()
            for origin in range(max(end, 1) - 1, len(s.y) - 1):
                start = max(0, origin + 1 - self.window_length_)
                contexts.append(values[start : origin + 1])
                scales.append(s.scale)
                truth.append(_pad_rows(s.y[origin + 1 : origin + 1 + n_steps], n_steps))
                if s.X is not None:
                    future_x.append(_pad_rows(s.X[origin + 1 :], n_steps, edge=True))
        future_x = np.stack(future_x) if future_x else None
        scales = np.stack(scales)
        forecast = self._forecast(regressor, contexts, scales, future_x, n_steps)
        errors = (np.stack(truth) - forecast) / scales[:, None]
        return _variance_model(errors)

    def _calibration_steps(self, tail):
        """How far ahead calibration forecasts reach."""
        if self.strategy == "direct":
            return min(self.horizon_, tail)
        wanted = 24 if self._fh is None else int(_steps(self._fh, self.cutoff).max())
        return min(wanted, tail)

    # -- predict ---------------------------------------------------------------

    def _forecast(self, regressor, contexts, scale, future_x, n_steps):
        """Forecast ``n_steps`` ahead of each context, in original units.

        ``contexts`` holds (T_i, K + Q) histories whose last ``window_length_``
        rows are read, ``scale`` the (n_contexts, K) scales of their series and
        ``future_x`` the (n_contexts, >= n_steps, Q) exogenous rows after each
        context (recursive strategy only). Returns (n_contexts, n_steps, K).
        """
        k, n = len(self._columns), len(contexts)
        windows = np.stack([_last_rows(c, self.window_length_) for c in contexts])
        if self.strategy == "direct":
            level = windows[:, -1, :k]
            out = regressor.predict(self._normalise(windows, level, scale))
            out = out.reshape(n, self.horizon_, k)[:, :n_steps]
            return level[:, None] + out * scale[:, None]
        forecasts = []
        for step in range(n_steps):
            level = windows[:, -1, :k]
            out = regressor.predict(self._normalise(windows, level, scale))
            value = level + out.reshape(n, k) * scale
            forecasts.append(value)
            row = value if future_x is None else np.hstack([value, future_x[:, step]])
            windows = np.concatenate([windows[:, 1:], row[:, None]], axis=1)
        return np.stack(forecasts, axis=1)

    def _predict(self, fh, X):
        return self._frame(*self._point_forecast(fh, X))

    def _point_forecast(self, fh, X):
        """Forecasts of each series at its steps of ``fh``, and the plans."""
        plans = self._plans(fh)
        n_steps = max(int(steps.max()) for steps, _ in plans)
        future_x = self._future_exog(X, plans, n_steps)
        contexts = [s.values() for s in self._series]
        scale = np.stack([s.scale for s in self._series])
        forecast = self._forecast(self.regressor_, contexts, scale, future_x, n_steps)
        values = [f[steps - 1] for f, (steps, _) in zip(forecast, plans, strict=True)]
        return values, plans

    def _plans(self, fh):
        """Per series, the steps ahead of its own end and their time points.

        The series of a panel may end at different times: each is forecast
        from its own last observation, and a relative ``fh`` counts from it.
        sktime has checked ``fh`` against the latest end of all series (and,
        for the direct strategy, that it is the ``fh`` of fit), so every
        step is at least 1 and within ``horizon_``.
        """
        plans = []
        for s in self._series:
            cutoff = self._series_cutoff(s)
            plans.append((_steps(fh, cutoff), fh.to_absolute_index(cutoff)))
        return plans

    def _series_cutoff(self, s):
        """The last time point of one series, with the index frequency."""
        last = s.times[-1:]
        freq = getattr(self.cutoff, "freq", None)
        if isinstance(last, pd.DatetimeIndex) and freq is not None:
            last = pd.DatetimeIndex(last, freq=freq)
        return last

    def _future_exog(self, X, plans, n_steps):
        """Exogenous rows for steps 1..n_steps of each series (recursive only)."""
        if self._n_exog == 0 or self.strategy == "direct":
            return None
        if X is None:
            raise ValueError(
                "This forecaster was fitted with exogenous X; the recursive "
                "strategy needs X for every step up to the horizon in predict."
            )
        X = _select_columns(X, self._exog_columns, "X")
        rows = []
        for s, (steps, _) in zip(self._series, plans, strict=True):
            frame = X.loc[s.key] if s.key else X
            ahead = ForecastingHorizon(range(1, n_steps + 1), is_relative=True)
            times = ahead.to_absolute_index(self._series_cutoff(s))
            known = frame.reindex(times).to_numpy(dtype=np.float64)
            last = int(steps.max())
            if np.isnan(known[last - 1]).any():
                name = f"series {s.key}" if s.key else "the series"
                raise ValueError(
                    f"X passed to predict has no values at {times[last - 1]}, the "
                    f"last forecast time of {name}; the recursive strategy needs "
                    "the exogenous values of every forecast step."
                )
            # Steps between those given (e.g. fh=[2, 5]) carry the last known
            # exogenous values forward, starting from the last observed row.
            known = np.vstack([s.X[-1:], known])
            rows.append(pd.DataFrame(known).ffill().to_numpy()[1:])
        return np.stack(rows)

    def _frame(self, values, plans):
        """Per series (n_steps, K) forecasts as sktime's output frame."""
        keys = [s.key for s in self._series]
        if keys == [()]:
            return pd.DataFrame(values[0], index=plans[0][1], columns=self._columns)
        index = pd.MultiIndex.from_tuples(
            [
                (*key, t)
                for key, (_, times) in zip(keys, plans, strict=True)
                for t in times
            ],
            names=self._index_names,
        )
        return pd.DataFrame(np.concatenate(values), index=index, columns=self._columns)

    def _predict_quantiles(self, fh, X, alpha):
        if self.error_variance_ is None:
            raise ValueError(
                "Prediction intervals need calibration_fraction > 0 at fit time."
            )
        values, plans = self._point_forecast(fh, X)
        point = self._frame(values, plans)
        steps = np.concatenate([steps for steps, _ in plans])
        scale = np.concatenate(
            [
                np.repeat(s.scale[None], len(st), axis=0)
                for s, (st, _) in zip(self._series, plans, strict=True)
            ]
        )
        a, b = self.error_variance_.T
        std = np.sqrt(a + b * steps[:, None]) * scale
        columns = pd.MultiIndex.from_product([self._columns, alpha])
        out = pd.DataFrame(index=point.index, columns=columns, dtype=float)
        for q in alpha:
            bound = point.to_numpy() + norm.ppf(q) * std
            for j, column in enumerate(self._columns):
                out[(column, q)] = bound[:, j]
        return out

    # -- update ------------------------------------------------------------------

    def _update(self, y, X=None, update_params=True):
        if self._n_exog and X is None:
            raise ValueError(
                "This forecaster was fitted with exogenous X; update needs X "
                "for the new observations of y."
            )
        fitted_type = type(self._series[0].times)
        if not isinstance(_time_index(y), fitted_type):
            raise ValueError(
                f"update received y with a {type(_time_index(y)).__name__}, but "
                f"the forecaster was fitted with a {fitted_type.__name__}: time "
                "points of different index types cannot be matched. Convert "
                "the index first (for instance with y.to_period() or "
                "y.to_timestamp())."
            )
        new = {s.key: s for s in self._split_series(y, X)}
        unknown = set(new) - {s.key for s in self._series}
        if unknown:
            raise ValueError(
                f"update received series {sorted(unknown)} that fit did not see."
            )
        for s in self._series:
            if s.key in new:
                self._merge(s, new[s.key])
        if update_params:
            # Continue training from the current weights on all windows.
            X_w, y_w, _ = self._training_windows(self._series)
            self.regressor_.set_params(warm_start=True).fit(X_w, y_w)
        return self

    def _merge(self, s, new):
        """Add the observations of ``new`` to series ``s``, aligned by time.

        Observations at known time points replace the stored ones (revised
        data); later ones must continue the series without a gap.
        """
        later = new.times[new.times > s.times[-1]]
        if len(later):
            expected = ForecastingHorizon([1], is_relative=True).to_absolute_index(
                self._series_cutoff(s)
            )[0]
            if later[0] != expected:
                name = f"series {s.key}" if s.key else "the series"
                raise ValueError(
                    f"The data passed to update leave a gap: {name} ends at "
                    f"{s.times[-1]}, the new observations start at {later[0]} "
                    f"instead of {expected}."
                )
        old = pd.DataFrame(s.values(), index=s.times)
        merged = pd.DataFrame(new.values(), index=new.times).combine_first(old)
        values = merged.to_numpy(dtype=np.float64)
        k = len(self._columns)
        s.times, s.y = merged.index, values[:, :k]
        s.X = values[:, k:] if s.X is not None else None

    def _split_series(self, y, X):
        """Split inner-mtype frames into one :class:`_Series` per instance.

        Columns are matched by name to those seen in fit, and ``X`` is read
        at the time points of ``y`` (sktime lets ``X`` cover more).
        """
        y = _check_values(_select_columns(y, self._columns, "y"), "y")
        if self._exog_columns is None:
            X = None  # fitted without X: the model has no use for it
        elif X is not None:
            X = _check_values(_select_columns(X, self._exog_columns, "X"), "X")
        if not isinstance(y.index, pd.MultiIndex):
            x = None if X is None else X.loc[y.index].to_numpy(dtype=np.float64)
            return [_Series((), y.index, y.to_numpy(dtype=np.float64), x)]
        levels = list(range(y.index.nlevels - 1))
        series = []
        for key, frame in y.groupby(level=levels, sort=False):
            key = key if isinstance(key, tuple) else (key,)
            times = frame.index.get_level_values(-1)
            x = None
            if X is not None:
                x = X.loc[key].loc[times].to_numpy(dtype=np.float64)
            series.append(_Series(key, times, frame.to_numpy(dtype=np.float64), x))
        return series

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for sktime's estimator checks.

        Parameters
        ----------
        parameter_set : str, default="default"
            Name of the set of test parameters; every name gets the same
            sets.

        Returns
        -------
        params : list of dict
            Parameters of one tiny direct and one tiny recursive forecaster,
            each a valid argument for ``RNNForecaster(**params)``.
        """
        fast = LSTMRegressor(hidden_size=4, max_iter=2, random_state=0, device="cpu")
        return [
            {"window_length": 3, "estimator": fast},
            {"window_length": 2, "strategy": "recursive", "estimator": fast},
        ]


def _select_columns(frame, columns, name):
    """``frame`` with the columns seen in fit, in their order.

    A single column is matched by position: sktime names the column of a
    Series after it, and names may differ between calls.
    """
    if len(columns) == 1 and frame.shape[1] == 1:
        return frame.set_axis(columns, axis=1)
    if set(frame.columns) != set(columns) or frame.shape[1] != len(columns):
        raise ValueError(
            f"{name} must have the columns seen in fit, {list(columns)}; got "
            f"{list(frame.columns)}."
        )
    return frame[columns]


def _check_values(frame, name):
    """``frame`` if numeric, finite and within float32's range; else raise.

    The network computes in float32; the error names the column and the time
    point, which later errors (about windows) could not.
    """
    bad = [c for c, dtype in frame.dtypes.items() if not is_numeric_dtype(dtype)]
    if bad:
        raise ValueError(
            f"{name} must be numeric, but its column(s) {bad} are not (dtype "
            f"{frame[bad[0]].dtype}). Encode them as numbers (for instance "
            "one-hot with pd.get_dummies) or drop them."
        )
    values = frame.to_numpy(dtype=np.float64)
    invalid = ~(np.abs(values) <= _FLOAT32_MAX)  # also NaN
    if invalid.any():
        i, j = np.argwhere(invalid)[0]
        value = values[i, j]
        what = "NaN" if np.isnan(value) else f"the value {value:.4g}"
        raise ValueError(
            f"{name} contains {what} in column {frame.columns[j]!r} at time "
            f"point {frame.index[i]}. The forecaster needs finite values within "
            f"the range of float32 (+-{_FLOAT32_MAX:.4g}), the precision of the "
            f"network: impute missing values and rescale {name} if needed."
        )
    return frame


def _check_regular_times(series):
    """Raise unless each series' DatetimeIndex is unique and regular.

    sktime infers the frequency that horizons count in from the index;
    without one, fit would succeed and predict fail.
    """
    for s in series:
        times = s.times
        if not isinstance(times, pd.DatetimeIndex):
            continue
        name = f" (series {s.key})" if s.key else ""
        duplicated = times.duplicated()
        if duplicated.any():
            raise ValueError(
                f"y has the time point {times[duplicated][0]} more than once"
                f"{name}. Each time point must appear once: aggregate the "
                "duplicates first (for instance y.groupby(level=-1).mean())."
            )
        if times.freq is None and len(times) >= 3 and pd.infer_freq(times) is None:
            steps = np.diff(times.asi8)
            k = int(np.argmax(steps != steps[0]))
            raise ValueError(
                f"The DatetimeIndex of y{name} is irregular: it steps from "
                f"{times[k]} to {times[k + 1]} after steps of "
                f"{times[1] - times[0]}, so forecasting horizons (which count "
                "steps of one frequency) are undefined. Resample y to a regular "
                "frequency first (for instance y.resample('D').mean())."
            )


def _seasonal_period(freq):
    """Steps per natural cycle of an index frequency, or None if unknown.

    A multiple of the base unit divides the cycle: 2-hourly data have 12
    steps per day. A multiple that does not divide it (7-hourly) is unknown.
    """
    period = _SEASONAL_PERIODS.get(type(freq).__name__)
    n = getattr(freq, "n", 1)
    if period is None or n < 1 or period % n:
        return None
    return period // n


def _time_index(y):
    index = y.index
    return index.levels[-1] if isinstance(index, pd.MultiIndex) else index


def _steps(fh, cutoff):
    """Steps ahead of the cutoff (sktime rejects in-sample fh for us)."""
    return np.asarray(fh.to_relative(cutoff), dtype=np.int64)


def _step_scale(y):
    """Typical size of a one-step change of each column (never 0).

    A constant column has none: a scale at float32 resolution of its level
    keeps its forecasts constant instead of adding the network's output for
    an all-zero window in the data's units.
    """
    scale = np.std(np.diff(y, axis=0), axis=0) if len(y) > 1 else np.zeros(y.shape[1])
    tiny = np.finfo(np.float32).eps * np.maximum(np.abs(y).max(axis=0), 1.0)
    return np.where(scale > tiny, scale, tiny)


def _last_rows(values, length):
    """The last ``length`` rows, padded at the start with NaN rows if short."""
    values = np.asarray(values, dtype=np.float64)[-length:]
    if len(values) < length:
        pad = np.full((length - len(values), values.shape[1]), np.nan)
        values = np.vstack([pad, values])
    return values


def _variance_model(errors):
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


def _pad_rows(values, n_rows, edge=False):
    """``values`` cut or padded to ``n_rows`` rows (NaN, or the last row)."""
    values = values[:n_rows]
    if len(values) == n_rows:
        return values
    fill = (
        values[-1:] if edge and len(values) else np.full((1, values.shape[1]), np.nan)
    )
    return np.vstack([values, np.repeat(fill, n_rows - len(values), axis=0)])
