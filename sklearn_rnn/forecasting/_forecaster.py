"""RNNForecaster: the sktime adapter.

Frames in and out, the series and their bookkeeping (time points, columns,
update), and sktime's methods. The reduction to sequence regression lives in
:mod:`._reduction`, the prediction intervals in :mod:`._calibration`.
"""

import contextlib
import copy
import math
import warnings
from dataclasses import dataclass, replace
from numbers import Integral, Real

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype
from pandas.tseries.frequencies import to_offset
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sktime.forecasting.base import BaseForecaster, ForecastingHorizon
from sktime.utils.validation.forecasting import check_fh

from .._base import _reject_booleans
from .._lstm import LSTMRegressor
from .._validation import _FLOAT32_MAX, caller_stacklevel
from ._calibration import (
    error_variance,
    forecast_errors,
    gaussian_bounds,
    network_weight,
    tail_lengths,
    variance_model,
)
from ._reduction import (
    _DAMPING,
    Geometry,
    auto_window_length,
    fit_exog_effect,
    fit_regressor,
    forecast,
    new_regressors,
    seasonal_period,
    step_scale,
    training_set,
)

# After the calibration fit, training continues on all windows (the newest
# included) for this share of the epochs already run, at least this many.
_REFIT_SHARE = 0.25
_MIN_REFIT_EPOCHS = 5
# The recursive strategy needs no horizon in fit; its intervals are
# calibrated this many steps ahead (at most the held-out tail), or as far
# as fit's fh reaches if further: the variance model tells errors that grow
# with the horizon from a constant level only over several steps.
_RECURSIVE_CALIBRATION_STEPS = 24


class RNNForecaster(BaseForecaster):
    """Recurrent neural network forecaster for sktime.

    Cuts each series into windows of ``window_length`` steps, expresses every
    window relative to its own level (the mean of its last seasonal cycle,
    or its last value without a known cycle), and trains
    :class:`LSTMRegressor` networks (``n_estimators``, from different seeds)
    to predict the following steps. Forecasts add their averaged predicted
    changes back to the level of the most recent window, so they
    carry the level and trend of the series forward instead of pulling them
    back to a training mean. Panel and hierarchical ``y`` train one global
    model over all series.

    Parameters
    ----------
    window_length : int or "auto", default="auto"
        Steps of history each forecast reads. "auto" looks back three seasonal
        cycles guessed from the index frequency, set or inferred from the
        time points (36 for monthly data, 21 for daily, 72 for hourly, 36
        for 2-hourly; 24 without a known frequency),
        capped at half of what the shortest series leaves after the horizon
        and the calibration tail.

    strategy : {"direct", "recursive"}, default="direct"
        "direct": one model outputs the whole horizon at once; the horizon is
        then needed in ``fit``, and ``predict`` serves any steps within it.
        "recursive": the model predicts one step, which is appended to the
        window to predict the next.

    estimator : LSTMRegressor or None, default=None
        Unfitted regressor to train (it is cloned). The parameters of one
        given here can be tuned as ``estimator__hidden_size`` etc. None uses
        ``LSTMRegressor(conv_channels=None, readout="last", random_crop=1.0,
        instance_norm=False)`` (a plain LSTM reading whole windows, not the
        classification-tuned convolutional stem, pooled read-out and
        per-sequence standardisation of LSTMRegressor's defaults) with a
        budget of about 150 gradient steps instead of up to 400 epochs (the
        batch size grows with
        the number of windows, and the epochs are what the budget leaves,
        between 5 and 200) at a learning rate of 3e-3: fit time then hardly
        grows with the length of the series. This budget, rather than a
        plateau, usually ends training, and is not warned about. A regressor
        passed here that reaches its ``max_iter`` gives one
        :class:`~sklearn.exceptions.ConvergenceWarning` per fit, in the
        forecaster's name.

    n_estimators : int, default=3
        Networks trained on the same windows from different random seeds
        (initial weights and shuffling); forecasts average their outputs,
        so that they depend less on one seed. Over 20 seeds of heartrate
        and austres, the two series of the development pool of
        ``benchmarks/forecasting.py`` that vary most with the seed, the
        worst seed of a 5-seed block reached up to 1.34 times the block's
        mean MASE with one network, 1.27 with three and 1.17 with five (see
        the forecasting guide). Fit time grows in
        proportion: three networks take about two thirds of darts'
        RNNModel's time on airline, five about 1.3 times. 1 trains a single
        network.

    calibration_fraction : float, default=0.1
        Fraction of the most recent time points of each series held out at
        first, in order to measure out-of-sample forecast errors for
        :meth:`predict_interval` and :meth:`predict_quantiles`, and to
        choose ``network_weight_``. Training then continues from the same
        weights on all data, for a quarter of the epochs already run (5 at
        least). 0 trains on all data at once (about 20 % faster), uses the
        network's forecasts unshrunk (``network_weight_`` 1) and makes
        interval predictions unavailable.

    random_state : int, RandomState instance or None, default=None
        Seeds the networks: the seed of each of the ``n_estimators``
        networks is drawn from it (from the ``random_state`` of
        ``estimator`` when None), so that they differ from each other and
        an int gives the same forecasts on every fit.

    X_treatment : {"concurrent", "shifted"}, default="concurrent"
        How exogenous ``X`` informs a forecast (sktime's name for the same
        choice in its reduction forecasters). "concurrent": besides the
        window, the network reads ``X`` at the time points it forecasts, so
        values known in advance (holidays, planned promotions, prices,
        calendar features) inform the steps they belong to; :meth:`predict`
        then needs ``X`` up to the last forecast time. "shifted": ``X`` is
        read up to the forecast origin only, for covariates that are not
        known ahead; the direct strategy then needs no future ``X``. Has no
        effect without ``X``. See the Notes, and the forecasting guide for
        measurements.

    Attributes
    ----------
    window_length_ : int
        Window length used.

    regressors_ : list of LSTMRegressor
        The ``n_estimators`` regressors fitted on all windows, whose
        outputs forecasts average.

    horizon_ : int
        Steps the direct model outputs (1 for the recursive strategy).

    nonnegative_ : ndarray of shape (n_columns,) of bool
        Columns never below zero in the data seen by ``fit`` and ``update``
        (counts, amounts): their forecasts and interval bounds are kept at
        or above zero.

    network_weight_ : ndarray of shape (n_columns,)
        Share, between 0 and 1, of the network's predicted change from the
        anchor (see Notes) that forecasts keep: chosen on the calibration
        tail, 1 without calibration. The linear effect of concurrent ``X``
        is always added in full.

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
    Windows are normalised locally: the level of each target column (the mean
    of the window's last seasonal cycle, guessed from the index frequency, or
    its last value without one) is subtracted from the window, and the
    difference divided by the series' typical one-step change (standard
    deviation of its first differences). Targets are expressed relative to an
    anchor: the level plus the seasonal profile of the window (each phase's
    deviation from its cycle's mean, averaged over the window's cycles), or
    the last value without a known cycle. The network therefore learns how
    the coming steps differ from the recent pattern around the current level,
    which lets forecasts extrapolate level and trend, while a level averaged
    over a cycle is one that a stationary series can revert to. Windows are
    built and the level subtracted in float64, before the cast to the
    network's float32, so that a series far from zero keeps its small
    variations. Exogenous columns are only standardised.

    The model trained before the calibration tail also forecasts the tail
    with and without its predicted change; the least-squares share of the
    change that the tail supports, averaged with 1 (the tail is short) and
    clipped to [0, 1], is ``network_weight_``. Forecasts are the anchor plus
    that share of the change, so a network whose changes did not help out of
    sample is pulled towards the anchor (a seasonal-naive-like forecast).

    Without a known cycle the anchor is the last value, and the network's
    change is an extrapolated trend: it is damped over the horizon as in
    damped-trend exponential smoothing, with ``phi = 0.85``. The change ``h``
    steps ahead is scaled by ``(phi + ... + phi**h) / h`` (direct strategy),
    or each recursive step's change by ``phi**h``, so that a trend adds at
    most about 5.7 steps' worth of change however far ahead. Series with a
    known cycle are not damped: their change holds the deviations from the
    seasonal profile, which do not fade with the horizon.

    Prediction intervals are Gaussian around the point forecast, with a
    variance ``a + b * h`` that may grow linearly with the horizon ``h`` (as
    for a random walk, ``b > 0``) or stay constant (``b = 0``). ``a`` and
    ``b`` are fitted to the errors of forecasts made from every origin in the
    held-out tail (``calibration_fraction``) by the model before it saw the
    tail; horizons longer than the tail are extrapolated from that fit.

    Exogenous columns are extra features of every window. With
    ``X_treatment="concurrent"``, each window is followed by ``horizon_``
    more rows that hold the exogenous values of the steps it forecasts (0
    in the target columns, and a flag that marks them as ahead), so the
    network reads what is known of the future before it forecasts. The
    direct model reads all ``horizon_`` steps ahead, whatever the steps of
    ``fh``, and reads each step's forecast from its output at that step's
    row (for ``horizon_`` > 1 its regressors get ``readout=horizon_``,
    ``patch_size=1`` and ``random_crop=1.0``, whatever ``estimator`` says,
    unless it has a ``module`` of its own; see :class:`LSTMRegressor`'s
    ``readout``). Before that, as in a regression with ARIMA errors, the
    linear effect of ``X`` on ``y`` at the same time (least squares of the
    one-step changes of ``y`` on those of ``X``, centred, for each series,
    each coefficient shrunk towards 0 by ``1 - 1/t**2``, its t statistic)
    is taken out of ``y``,
    so that the windows, their levels and seasonal profiles are free of
    it, and added back to the forecasts; the network learns the rest.
    With ``"shifted"``, the direct strategy reads ``X`` up to the
    forecast origin; the recursive strategy, in both cases, appends each
    forecast step's ``X`` to the window for the next step. ``X`` passed to
    :meth:`predict` must hold the last forecast time point (sktime's
    convention); rows left out for other steps are carried forward from
    the last known ones (NaN in ``X`` is refused).
    Columns of ``y`` and ``X`` are matched by name (a single column of
    ``y``, or one unnamed in ``X``, by position). ``X`` passed to
    :meth:`predict` or :meth:`update` by a forecaster fitted without it is
    ignored, with a warning.

    Each series of a panel is forecast from its own last observation, so
    series may end at different times. :meth:`update` matches observations
    by time point: known time points are revised, new ones must continue
    each series without a gap, and earlier ones are an error.

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
        # GitHub handles, as sktime's registry reads them: the project's
        # organisation (the default maintainers would be sktime's own).
        "authors": ["sklearn-rnn"],
        "maintainers": ["sklearn-rnn"],
        "python_dependencies": ["torch", "skorch"],
        "capability:multivariate": True,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:missing_values": False,
        "capability:update": True,
        "capability:random_state": True,
        # Seeded by random_state; without it, each fit differs.
        "property:randomness": "derandomized",
        # X is read as numbers: sktime refuses categorical columns first.
        "capability:categorical_in_X": False,
        "y_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "X_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "requires-fh-in-fit": True,
        "X-y-must-have-same-index": True,
    }

    # The forecaster keeps the history it needs itself (see _update), so
    # sktime's base class need not store a second copy of y and X.
    _config = {"remember_data": False}

    _parameter_constraints: dict = {
        "window_length": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "strategy": [StrOptions({"direct", "recursive"})],
        "estimator": [LSTMRegressor, None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "calibration_fraction": [Interval(Real, 0, 1, closed="left")],
        "random_state": ["random_state"],
        "X_treatment": [StrOptions({"concurrent", "shifted"})],
    }

    def __init__(
        self,
        window_length="auto",
        strategy="direct",
        estimator=None,
        n_estimators=3,
        calibration_fraction=0.1,
        random_state=None,
        X_treatment="concurrent",
    ):
        self.window_length = window_length
        self.strategy = strategy
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.calibration_fraction = calibration_fraction
        self.X_treatment = X_treatment
        self.random_state = random_state
        super().__init__()
        self.set_tags(
            **{
                "requires-fh-in-fit": strategy == "direct",
                # Intervals come from the calibration fit.
                "capability:pred_int": calibration_fraction != 0,
            }
        )
        # The base class only creates these when remember_data is on; users
        # may switch it on with set_config.
        self._y = self._X = None

    # -- fit -----------------------------------------------------------------

    def _fit(self, y, X, fh):
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        # A bool is an Integral (or a Real) for sklearn's check.
        _reject_booleans(self)
        if y.shape[1] == 0 or len(y) == 0:
            # Else numpy's "zero-size array to reduction" or a message about
            # the windows.
            raise ValueError(
                f"y has {len(y)} observations in {y.shape[1]} columns: "
                "RNNForecaster needs a series with at least one column and "
                "enough observations for its windows and the horizon."
            )
        layout = _Layout(
            columns=y.columns,
            exog_columns=None if X is None else X.columns,
            index_names=list(y.index.names),
        )
        series = [
            _Series(key, times, values, x, scale=step_scale(values))
            for key, times, values, x in _split_frames(y, X, layout)
        ]
        self._time_freq = _check_regular_times(series)
        if self.strategy == "recursive":
            horizon = 1
        else:
            # An absolute fh is further ahead of series that end earlier.
            horizon = max(
                int(_steps(fh, _series_cutoff(s, self._freq())).max()) for s in series
            )
        concurrent = X is not None and self.X_treatment == "concurrent"
        tails = [0] * len(series)
        if self.calibration_fraction > 0:
            tails = tail_lengths([len(s.y) for s in series], self.calibration_fraction)
        length = self._window_length(series, horizon, tails)
        geometry = Geometry(
            length,
            horizon,
            len(layout.columns),
            self._level_span(length),
            # A profile needs a whole cycle in the window: a window shorter
            # than the cycle (very short series) would repeat a part of it.
            seasonal_anchor=length >= (self._period() or length + 1),
            # Without a known cycle the network's change is an extrapolated
            # trend: damp it over the horizon (see _reduction._DAMPING).
            damping=1.0 if self._period() else _DAMPING,
            exog_offset=(
                None
                if X is None
                else np.mean(np.concatenate([s.X for s in series]), axis=0)
            ),
            future_exog=concurrent,
        )
        if concurrent:
            series = [replace(s, effect=s.exog_effect()) for s in series]
        floor = _floor_of(series)
        regressors, error_variance, weight, unconverged = self._train(
            series, geometry, tails, floor, fh
        )
        self._warn_if_unconverged(unconverged)
        self._layout, self._series, self._geometry = layout, series, geometry
        self._floor = floor
        self.window_length_, self.horizon_ = length, horizon
        self.nonnegative_ = ~np.isnan(floor)
        self.error_variance_ = error_variance
        self.network_weight_ = weight
        self.regressors_ = regressors
        return self

    def _warn_if_unconverged(self, unconverged):
        """One ConvergenceWarning per fit or update, in the forecaster's name.

        Only for a regressor the user passed: the default regressor's budget
        is the forecaster's choice (see the docstring of ``estimator``).
        """
        if unconverged and self.estimator is not None:
            warnings.warn(
                f"RNNForecaster: the regressor reached its maximum number of "
                f"epochs (max_iter={self.estimator.max_iter}) before its "
                "monitored loss stopped improving. Consider increasing "
                "estimator__max_iter.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _freq(self):
        """The frequency horizons count in (see ``_check_regular_times``)."""
        # Forecasters pickled before it was stored: the cutoff's.
        return getattr(self, "_time_freq", getattr(self.cutoff, "freq", None))

    def _level_span(self, length):
        """Values averaged into a window's level: one seasonal cycle.

        The mean over a cycle is a level without the season in it, and
        gives the network a level to revert to; without a known cycle, the
        last value, for series that wander like random walks.
        """
        period = self._period()
        return min(length, period) if period else 1

    def _period(self):
        """Steps per seasonal cycle guessed from the index, or None."""
        return seasonal_period(self._freq())

    def _window_length(self, series, horizon, tails):
        shortest = min(len(s.y) for s in series)
        if self.window_length != "auto":
            length = int(self.window_length)
        else:
            period = self._period()
            room = min(len(s.y) - t for s, t in zip(series, tails, strict=True))
            length = auto_window_length(period, room - horizon + 1)
        if shortest - horizon < length:
            short = min(series, key=lambda s: len(s.y))
            named = "" if short.key == () else f" ({_key_label(short.key)!r})"
            given = (
                f"window_length='auto' (here {length})"
                if self.window_length == "auto"
                else f"window_length={length}"
            )
            shorter = "window_length or " if length > 1 else ""
            needed = length + horizon
            if len(series) == 1:
                # Its one series must also hold a window before the
                # calibration tail (of a panel's, one is enough).
                needed = self._with_tail(needed)
            raise ValueError(
                f"The shortest series{named} has {shortest} observations, too "
                f"few for {given} and a horizon of {horizon}: at least "
                f"{needed} are needed. Use a shorter {shorter}horizon, "
                "or a longer series."
            )
        return length

    def _with_tail(self, needed):
        """Observations of a series that keep ``needed`` of them before the
        calibration tail that ``calibration_fraction`` holds out."""
        n = needed
        while (
            self.calibration_fraction
            and n - tail_lengths([n], self.calibration_fraction)[0] < needed
        ):
            n += 1
        return n

    def _train(self, series, geometry, tails, floor, fh):
        """Train the regressors; measure the errors of the calibration tail.

        One training run: the regressors first learn the windows that end
        before each series' held-out tail and forecast that tail (their
        average, as in predict), then each continues, from its weights, on
        all windows for a quarter of the epochs it has run (5 at least).
        Returns the regressors, the error variance model (None without
        calibration), ``network_weight_`` and whether a first fit ended on
        ``max_iter``.
        """
        values = [s.values() for s in series]
        scales = [s.scale for s in series]
        effects = [s.effect for s in series]
        full = training_set(values, scales, geometry, effects=effects)
        if full is None:
            raise ValueError(self._too_short_message(series, geometry))
        if self.calibration_fraction == 0:
            regressors, unconverged = self._fit_members(full, geometry)
            return regressors, None, np.ones(geometry.n_targets), unconverged
        ends = [len(s.y) - t for s, t in zip(series, tails, strict=True)]
        # The model that forecasts the held-out tail knows nothing of it,
        # the linear effect of X included.
        head_effects = [
            None if s.effect is None else s.exog_effect(end)
            for s, end in zip(series, ends, strict=True)
        ]
        head = training_set(values, scales, geometry, ends, head_effects)
        if head is None:
            raise ValueError(self._too_short_message(series, geometry, ends))
        regressors, unconverged = self._fit_members(head, geometry)
        n_steps = self._calibration_steps(geometry, max(tails), fh, series)
        tails = [
            (v, s.y, s.scale, s.X, effect)
            for v, s, effect in zip(values, series, head_effects, strict=True)
        ]
        errors = forecast_errors(regressors, tails, ends, geometry, n_steps, floor)
        # The same forecasts without the network's change (weight 0) tell
        # how much of that change the tail supports.
        anchor_errors = forecast_errors(
            regressors,
            tails,
            ends,
            geometry,
            n_steps,
            floor,
            weight=np.zeros(geometry.n_targets),
        )
        weight = network_weight(errors, anchor_errors)
        errors = forecast_errors(
            regressors, tails, ends, geometry, n_steps, floor, weight=weight
        )
        _warn_if_few_errors(errors, self.calibration_fraction)
        for regressor in regressors:
            epochs = max(_MIN_REFIT_EPOCHS, math.ceil(regressor.n_iter_ * _REFIT_SHARE))
            fit_regressor(regressor, full, warm_start=True, max_iter=epochs)
        return regressors, variance_model(errors), weight, unconverged

    def _fit_members(self, data, geometry):
        """``n_estimators`` new regressors fitted on the windows ``data``
        of ``geometry``, and whether one of them ended on ``max_iter``."""
        regressors = new_regressors(
            self.estimator,
            len(data.X),
            self.random_state,
            self.n_estimators,
            geometry,
        )
        return regressors, _fit_each(regressors, data)

    def _calibration_steps(self, geometry, tail, fh, series):
        """How far ahead calibration forecasts reach."""
        if self.strategy == "direct":
            return min(geometry.horizon, tail)
        wanted = _RECURSIVE_CALIBRATION_STEPS
        if fh is not None:
            cutoffs = [_series_cutoff(s, self._freq()) for s in series]
            wanted = max(wanted, *(int(_steps(fh, c).max()) for c in cutoffs))
        return min(wanted, tail)

    def _too_short_message(self, series, geometry, ends=None):
        needed = geometry.length + geometry.horizon
        longest = max(len(s.y) for s in series)
        message = (
            f"No series is long enough for one training window: window_length="
            f"{geometry.length} and a horizon of {geometry.horizon} need "
            f"{needed} observations"
        )
        if ends is None:
            return f"{message}; the longest series has {longest}."
        kept = max(min(end, len(s.y)) for s, end in zip(series, ends, strict=True))
        return (
            f"{message}, but calibration_fraction={self.calibration_fraction} "
            f"holds out the last observations of each series for the interval "
            f"calibration fit, leaving at most {kept} (a series of "
            f"{self._with_tail(needed)} would keep {needed}). Use a smaller "
            "calibration_fraction (0 disables prediction intervals), a shorter "
            "window_length or horizon, or longer series."
        )

    # -- predict ---------------------------------------------------------------

    def _check_fh(self, fh, pred_int=False):
        # sktime asks for a refit whenever predict's fh differs from the one
        # of fit under "requires-fh-in-fit". The direct model has computed
        # every step up to horizon_, so a horizon within it is served.
        if (
            fh is not None
            and self.strategy == "direct"
            and self.is_fitted
            and self._fh is not None
        ):
            steps = self._fh_steps(fh)
            if steps is not None and (steps < 1).any():
                # NotImplementedError, as sktime's base class raises for a
                # forecaster without in-sample predictions (the recursive
                # strategy gets its message from there).
                raise NotImplementedError(
                    f"fh holds steps {sorted(set(steps[steps < 1].tolist()))} "
                    "at or before the cutoff: RNNForecaster can not perform "
                    "in-sample prediction, it forecasts only steps after the "
                    "cutoff (1 and beyond)."
                )
            if steps is not None and steps.size and steps.max() <= self.horizon_:
                # Served from the fitted steps: the fitted fh stays the
                # default of a later predict().
                fitted_fh, self._fh = self._fh, None
                try:
                    return super()._check_fh(fh, pred_int=pred_int)
                finally:
                    self._fh = fitted_fh
            if steps is not None and steps.size:
                self._raise_beyond_horizon(fh)
        return super()._check_fh(fh, pred_int=pred_int)

    def _raise_beyond_horizon(self, fh):
        """sktime's 'different fh: re-fit', saying which series and step."""
        fh = check_fh(fh, freq=self._cutoff)
        freq = self._freq()
        steps = [int(_steps(fh, _series_cutoff(s, freq)).max()) for s in self._series]
        farthest = self._series[int(np.argmax(steps))]
        step = max(steps)
        named = "y" if farthest.key == () else f"series {_key_label(farthest.key)}"
        own_end = ""
        if len({s.times[-1] for s in self._series}) > 1:
            own_end = (
                " (the series of the panel end at different times, and each "
                "counts its steps from its own end)"
            )
        raise ValueError(
            f"fh reaches {step} steps ahead of the end of {named}{own_end}, "
            f"beyond the {self.horizon_} steps the direct model was fitted to "
            "forecast (horizon_). A different forecasting horizon needs a "
            "re-fit: fit with an fh that reaches it, or use "
            "strategy='recursive'."
        )

    def _fh_steps(self, fh):
        """The steps ahead of ``fh`` over every series (None if ``fh`` cannot
        be read here: sktime's check then says why)."""
        try:
            fh = check_fh(fh, freq=self._cutoff)
        except (ValueError, TypeError, AttributeError):
            return None
        freq = self._freq()
        return np.concatenate(
            [_steps(fh, _series_cutoff(s, freq)) for s in self._series]
        )

    def _predict(self, fh, X):
        return self._frame(*self._point_forecast(fh, X))

    def _point_forecast(self, fh, X):
        """Forecasts of each series at its steps of ``fh``, and the plans."""
        plans = self._plans(fh)
        n_steps = max(int(steps.max()) for steps, _ in plans)
        future_x = self._future_exog(X, plans, n_steps)
        out = forecast(
            self.regressors_,
            [s.values() for s in self._series],
            np.stack([s.scale for s in self._series]),
            self._geometry,
            n_steps,
            future_x=future_x,
            floor=self._floor,
            weight=self.network_weight_,
            effects=(
                np.stack([s.effect for s in self._series])
                if self._geometry.future_exog
                else None
            ),
        )
        values = [f[steps - 1] for f, (steps, _) in zip(out, plans, strict=True)]
        return values, plans

    def _plans(self, fh):
        """Per series, the steps ahead of its own end and their time points.

        The series of a panel may end at different times: each is forecast
        from its own last observation, and a relative ``fh`` counts from it.
        sktime has checked ``fh`` against the latest end of all series (and,
        for the direct strategy, _check_fh that it is within ``horizon_``).
        """
        plans = []
        for s in self._series:
            cutoff = _series_cutoff(s, self._freq())
            plans.append((_steps(fh, cutoff), fh.to_absolute_index(cutoff)))
        return plans

    def _future_exog(self, X, plans, n_steps):
        """Exogenous rows after each series' end that the networks read:
        steps 1 to ``n_steps`` (recursive strategy) or to ``horizon_``
        (direct strategy with future X); None where they read none."""
        if self._layout.exog_columns is None:
            if X is not None:
                # Future values the user expects to matter; the networks
                # have no input for them.
                warnings.warn(
                    "X passed to predict is ignored: RNNForecaster was fitted "
                    "without exogenous X. Pass X to fit as well to use it.",
                    UserWarning,
                    stacklevel=caller_stacklevel(),
                )
            return None
        direct = self.strategy == "direct"
        if direct and not self._geometry.future_exog:
            if X is not None:
                # Unread (X up to the cutoff came with fit), but an X with
                # other columns or bad values is still a mistake to report,
                # as the other treatments and strategies do.
                _exog_frame(X, self._layout.exog_columns, allow_nan=True)
            return None
        # Why the forecasts need future X, for the errors below.
        reader = (
            "X_treatment='concurrent' reads X at the forecast times (fit with "
            "X_treatment='shifted' to read X up to the cutoff only)"
            if direct
            else "the recursive strategy reads X at every forecast step"
        )
        if X is None:
            raise ValueError(
                f"This forecaster was fitted with exogenous X, and {reader}: "
                "pass X to predict, up to the last forecast time."
            )
        # NaN after the reindex below: a row not given, carried forward
        # (sktime has refused NaN in X itself).
        X = _exog_frame(X, self._layout.exog_columns, allow_nan=True)
        freq = self._freq()
        n_rows = self.horizon_ if direct else n_steps
        rows = []
        for s, (steps, _) in zip(self._series, plans, strict=True):
            name = f"series {_key_label(s.key)}" if s.key else "the series"
            if s.key and s.key not in X.index:
                raise ValueError(
                    f"X passed to predict has no rows for {name}, and {reader}."
                )
            frame = X.loc[s.key] if s.key else X
            ahead = ForecastingHorizon(range(1, n_rows + 1), is_relative=True)
            times = ahead.to_absolute_index(_series_cutoff(s, freq))
            known = frame.reindex(times).to_numpy(dtype=np.float64)
            # sktime's convention: X covers the horizon.
            last = int(steps.max())
            if np.isnan(known[last - 1]).any():
                raise ValueError(
                    f"X passed to predict has no values at {times[last - 1]}, the "
                    f"last forecast time of {name}, and {reader}."
                )
            # Steps between those given (e.g. fh=[2, 5]), and those after the
            # last forecast time up to horizon_, carry the last known
            # exogenous values forward, starting from the last observed row.
            known = np.vstack([s.X[-1:], known])
            rows.append(pd.DataFrame(known).ffill().to_numpy()[1:])
        return np.stack(rows)

    def _get_varnames(self):
        # The names every output is labelled with (sktime's interval mixin
        # labels by position): those of fit, in fit's order, which the
        # values follow (columns are matched by name). A single column is
        # named after the last y seen, as sktime names a Series' forecast.
        columns = self._layout.columns
        if len(columns) == 1:
            return pd.Index(self._y_metadata["feature_names"])
        return columns

    def _frame(self, values, plans):
        """Per series (n_steps, K) forecasts as sktime's output frame."""
        columns = self._get_varnames()
        keys = [s.key for s in self._series]
        if keys == [()]:
            return pd.DataFrame(values[0], index=plans[0][1], columns=columns)
        index = pd.MultiIndex.from_tuples(
            [
                (*key, t)
                for key, (_, times) in zip(keys, plans, strict=True)
                for t in times
            ],
            names=self._layout.index_names,
        )
        return pd.DataFrame(np.concatenate(values), index=index, columns=columns)

    # The public probabilistic methods, so that calibration_fraction=0 is
    # named as the reason there are no intervals: sktime's own refusal
    # (from the capability tag) would ask the user to report an sktime issue.
    def predict_interval(self, fh=None, X=None, coverage=0.90):
        """Prediction intervals: Gaussian, around the point forecast.

        Their width comes from the forecast errors on the held-out tail of
        the series (see ``calibration_fraction`` and the Notes); for
        non-negative series the bounds are floored at 0.

        Parameters
        ----------
        fh : int, list, np.ndarray or ForecastingHorizon, default=None
            The steps to forecast; the ``fh`` passed to :meth:`fit` if None.
        X : pd.DataFrame, default=None
            Exogenous data at the forecast times, as for :meth:`predict`.
        coverage : float or list of float, default=0.90
            Nominal coverage of each interval, in (0, 1).

        Returns
        -------
        pred_int : pd.DataFrame
            The lower and upper bound of each interval, in sktime's format:
            columns (variable, coverage, "lower" or "upper"), rows the
            forecast times.

        Raises
        ------
        NotImplementedError
            With ``calibration_fraction=0``, which measures no errors.
        """
        self._check_intervals("prediction intervals")
        return super().predict_interval(fh=fh, X=X, coverage=coverage)

    def predict_quantiles(self, fh=None, X=None, alpha=None):
        """Return quantiles of the Gaussian forecast distribution.

        Parameters
        ----------
        fh : int, list, np.ndarray or ForecastingHorizon, default=None
            The steps to forecast; the ``fh`` passed to :meth:`fit` if None.
        X : pd.DataFrame, default=None
            Exogenous data at the forecast times, as for :meth:`predict`.
        alpha : float or list of float, default=None
            Probabilities of the quantiles, in (0, 1); [0.05, 0.95] if None.

        Returns
        -------
        quantiles : pd.DataFrame
            In sktime's format: columns (variable, probability), rows the
            forecast times; floored at 0 for non-negative series.

        Raises
        ------
        NotImplementedError
            With ``calibration_fraction=0``, which measures no errors.
        """
        self._check_intervals("quantile predictions")
        return super().predict_quantiles(fh=fh, X=X, alpha=alpha)

    def predict_var(self, fh=None, X=None, cov=False):
        """Variance of the forecast errors, in the series' units.

        Parameters
        ----------
        fh : int, list, np.ndarray or ForecastingHorizon, default=None
            The steps to forecast; the ``fh`` passed to :meth:`fit` if None.
        X : pd.DataFrame, default=None
            Exogenous data at the forecast times, as for :meth:`predict`.
        cov : bool, default=False
            Ignored beyond its meaning in sktime: the covariance of errors
            across steps is not modelled, and the marginal variances are
            returned either way.

        Returns
        -------
        pred_var : pd.DataFrame
            One column per variable, rows the forecast times.

        Raises
        ------
        NotImplementedError
            With ``calibration_fraction=0``, which measures no errors.
        """
        self._check_intervals("variance predictions")
        return super().predict_var(fh=fh, X=X, cov=cov)

    def predict_proba(self, fh=None, X=None, marginal=True):
        """The Gaussian forecast distribution of each step.

        Its mean is the point forecast and its variance that of
        :meth:`predict_var`; unlike the intervals, it is not floored for
        non-negative series. A series constant when fitted, whose variance
        is 0, gets a standard deviation at the float64 resolution of its
        forecast (of 1, for forecasts nearer 0), so that its densities and
        log-loss stay finite.

        Parameters
        ----------
        fh : int, list, np.ndarray or ForecastingHorizon, default=None
            The steps to forecast; the ``fh`` passed to :meth:`fit` if None.
        X : pd.DataFrame, default=None
            Exogenous data at the forecast times, as for :meth:`predict`.
        marginal : bool, default=True
            Whether the distribution is marginal by time point, as sktime
            defines it; the errors of different steps are not modelled
            jointly.

        Returns
        -------
        pred_dist : sktime BaseDistribution
            A Normal distribution, indexed like the output of
            :meth:`predict`.

        Raises
        ------
        NotImplementedError
            With ``calibration_fraction=0``, which measures no errors.
        """
        self._check_intervals("probabilistic predictions")
        return super().predict_proba(fh=fh, X=X, marginal=marginal)

    def _check_intervals(self, what):
        if not self.get_tag("capability:pred_int"):
            raise NotImplementedError(
                f"RNNForecaster(calibration_fraction={self.calibration_fraction}) "
                f"makes no {what}: they come from the forecast errors on the "
                "held-out tail of the series. Fit with calibration_fraction > 0 "
                "(the default is 0.1)."
            )

    def _error_model(self, fh, X):
        """The point forecast frame, and the steps ahead (n,) and scales
        (n, K) of its rows, which the calibrated variance model reads."""
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
        return point, steps, scale

    def _predict_var(self, fh, X=None, cov=False):
        # The calibrated variance itself: sktime's default would read it back
        # from the width of the 50 % interval, which the zero floor of
        # non-negative data narrows near 0 (and predict_proba with it). The
        # covariance of errors across steps is not modelled: cov=True gives
        # these marginal variances too, as sktime's default does.
        point, steps, scale = self._error_model(fh, X)
        variance = error_variance(steps, scale, self.error_variance_)
        return pd.DataFrame(variance, index=point.index, columns=point.columns)

    def _predict_proba(self, marginal=True, **kwargs):
        # sktime's Normal of mean predict and variance predict_var, but a
        # series constant when fitted (variance 0) gets the float64
        # resolution of its forecast as standard deviation (that of 1 near
        # 0, where a denormal one made the density infinite): a Normal of
        # scale 0 has NaN densities, and so would its log-loss.
        dist = super()._predict_proba(marginal=marginal, **kwargs)
        mu = dist.mu
        resolution = np.spacing(np.maximum(np.abs(np.asarray(mu)), 1.0))
        sigma = np.maximum(np.asarray(dist.sigma), resolution)
        return type(dist)(
            mu=mu,
            sigma=pd.DataFrame(sigma, index=dist.index, columns=dist.columns),
            index=dist.index,
            columns=dist.columns,
        )

    def _predict_quantiles(self, fh, X, alpha):
        point, steps, scale = self._error_model(fh, X)
        bounds = gaussian_bounds(
            point.to_numpy(), steps, scale, self.error_variance_, alpha, self._floor
        )
        columns = self._get_varnames()
        out = pd.DataFrame(
            index=point.index,
            columns=pd.MultiIndex.from_product([columns, alpha]),
            dtype=float,
        )
        for q in alpha:
            for j, column in enumerate(columns):
                out[(column, q)] = bounds[q][:, j]
        return out

    def set_params(self, **params):
        """Set the parameters of this forecaster and of its ``estimator``.

        As sktime's ``set_params``; ``estimator__<name>`` parameters need an
        ``estimator``: the default regressor (``estimator=None``) is built
        at each fit.

        Parameters
        ----------
        **params : dict
            Parameter names and their new values.

        Returns
        -------
        self : RNNForecaster
            This forecaster.
        """
        nested = sorted(k for k in params if k.startswith("estimator__"))
        if nested and params.get("estimator", self.estimator) is None:
            raise ValueError(
                f"{', '.join(nested)} set(s) a parameter of the regressor, but "
                "estimator=None: the default regressor is built at each fit, "
                "with a batch size and epochs chosen from the number of "
                "windows. Pass estimator=LSTMRegressor(...) to tune its "
                "parameters (see the docstring of estimator)."
            )
        return super().set_params(**params)

    def __setstate__(self, state):
        # Forecasters pickled before X_treatment existed read X up to the
        # forecast origin (their geometry has no future_exog either).
        state.setdefault("X_treatment", "shifted")
        self.__dict__.update(state)

    # -- update ------------------------------------------------------------------

    def update(self, y, X=None, update_params=True):
        """Add new observations and, by default, train the networks further.

        As sktime's ``BaseForecaster.update``, except that an update that
        fails leaves the forecaster as it was: sktime moves the cutoff and
        stores the new data before this forecaster checks them.

        Parameters
        ----------
        y : pd.Series or pd.DataFrame
            New observations of the series (a panel or hierarchical frame
            for such a ``y``). They must continue each series without a gap;
            values at time points already seen replace the stored ones.
        X : pd.DataFrame, default=None
            Exogenous data at the time points of ``y``; needed if ``fit``
            had ``X``.
        update_params : bool, default=True
            Continue training each network on all windows, with the scales
            of the series (and the linear effect of concurrent ``X``)
            measured again on all the data; False only moves the forecast
            origin.

        Returns
        -------
        self : RNNForecaster
            The updated forecaster.
        """
        # Everything _update may change: the networks train in place.
        state = {
            name: getattr(self, name)
            for name in (
                "_cutoff",
                "_y",
                "_X",
                "_series",
                "_floor",
                "nonnegative_",
                # What sktime's checks of y set before _update runs.
                "_y_metadata",
                "_y_mtype_last_seen",
                "_converter_store_y",
            )
            if hasattr(self, name)
        }
        if update_params and hasattr(self, "regressors_"):  # else sktime raises
            state["regressors_"] = copy.deepcopy(self.regressors_)
        try:
            super().update(y, X=X, update_params=update_params)
        except BaseException:
            for name, value in state.items():
                setattr(self, name, value)
            raise
        # sktime sets the cutoff to the last time point of the update's y:
        # revised values alone would move it back, before the series' end.
        latest = max(self._series, key=lambda s: s.times[-1])
        if self.cutoff[0] < latest.times[-1]:
            self._set_cutoff(_series_cutoff(latest, self._freq()))
        return self

    def update_predict_single(self, y=None, fh=None, X=None, update_params=True):
        """Update the forecaster with new observations, then forecast.

        As sktime's ``BaseForecaster.update_predict_single``: :meth:`update`
        then ``predict``. sktime's default passes its inner frame to the
        public ``update``, which then becomes the type of this and every
        later forecast (a DataFrame for a Series); here the update sees
        ``y`` as given, and fails without changing the forecaster.

        Parameters
        ----------
        y : pd.Series or pd.DataFrame, default=None
            New observations, as for :meth:`update`; None or empty only
            forecasts (with sktime's warning).
        fh : int, list, pd.Index or ForecastingHorizon, default=None
            The horizon, as for ``predict``.
        X : pd.DataFrame, default=None
            Exogenous data, as for :meth:`update` and ``predict``.
        update_params : bool, default=True
            As for :meth:`update`.

        Returns
        -------
        y_pred : pd.Series or pd.DataFrame
            The forecasts, of the type of the last ``y`` given (to ``fit``
            or to an update), as sktime's forecasters return.
        """
        if y is None or (hasattr(y, "__len__") and len(y) == 0):
            return super().update_predict_single(y=y, fh=fh, X=X)
        self.update(y, X=X, update_params=update_params)
        return self.predict(fh=fh, X=X)

    def _update(self, y, X=None, update_params=True):
        if self._layout.exog_columns is None and X is not None:
            # As predict warns: values the user expects to matter.
            warnings.warn(
                "X passed to update is ignored: RNNForecaster was fitted "
                "without exogenous X. Pass X to fit as well to use it.",
                UserWarning,
                stacklevel=caller_stacklevel(),
            )
        if self._layout.exog_columns is not None and X is None:
            raise ValueError(
                "This forecaster was fitted with exogenous X; update needs X "
                "for the new observations of y."
            )
        if getattr(self, "_y_mtype_last_seen", None) in ("np.ndarray", "numpy3D"):
            # sktime numbers an array's rows from 0, which would silently
            # revise the first observations instead of adding new ones.
            raise ValueError(
                "update received y as a numpy array, whose rows have no time "
                "points: sktime would number them from 0 and revise the first "
                "observations. Pass a pd.Series or pd.DataFrame whose index "
                "continues each series after its last time point (the first "
                f"ends at {self._series[0].times[-1]})."
            )
        fitted_type = _index_kind(self._series[0].times)
        if _index_kind(_time_index(y)) is not fitted_type:
            raise ValueError(
                f"update received y with a {type(_time_index(y)).__name__}, but "
                f"the forecaster was fitted with a "
                f"{type(self._series[0].times).__name__}: time "
                "points of different index types cannot be matched. Convert "
                "the index first (for instance with y.to_period() or "
                "y.to_timestamp())."
            )
        _check_same_clock(_time_index(y), self._series[0].times)
        new = {
            key: (times, values, x)
            for key, times, values, x in _split_frames(y, X, self._layout)
        }
        unknown = set(new) - {s.key for s in self._series}
        panel = self._series[0].key != ()
        if unknown and panel != (() not in new):
            # A single series (key ()) where fit saw a panel, or the reverse.
            if panel:
                given = "a single series (y's index has no instance level)"
                seen = f"a panel of {len(self._series)} series"
            else:
                given = "a panel (y's index has an instance level)"
                seen = "a single series"
            raise ValueError(
                f"update received {given}, but fit was given {seen}. Pass y "
                "in the layout fit was given."
            )
        if unknown:
            shown = sorted(map(_key_label, unknown), key=repr)
            seen = [_key_label(s.key) for s in self._series][:10]
            raise ValueError(
                f"update received series {shown} that fit did not see; it saw "
                f"{seen}{'...' if len(self._series) > 10 else ''}."
            )
        freq = self._freq()
        merged = [
            _merge(s, *new[s.key], freq) if s.key in new else s for s in self._series
        ]
        _check_regular_times(merged)  # new points must keep the series' steps
        _warn_if_no_longer_constant(self._series, merged)
        if update_params:
            # The networks go on learning from all the data: in its scale,
            # which the intervals then follow too. (A series constant in fit
            # has the scale 0: with it, its forecasts would stay at its
            # level, and its intervals would have no width.)
            merged = [replace(s, scale=step_scale(s.y)) for s in merged]
            if self._geometry.future_exog:
                # And the linear effect of X, on all the data too.
                merged = [replace(s, effect=s.exog_effect()) for s in merged]
        self._series = merged
        # Data that turn negative lift the zero floor of their column.
        self._floor = _floor_of(merged)
        self.nonnegative_ = ~np.isnan(self._floor)
        if update_params:
            # Continue training from the current weights on all windows.
            data = training_set(
                [s.values() for s in self._series],
                [s.scale for s in self._series],
                self._geometry,
                effects=[s.effect for s in self._series],
            )
            unconverged = _fit_each(self.regressors_, data, warm_start=True)
            self._warn_if_unconverged(unconverged)
        return self

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
            each a valid argument for ``RNNForecaster(**params)``, which
            read exogenous X in both ways (``X_treatment``). Each trains
            one network, and the recursive one skips the calibration (and
            has no intervals), so that the checks do not fit every model
            several times.
        """
        fast = LSTMRegressor(hidden_size=4, max_iter=2, random_state=0, device="cpu")
        return [
            {"window_length": 3, "estimator": fast, "n_estimators": 1},
            {
                "window_length": 2,
                "strategy": "recursive",
                "estimator": fast,
                "n_estimators": 1,
                "calibration_fraction": 0,
                "X_treatment": "shifted",
            },
        ]


@dataclass(frozen=True)
class _Layout:
    """Names of the columns and index levels seen in fit."""

    columns: pd.Index
    exog_columns: pd.Index | None
    index_names: list


@dataclass(frozen=True)
class _Series:
    """One series of a (possibly panel or hierarchical) y, with its exogenous X.

    ``scale`` is the size of a typical one-step change of each column, set
    in fit: an update that trains the networks further sets it again from
    all the data (they learn in it), one that does not keeps it.
    """

    key: tuple
    times: pd.Index  # (T,) time points of the rows
    y: np.ndarray  # (T, K) float64
    X: np.ndarray | None  # (T, Q) float64
    scale: np.ndarray  # (K,)
    # (Q, K) linear effect of X on y, with X_treatment="concurrent" (see
    # _reduction.fit_exog_effect); set with the scale, in fit and update.
    effect: np.ndarray | None = None

    def values(self):
        return self.y if self.X is None else np.hstack([self.y, self.X])

    def exog_effect(self, end=None):
        """The linear effect of X on y measured on the first ``end`` rows."""
        return fit_exog_effect(self.values()[:end], self.y.shape[1])


# Forecast errors of the held-out tail below which its variance, and the
# network's share fitted on it, are guesses: the variance model has two
# coefficients.
_MIN_CALIBRATION_ERRORS = 3


def _warn_if_few_errors(errors, fraction):
    """Warn when the intervals rest on fewer than a few forecast errors (a
    series of 10 points holds out 1 at the default fraction)."""
    count = int(np.min(np.sum(~np.isnan(errors), axis=(0, 1))))
    if count < _MIN_CALIBRATION_ERRORS:
        warnings.warn(
            f"RNNForecaster: the prediction intervals and network_weight_ rest "
            f"on {count} forecast error(s) of the held-out tail "
            f"(calibration_fraction={fraction}), too few to measure a "
            "variance. Raise calibration_fraction, give longer series, or set "
            "calibration_fraction=0 to forecast without intervals.",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )


def _warn_if_no_longer_constant(before, after):
    """Warn when a series that was constant now varies: the calibration saw
    no error in it, so its intervals have no width, until a refit."""
    for old, new in zip(before, after, strict=True):
        # Constant as step_scale tells it (up to rounding): its scale is 0.
        # Only those series are measured again: an update of a panel
        # would otherwise read every series' whole history once more.
        constant = old.scale == 0
        if constant.any() and (step_scale(new.y)[constant] > 0).any():
            name = "y" if old.key == () else f"series {_key_label(old.key)}"
            warnings.warn(
                f"RNNForecaster: {name} was constant when fitted and varies "
                "after this update. The networks and the prediction intervals "
                "learnt nothing of its changes (the intervals have no width): "
                "refit to forecast it.",
                UserWarning,
                stacklevel=caller_stacklevel(),
            )
            return


def _fit_each(regressors, data, **kwargs):
    """Fit every regressor on ``data`` (see :func:`fit_regressor`); whether
    ``max_iter`` ended the training of one of them."""
    ended = [fit_regressor(regressor, data, **kwargs) for regressor in regressors]
    return any(ended)


def _split_frames(y, X, layout):
    """Split inner-mtype frames into ``(key, times, y, X)`` per instance.

    Columns are matched by name to those seen in fit, and ``X`` is read at
    the time points of ``y`` (sktime lets ``X`` cover more). Values are
    float64.
    """
    y = _check_values(_select_columns(y, layout.columns, "y", any_name=True), "y")
    if layout.exog_columns is None:
        X = None  # fitted without X: the model has no use for it
    elif X is not None:
        X = _exog_frame(X, layout.exog_columns)
    if not isinstance(y.index, pd.MultiIndex):
        x = None if X is None else X.loc[y.index].to_numpy(dtype=np.float64)
        return [((), y.index, y.to_numpy(dtype=np.float64), x)]
    levels = list(range(y.index.nlevels - 1))
    # A single level as a scalar: a list of one made pandas 2.2 warn that
    # its keys would become tuples (they are made tuples below either way).
    level = levels if len(levels) > 1 else levels[0]
    parts = []
    for key, frame in y.groupby(level=level, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        times = frame.index.get_level_values(-1)
        x = None
        if X is not None:
            x = _exog_rows(X, key, times).to_numpy(dtype=np.float64)
        parts.append((key, times, frame.to_numpy(dtype=np.float64), x))
    return parts


def _exog_rows(X, key, times):
    """The rows of a panel's ``X`` for series ``key`` at ``times``; raise,
    naming the series, where ``X`` does not cover them."""
    name = f"series {_key_label(key)}"
    try:
        frame = X.loc[key]
    except KeyError:
        raise ValueError(
            f"X has no rows for {name} of y: X must cover every time point "
            "of every series of y."
        ) from None
    missing = times.difference(frame.index)
    if len(missing):
        raise ValueError(
            f"X has no values for {name} at {len(missing)} time point(s) of "
            f"y, first {missing[0]}: X must cover every time point of every "
            "series of y."
        )
    return frame.loc[times]


def _check_same_clock(given, fitted):
    """Raise where the time points passed to update cannot be compared with
    the fitted ones: periods of another frequency, or timestamps with a time
    zone where the fitted ones have none (or the reverse). pandas raises a
    TypeError on comparing them, which names neither."""
    if isinstance(fitted, pd.PeriodIndex) and given.freqstr != fitted.freqstr:
        raise ValueError(
            f"update received y with periods of frequency {given.freqstr}, but "
            f"the forecaster was fitted with periods of {fitted.freqstr}. "
            f"Convert y's index first (for instance y.to_timestamp()"
            f".to_period('{fitted.freqstr}'), aggregating as needed)."
        )
    if isinstance(fitted, pd.DatetimeIndex) and (given.tz is None) != (
        fitted.tz is None
    ):
        zones = {True: "no time zone", False: "a time zone"}
        raise ValueError(
            f"update received y with timestamps of {zones[given.tz is None]}, "
            f"but the forecaster was fitted with {zones[fitted.tz is None]}. "
            "Localize or convert y's index first (y.tz_localize(...) or "
            "y.tz_convert(None))."
        )


def _merge(s, times, y, x, freq):
    """Series ``s`` with new observations, aligned by time.

    Observations at known time points replace the stored ones (revised
    data); later ones must continue the series without a gap; earlier ones
    are an error (fit again to lengthen the history).
    """
    name = f"series {_key_label(s.key)}" if s.key else "the series"
    if len(times) and times.min() < s.times[0]:
        raise ValueError(
            f"The data passed to update start at {times.min()}, before the first "
            f"observation of {name} ({s.times[0]}): update revises known time "
            "points and appends later ones. To add earlier history, fit again "
            "on the whole series."
        )
    later = times[times > s.times[-1]]
    if len(later):
        expected = ForecastingHorizon([1], is_relative=True).to_absolute_index(
            _series_cutoff(s, freq)
        )[0]
        if later[0] != expected:
            raise ValueError(
                f"The data passed to update leave a gap: {name} ends at "
                f"{s.times[-1]}, the new observations start at {later[0]} "
                f"instead of {expected}."
            )
    new = y if x is None or s.X is None else np.hstack([y, x])
    old = pd.DataFrame(s.values(), index=s.times)
    merged = pd.DataFrame(new, index=times).combine_first(old)
    if isinstance(merged.index, pd.DatetimeIndex) and freq is not None:
        # combine_first drops the frequency, which a series too short for
        # pandas to infer it again needs (its steps are checked after).
        with contextlib.suppress(ValueError):
            merged.index = pd.DatetimeIndex(merged.index, freq=freq)
    values = merged.to_numpy(dtype=np.float64)
    k = s.y.shape[1]
    return replace(
        s,
        times=merged.index,
        y=values[:, :k],
        X=values[:, k:] if s.X is not None else None,
    )


def _exog_frame(X, columns, allow_nan=False):
    """``X``'s fitted ``columns``, checked (see :func:`_check_values`), a
    panel's rows sorted so that ``.loc`` by series raises no lexsort warning."""
    X = _check_values(_select_columns(X, columns, "X"), "X", allow_nan=allow_nan)
    return X.sort_index() if isinstance(X.index, pd.MultiIndex) else X


def _select_columns(frame, columns, name, any_name=False):
    """``frame`` with the columns seen in fit, in their order.

    A single column is matched by position when ``any_name`` (y: sktime
    names the column of a Series after it, and names may differ between
    calls) or when either is unnamed (an array, or a Series without a
    name: column 0). Otherwise (X) names must match: another variable
    under another name must not pass for the one the model was fitted on.
    """
    single = len(columns) == 1 and frame.shape[1] == 1
    if single and (any_name or _unnamed(columns[0], frame.columns[0])):
        return frame.set_axis(columns, axis=1)
    if set(frame.columns) != set(columns) or frame.shape[1] != len(columns):
        raise ValueError(
            f"{name} must have the columns seen in fit, {list(columns)}; got "
            f"{list(frame.columns)}."
        )
    return frame[columns]


def _unnamed(*columns):
    """Whether one of ``columns`` has the name sktime gives an unnamed
    Series or an array's column."""
    return any(isinstance(c, Integral) and c == 0 for c in columns)


def _check_values(frame, name, allow_nan=False):
    """``frame`` if numeric, finite and within float32's range; else raise.

    The network computes in float32; the error names the column and the time
    point, which later errors (about windows) could not. ``allow_nan``: NaN
    marks a value not given (future X, carried forward), other values must
    still be finite.
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
    if allow_nan:
        invalid &= ~np.isnan(values)
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


def _first_gap(times):
    """Where a DatetimeIndex leaves the frequency of its longest regular
    start: (frequency, last time on it, next time, time expected there), or
    None when no start of three or more points has a frequency.

    Measured against its own frequency rather than its first step, a gap is
    found where it is: a missing holiday in business days, not the first
    weekend (which also differs from the first step).
    """
    low, high = 2, len(times) - 1  # pd.infer_freq needs 3 points
    while low < high:  # the longest start that pandas finds regular
        middle = (low + high + 1) // 2
        if pd.infer_freq(times[:middle]) is None:
            high = middle - 1
        else:
            low = middle
    if low < 3:
        return None
    freq = to_offset(pd.infer_freq(times[:low]))
    expected = times[low - 1] + freq
    return freq.freqstr, times[low - 1], times[low], expected


def _check_regular_times(series):
    """Raise unless each series' time index is unique and regular; return
    the frequency that horizons count in.

    Windows take consecutive observations as equally spaced, and sktime
    counts horizons in steps of the index: a gap in the index would make
    some windows span more time than others, silently. A DatetimeIndex
    also needs a frequency for the horizons, or fit would succeed and
    predict fail. The frequency is the index's own, or the one pandas
    infers: an index parsed from a file often has none set, and the time
    level of a panel never has one, yet it gives the seasonal cycle and
    places the forecasts in time. None for an integer index. The series of
    a panel must lie on the grid of one frequency, which counts every
    horizon.
    """
    freq = _common_freq(series)
    for s in series:
        times = s.times
        name = f" (series {_key_label(s.key)})" if s.key else ""
        duplicated = times.duplicated()
        if duplicated.any():
            raise ValueError(
                f"y has the time point {times[duplicated][0]} more than once"
                f"{name}. Each time point must appear once: aggregate the "
                "duplicates first (for instance y.groupby(level=-1).mean())."
            )
        if isinstance(times, pd.DatetimeIndex) and freq is not None:
            grid = pd.date_range(times[0], periods=len(times), freq=freq)
            if (grid == times).all():
                continue
        if len(times) < 3:
            continue
        if isinstance(times, pd.DatetimeIndex):
            inferred = times.freq or pd.infer_freq(times)
            if inferred is not None:
                # Regular, but off the grid of the other series' frequency.
                raise ValueError(
                    f"The series of y have different frequencies: "
                    f"{freq.freqstr} and {to_offset(inferred).freqstr}{name}. "
                    "Windows of one model and the steps of fh need one "
                    "frequency: resample the series to a common one first "
                    "(for instance with y.groupby(level=0).resample(...))."
                )
            gap = _first_gap(times)
            if gap is not None:
                raise ValueError(
                    f"The DatetimeIndex of y{name} is irregular: it follows the "
                    f"frequency {gap[0]} up to {gap[1]}, then steps to {gap[2]} "
                    f"instead of {gap[3]}, so windows of consecutive "
                    "observations would span different lengths of time. "
                    f"Reindex y to that frequency first, filling the gaps (for "
                    f"instance y.asfreq('{gap[0]}').interpolate())."
                )
            remedy = "Resample y to a regular frequency first (for instance "
            remedy += "y.resample('D').mean()); observations once a month or "
            remedy += "quarter, on varying days, take a PeriodIndex instead "
            remedy += "(y.to_period('M'))."
        elif isinstance(times, pd.PeriodIndex) or pd.api.types.is_integer_dtype(times):
            remedy = "Reindex y to every time point first, filling the gaps "
            remedy += "(for instance y.reindex(full_index).interpolate())."
        else:
            continue
        steps = np.diff(times.asi8 if hasattr(times, "asi8") else times.to_numpy())
        if (steps == steps[0]).all():
            # Regular; but sktime counts a horizon in single periods of a
            # PeriodIndex and in units of an integer index.
            unit = times.freq.n if isinstance(times, pd.PeriodIndex) else 1
            if steps[0] != unit:
                raise ValueError(
                    f"The {type(times).__name__} of y{name} steps by {steps[0]}, "
                    f"but forecasting horizons count steps of {unit}: fh=1 would "
                    f"be labelled {times[-1] + unit}, where the next "
                    f"observation comes at {times[-1] + steps[0]}. Number the "
                    "time points consecutively first (for instance "
                    "y.reset_index(drop=True))."
                )
            continue
        k = int(np.argmax(steps != steps[0]))
        step = (
            f"one period ({times.freqstr})"
            if isinstance(times, pd.PeriodIndex)
            else times[1] - times[0]
        )
        raise ValueError(
            f"The {type(times).__name__} of y{name} is irregular: it steps from "
            f"{times[k]} to {times[k + 1]} after steps of {step}, so windows "
            f"of consecutive observations would span different lengths of "
            f"time. {remedy}"
        )
    if freq is None and any(isinstance(s.times, pd.DatetimeIndex) for s in series):
        # Too few points for pandas to infer a frequency (it needs 3).
        longest = max(len(s.times) for s in series)
        points = "time point" if longest == 1 else "time points"
        raise ValueError(
            f"The DatetimeIndex of y has no frequency, and pandas cannot infer "
            f"one from {longest} {points}: the steps of fh need one. Set it "
            "(for instance y.asfreq('D'), per series in a panel), or give y a "
            "PeriodIndex (for instance y.to_period('D'))."
        )
    return freq


def _common_freq(series):
    """The frequency of the series' DatetimeIndex: the first one set on an
    index, else the one pandas infers from the longest series (a few
    weekdays alone pass for daily data). None for other indexes."""
    for s in series:
        if getattr(s.times, "freq", None) is not None:
            return s.times.freq
    dated = [s.times for s in series if isinstance(s.times, pd.DatetimeIndex)]
    for times in sorted(dated, key=len, reverse=True):
        if len(times) >= 3 and not times.duplicated().any():
            inferred = pd.infer_freq(times)
            if inferred is not None:
                return to_offset(inferred)
    return None


def _key_label(key):
    """A series' key as users wrote it: 'b', not ('b',)."""
    return key[0] if len(key) == 1 else key


def _floor_of(series):
    """Per column, 0 where the data never go below zero (counts, amounts),
    whose forecasts then do not either; NaN (unbounded) elsewhere."""
    observed_min = np.min([s.y.min(axis=0) for s in series], axis=0)
    return np.where(observed_min >= 0, 0.0, np.nan)


def _index_kind(times):
    """The class of index whose time points match: a RangeIndex and an Index
    of integers hold the same kind."""
    if isinstance(times, pd.RangeIndex):
        return pd.Index
    return type(times)


def _time_index(y):
    index = y.index
    return index.levels[-1] if isinstance(index, pd.MultiIndex) else index


def _series_cutoff(s, freq):
    """The last time point of one series, with the index frequency."""
    last = s.times[-1:]
    if isinstance(last, pd.DatetimeIndex) and freq is not None:
        last = pd.DatetimeIndex(last, freq=freq)
    return last


def _steps(fh, cutoff):
    """Steps ahead of the cutoff (sktime rejects in-sample fh for us)."""
    given = fh.to_pandas()
    if fh.is_relative and not isinstance(given, pd.TimedeltaIndex):
        # Already steps: to_relative would build and hash a new horizon, a
        # noticeable share of a direct forecast's time.
        return np.asarray(given, dtype=np.int64)
    relative = fh.to_relative(cutoff).to_pandas()
    if not isinstance(relative, pd.TimedeltaIndex):
        steps = np.asarray(relative, dtype=np.int64)
        if not fh.is_relative and isinstance(cutoff, pd.DatetimeIndex):
            # sktime rounds a time point between two steps to a step.
            grid = ForecastingHorizon(steps, is_relative=True)
            given = pd.DatetimeIndex(fh.to_pandas())
            # Timestamps, not integers: the two may count in other units.
            off = given[given != grid.to_absolute_index(cutoff)]
            if len(off):
                raise ValueError(
                    f"fh holds time points between the steps of the series' "
                    f"frequency {cutoff.freqstr}, first {off[0]}: give time "
                    "points of the index's grid, or fh as numbers of steps."
                )
        return steps
    # A horizon of durations ("1D", "2D"): count the index's steps to each
    # forecast time.
    try:
        times = fh.to_absolute_index(cutoff)
    except TypeError:  # pandas adds no days to a quarter
        raise ValueError(
            f"fh={[str(t) for t in relative]} holds durations, which the "
            f"steps of the series' frequency {cutoff.freqstr} cannot count: "
            "give fh as numbers of steps."
        ) from None
    span = pd.period_range if isinstance(cutoff, pd.PeriodIndex) else pd.date_range
    grid = span(
        min(times.min(), cutoff[0]), max(times.max(), cutoff[0]), freq=cutoff.freq
    )
    steps = grid.get_indexer(times)
    if (steps < 0).any():
        raise ValueError(
            f"fh={[str(t) for t in relative]} does not fall on steps of the "
            f"series' frequency {cutoff.freqstr}: give durations that are "
            "whole steps, or fh as numbers of steps."
        )
    return (steps - grid.get_loc(cutoff[0])).astype(np.int64)
