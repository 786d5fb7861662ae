"""RNNForecaster: sktime's contract, forecasting behaviour and intervals."""

import copy
import re
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError
from sktime.datasets import load_airline
from sktime.forecasting.base import ForecastingHorizon
from sktime.forecasting.model_evaluation import evaluate
from sktime.forecasting.model_selection import ForecastingGridSearchCV
from sktime.split import ExpandingWindowSplitter
from sktime.utils.estimator_checks import check_estimator, parametrize_with_checks

from sklearn_rnn import LSTMRegressor, RNNForecaster
from sklearn_rnn.forecasting import _calibration, _forecaster, _reduction

pytestmark = pytest.mark.filterwarnings(
    "ignore:The default of config ``remember_data``:FutureWarning"
)


def small(**params):
    """A quick forecaster; ``params`` go to the forecaster or its regressor.

    One network unless ``n_estimators`` says otherwise: most tests are about
    what each network does.
    """
    params.setdefault("n_estimators", 1)
    regressor = {
        k: params.pop(k) for k in list(params) if k in LSTMRegressor().get_params()
    }
    estimator = LSTMRegressor(
        **{"hidden_size": 16, "max_iter": 60, "device": "cpu", **regressor}
    )
    return RNNForecaster(estimator=estimator, random_state=0, **params)


def series(values, start="2000-01"):
    return pd.Series(
        values, index=pd.period_range(start, periods=len(values), freq="M")
    )


@parametrize_with_checks(RNNForecaster)
def test_sktime_check_estimator(obj, test_name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        check_estimator(obj, tests_to_run=test_name, raise_exceptions=True)


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_forecasts_extrapolate_level_and_trend(strategy):
    """A trend beyond anything seen in training is carried forward."""
    rng = np.random.RandomState(0)
    t = np.arange(120)
    y = series(100 + 2.0 * t + 3 * np.sin(t) + rng.normal(scale=0.5, size=120))
    train, test = y.iloc[:100], y.iloc[100:]
    forecaster = small(window_length=12, strategy=strategy)
    pred = forecaster.fit(train, fh=np.arange(1, 21)).predict()
    assert pred.min() > train.max()  # out of the training range
    assert np.abs(pred - test).mean() < 6  # the trend adds 40 over the horizon


def test_direct_and_recursive_horizons():
    y = series(np.sin(np.arange(80) / 3) + 5)
    direct = small(window_length=10).fit(y, fh=[2, 4])
    assert len(direct.predict()) == 2
    assert direct.horizon_ == 4  # one model outputs steps 1 to 4
    assert direct.regressors_[0].predict(np.zeros((1, 10, 1))).shape == (1, 4)
    recursive = small(window_length=10, strategy="recursive").fit(y)
    assert recursive.horizon_ == 1
    assert len(recursive.predict(fh=np.arange(1, 8))) == 7
    with pytest.raises(NotImplementedError, match="in-sample"):
        recursive.predict(fh=[0])


def test_multivariate_y():
    rng = np.random.RandomState(0)
    t = np.arange(100)
    y = pd.DataFrame(
        {"a": np.sin(t / 4) + 10, "b": 0.5 * t + rng.normal(size=100)},
        index=pd.RangeIndex(100),
    )
    forecaster = small(window_length=12).fit(y.iloc[:90], fh=np.arange(1, 11))
    pred = forecaster.predict()
    assert list(pred.columns) == ["a", "b"]
    assert pred.shape == (10, 2)
    assert np.abs(pred - y.iloc[90:]).to_numpy().mean() < 1.5
    quantiles = forecaster.predict_quantiles(alpha=[0.1, 0.9])
    assert quantiles.shape == (10, 4)


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_exogenous_X_is_used(strategy):
    """y follows the previous value of X: knowing X must help."""
    rng = np.random.RandomState(0)
    x = rng.normal(size=300)
    y = pd.Series(5 + 3 * np.r_[0, x[:-1]] + 0.1 * rng.normal(size=300))
    X = pd.DataFrame({"x": x})
    errors = []
    for exog in (X, None):
        forecaster = small(
            window_length=6, strategy=strategy, max_iter=100, calibration_fraction=0
        )
        forecaster.fit(
            y.iloc[:250], X=None if exog is None else exog.iloc[:250], fh=[1]
        )
        error = []
        for t in range(250, 280):
            new_x = None if exog is None else exog.iloc[t : t + 1]
            error.append(abs(forecaster.predict(X=new_x).iloc[0] - y.iloc[t]))
            forecaster.update(y.iloc[t : t + 1], X=new_x, update_params=False)
        errors.append(np.mean(error))
    assert errors[0] < 0.5 * errors[1]


def test_panel_and_hierarchical_y_fit_one_global_model():
    rng = np.random.RandomState(0)
    frames = []
    levels = {("north", "a"): 10.0, ("north", "b"): 100.0, ("south", "c"): 1000.0}
    t = pd.RangeIndex(60, name="time")
    for (region, store), level in levels.items():
        values = level * (1 + 0.1 * np.sin(np.arange(60) / 3)) + rng.normal(size=60)
        index = pd.MultiIndex.from_product([[region], [store], t])
        frames.append(pd.DataFrame({"sales": values}, index=index))
    y = pd.concat(frames)
    y.index.names = ["region", "store", "time"]
    forecaster = small(window_length=8).fit(y, fh=[1, 2, 3])
    pred = forecaster.predict()
    assert pred.index.names == ["region", "store", "time"]
    assert len(pred) == 9
    for key, level in levels.items():
        # Each series is forecast at its own level by the one model.
        assert abs(pred.loc[key].to_numpy().mean() / level - 1) < 0.2
    intervals = forecaster.predict_interval(coverage=0.8)
    assert intervals.shape == (9, 2)


def test_a_frequency_pandas_infers_counts_as_one_that_is_set():
    """An index read from a file has no frequency set, and a panel's time
    level never has one: the inferred one gives the seasonal cycle and
    places the forecasts (a date-indexed panel fitted, then failed at
    predict, and a monthly series lost its cycle)."""
    t = np.arange(96)
    values = (
        10
        + 3 * np.sin(2 * np.pi * t / 12)
        + np.random.RandomState(0).normal(scale=0.1, size=96)
    )
    months = pd.date_range("2000-01-31", periods=96, freq="ME")
    fitted = [
        small(max_iter=5).fit(pd.Series(values, index=index), fh=[1, 2])
        for index in (months, pd.DatetimeIndex(list(months)))  # freq None
    ]
    assert fitted[1].window_length_ == fitted[0].window_length_ == 3 * 12
    pd.testing.assert_series_equal(fitted[1].predict(), fitted[0].predict())
    days = pd.date_range("2000-01-01", periods=40, freq="D")
    ends = {"a": 40, "b": 35}  # series that end at different times
    y = pd.concat(
        [
            pd.DataFrame(
                {"v": values[:n]},
                index=pd.MultiIndex.from_product([[key], days[:n]], names=["id", "t"]),
            )
            for key, n in ends.items()
        ]
    )
    pred = small(window_length=5).fit(y, fh=[1]).predict()
    assert list(pred.index) == [("a", days[-1] + days.freq), ("b", days[35])]


def test_training_windows_are_ordered_oldest_first():
    """The regressor's early stopping holds out the newest windows of all series."""
    index = pd.MultiIndex.from_tuples(
        [(k, t) for k, n in [("a", 30), ("b", 40)] for t in range(n)],
        names=["id", "time"],
    )
    y = pd.DataFrame({"v": np.arange(70, dtype=float)}, index=index)
    forecaster = small(window_length=5, calibration_fraction=0).fit(y, fh=[1, 2])
    data = _reduction.training_set(
        [s.values() for s in forecaster._series],
        [s.scale for s in forecaster._series],
        forecaster._geometry,
    )
    assert (np.diff(data.ages) <= 0).all()
    assert list(data.ages[-2:]) == [0, 0]  # both series' newest windows come last
    assert len(data.ages) == (30 - 6) + (40 - 6)
    # The contract is enforced where windows reach the regressor.
    shuffled = _reduction.TrainingSet(data.X[::-1], data.y[::-1], data.ages[::-1])
    with pytest.raises(ValueError, match="oldest first"):
        _reduction.fit_regressor(LSTMRegressor(max_iter=1), shuffled)


@pytest.mark.slow
def test_prediction_interval_coverage_on_simulated_series():
    """90% intervals cover about 90% of a simulated random walk with drift."""
    rng = np.random.RandomState(0)
    n_series, length, horizon = 20, 150, 6
    steps = 0.5 + rng.normal(size=(n_series, length + horizon))
    paths = 50 + np.cumsum(steps, axis=1)
    index = pd.MultiIndex.from_product(
        [range(n_series), range(length + horizon)], names=["id", "time"]
    )
    y = pd.DataFrame({"y": paths.ravel()}, index=index)
    train = y[y.index.get_level_values("time") < length]
    test = y[y.index.get_level_values("time") >= length]
    forecaster = small(window_length=10, calibration_fraction=0.2)
    forecaster.fit(train, fh=np.arange(1, horizon + 1))
    intervals = forecaster.predict_interval(coverage=[0.5, 0.9])
    truth = test["y"].to_numpy()
    coverage = {}
    for c in (0.5, 0.9):
        lower = intervals[("y", c, "lower")].to_numpy()
        upper = intervals[("y", c, "upper")].to_numpy()
        coverage[c] = np.mean((truth >= lower) & (truth <= upper))
    assert 0.8 <= coverage[0.9] <= 0.99
    assert 0.3 <= coverage[0.5] <= 0.7
    # Random-walk errors grow with the horizon, and so do the intervals.
    assert forecaster.error_variance_[0, 1] > 0


def test_recursive_intervals_are_calibrated_over_several_steps_whatever_fit_fh():
    """A recursive model's intervals hold for any later horizon: fit with
    fh=[1] calibrates as far ahead as fit without fh, so that the growth
    of a random walk's errors is measured (with one step it cannot be)."""
    y = series(np.cumsum(np.random.RandomState(0).normal(size=200)))
    fits = [small(strategy="recursive", max_iter=5).fit(y, fh=fh) for fh in ([1], None)]
    np.testing.assert_array_equal(fits[0].error_variance_, fits[1].error_variance_)
    assert fits[0].error_variance_[0, 1] > 0
    widths = [
        np.diff(f.predict_interval(fh=[1, 24], coverage=0.9).to_numpy()).ravel()
        for f in fits
    ]
    assert widths[0][1] > 1.5 * widths[0][0]
    np.testing.assert_allclose(widths[0], widths[1])


def test_quantiles_are_consistent_with_the_point_forecast():
    y = load_airline()
    forecaster = small(calibration_fraction=0.15).fit(y, fh=np.arange(1, 13))
    quantiles = forecaster.predict_quantiles(alpha=[0.05, 0.5, 0.95])
    point = forecaster.predict()
    np.testing.assert_allclose(quantiles.iloc[:, 1], point.to_numpy())
    assert (quantiles.iloc[:, 0] < quantiles.iloc[:, 1]).all()
    assert (quantiles.iloc[:, 1] < quantiles.iloc[:, 2]).all()
    without = small(calibration_fraction=0).fit(y, fh=[1, 2])
    # Without calibration the forecaster declares no interval capability,
    # and says why (sktime's message asked for an sktime issue).
    assert not without.get_tag("capability:pred_int")
    for method in ("interval", "quantiles", "var", "proba"):
        with pytest.raises(NotImplementedError, match=r"calibration_fraction=0\)"):
            getattr(without, f"predict_{method}")()


def test_update_moves_the_origin_and_can_keep_training():
    y = series(np.sin(np.arange(100) / 4) * 10 + 50)
    forecaster = small(window_length=12, n_estimators=2)
    forecaster.fit(y.iloc[:80], fh=[1, 2, 3])

    def weights():
        return [
            {k: v.clone() for k, v in r.net_.module_.state_dict().items()}
            for r in forecaster.regressors_
        ]

    before = weights()
    forecaster.update(y.iloc[80:90], update_params=False)
    assert forecaster.cutoff[0] == y.index[89]
    pred = forecaster.predict()
    assert pred.index[0] == y.index[90]
    refit = small(window_length=12, n_estimators=2).fit(y.iloc[:80], fh=[1, 2, 3])
    refit_on_new_origin = refit.predict()  # forecasts from the old origin
    assert not np.allclose(pred.to_numpy(), refit_on_new_origin.to_numpy())
    for old, now in zip(before, weights(), strict=True):
        assert all(np.array_equal(old[k], now[k]) for k in old)
    forecaster.update(y.iloc[90:], update_params=True)
    for old, now in zip(before, weights(), strict=True):  # every network trains
        assert not all(np.array_equal(old[k], now[k]) for k in old)


def test_evaluate_with_expanding_window_splitter():
    y = load_airline().iloc[:96]
    cv = ExpandingWindowSplitter(initial_window=72, step_length=12, fh=[1, 2, 3])
    results = evaluate(small(window_length=12, max_iter=20), cv=cv, y=y)
    assert len(results) == 2
    assert np.isfinite(results["test_MeanAbsolutePercentageError"]).all()
    assert results["test_MeanAbsolutePercentageError"].mean() < 0.2


@pytest.mark.slow
def test_forecasting_grid_search():
    y = load_airline().iloc[:96]
    cv = ExpandingWindowSplitter(initial_window=72, step_length=12, fh=[1, 2, 3])
    grid = ForecastingGridSearchCV(
        small(max_iter=10),
        cv=cv,
        param_grid={"window_length": [6, 12], "estimator__hidden_size": [4, 8]},
    )
    grid.fit(y, fh=[1, 2, 3])
    assert len(grid.cv_results_) == 4
    assert grid.best_forecaster_.window_length_ == grid.best_params_["window_length"]
    assert len(grid.predict()) == 3


def test_bad_parameters_and_data():
    y = series(np.arange(30.0))
    with pytest.raises(ValueError, match="'strategy' parameter of RNNForecaster"):
        RNNForecaster(strategy="sideways").fit(y, fh=[1])
    with pytest.raises(ValueError, match="'calibration_fraction' parameter"):
        RNNForecaster(calibration_fraction=1.5).fit(y, fh=[1])
    for bad in (0, True):
        with pytest.raises(ValueError, match="'window_length' parameter"):
            RNNForecaster(window_length=bad).fit(y, fh=[1])
    with pytest.raises(TypeError, match="LSTMRegressor"):
        RNNForecaster(estimator="lstm").fit(y, fh=[1])
    with pytest.raises(ValueError, match="too few for window_length=25"):
        small(window_length=25).fit(y, fh=np.arange(1, 10))


def test_the_length_a_too_short_series_is_told_to_have_is_enough():
    """The count includes the calibration tail: 'at least 4 are needed' for a
    horizon of 3, and 4 then failed on the tail."""
    for horizon, fraction in ((1, 0.1), (3, 0.1), (3, 0.5), (3, 0)):
        forecaster = small(calibration_fraction=fraction)
        fh = np.arange(1, horizon + 1)
        with pytest.raises(ValueError, match="at least") as error:
            forecaster.fit(series(np.arange(horizon, dtype=float)), fh=fh)
        needed = int(re.search(r"at least (\d+)", str(error.value)).group(1))
        with pytest.raises(ValueError, match=f"(at least|series of) {needed} "):
            forecaster.fit(series(np.arange(needed - 1.0)), fh=fh)
        forecaster.fit(series(np.arange(float(needed))), fh=fh)


def test_a_step_beyond_the_fitted_horizon_names_the_series_that_needs_it():
    """sktime's 'different fh: re-fit' did not say that a panel's series
    count steps from their own ends, nor which one needs the step."""
    y = panel({"a": series(np.arange(40.0)), "b": series(np.arange(38.0))})
    forecaster = small(window_length=3).fit(y, fh=[1, 2])
    # Two steps after a's end, in time, is four after b's.
    two_after_a = ForecastingHorizon(
        pd.PeriodIndex(["2003-06"], freq="M"), is_relative=False
    )
    with pytest.raises(ValueError, match=r"4 steps ahead of the end of series b "):
        forecaster.predict(fh=two_after_a)
    with pytest.raises(ValueError, match="end at different times"):
        forecaster.predict_interval(fh=two_after_a)
    single = small(window_length=3).fit(series(np.arange(40.0)), fh=[1, 2])
    with pytest.raises(ValueError, match=r"3 steps ahead of the end of y, beyond"):
        single.predict(fh=[3])


def test_seasonal_period_of_sub_hourly_data_is_a_day():
    assert _reduction.seasonal_period(pd.tseries.frequencies.to_offset("30min")) == 48
    assert _reduction.seasonal_period(pd.tseries.frequencies.to_offset("5min")) == 12
    assert _reduction.seasonal_period(pd.tseries.frequencies.to_offset("2h")) == 12
    assert _reduction.seasonal_period(pd.tseries.frequencies.to_offset("7h")) is None
    # The business and semi-monthly variants of the calendar's cycles.
    for freq, period in [("BME", 12), ("BMS", 12), ("BQE", 4), ("SMS", 24), ("C", 5)]:
        offset = pd.tseries.frequencies.to_offset(freq)
        assert _reduction.seasonal_period(offset) == period, freq


def test_auto_window_length_follows_the_frequency():
    y = load_airline()  # monthly: three years of history
    forecaster = small(max_iter=1, calibration_fraction=0).fit(y, fh=[1])
    assert forecaster.window_length_ == 36
    fh = ForecastingHorizon(np.arange(1, 13))
    assert (
        small(max_iter=1, calibration_fraction=0).fit(y.iloc[:60], fh=fh).window_length_
        == 24
    )
    hours = pd.Series(
        np.arange(200.0), index=pd.date_range("2000", periods=200, freq="2h")
    )
    one_day = small(max_iter=1, calibration_fraction=0).fit(hours, fh=[1])
    assert one_day.window_length_ == 3 * 12  # three days of 12 steps
    no_freq = pd.Series(y.to_numpy())
    assert (
        small(max_iter=1, calibration_fraction=0).fit(no_freq, fh=[1]).window_length_
        == 24
    )


def test_one_convergence_warning_per_fit_in_the_forecasters_name(monkeypatch):
    y = series(np.sin(np.arange(40) / 3) + 5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        small(max_iter=2, window_length=5, n_estimators=2).fit(y, fh=[1])
    convergence = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(convergence) == 1
    message = str(convergence[0].message)
    assert message.startswith("RNNForecaster")
    assert "max_iter=2" in message
    # The default regressor's budget is the forecaster's choice: no warning.
    # Shortened here (the forecaster builds it) so that the test is quick.
    monkeypatch.setattr(
        _reduction,
        "default_regressor",
        lambda n: LSTMRegressor(hidden_size=4, max_iter=2, random_state=0),
    )
    default = RNNForecaster(calibration_fraction=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        default.fit(y, fh=[1])
    # max_iter ended the training of every network
    assert [r.n_iter_ for r in default.regressors_] == [2] * default.n_estimators


def test_default_regressor_spends_a_budget_of_gradient_steps():
    """Cost no longer grows with the number of windows times the epochs."""

    def steps(n_windows):
        regressor = _reduction.default_regressor(n_windows)
        assert regressor.max_iter >= _reduction._MIN_EPOCHS
        return regressor.max_iter * -(-n_windows // regressor.batch_size)

    assert steps(100) <= _reduction._STEP_BUDGET
    # 10 and 100 times the windows: less than twice and 3 times the steps.
    assert steps(1000) < 2 * steps(100)
    assert steps(10_000) < 3 * steps(100)
    assert _reduction.default_regressor(100_000).batch_size > 128
    # A window is read whole: its last steps carry the level forecasts add to.
    assert _reduction.default_regressor(100).random_crop == 1.0


def panel(frames):
    """A pd-multiindex frame from {instance: Series with a time index}."""
    return pd.concat(
        {k: v.to_frame("v") for k, v in frames.items()}, names=["inst", "time"]
    )


def test_an_update_in_the_other_layout_says_so():
    """A single series given to a panel's update (or the reverse) was
    reported as a series named [()] that fit did not see."""
    y = panel({"a": series(np.arange(30.0)), "b": series(5 + np.arange(30.0))})
    fitted = small(max_iter=2).fit(y, fh=[1, 2])
    new = series([30.0, 31.0], start="2002-07").to_frame("v")
    with pytest.raises(ValueError, match=r"a single series .*a panel of 2 series"):
        fitted.update(new)
    alone = small(max_iter=2).fit(y.loc["a"], fh=[1, 2])
    with pytest.raises(ValueError, match=r"received a panel .*a single series"):
        alone.update(panel({"a": new["v"]}))
    # Unknown instances of a panel are still named.
    with pytest.raises(ValueError, match=r"series \['c'\] that fit did not see"):
        fitted.update(panel({"c": new["v"]}))


def test_series_ending_at_different_times_are_forecast_from_their_own_end():
    y = panel(
        {
            "a": series(np.arange(40.0)),  # ends 2003-04
            "b": series(100 + np.arange(30.0)),  # ends 2002-06
        }
    )
    forecaster = small(window_length=5, calibration_fraction=0, max_iter=60)
    pred = forecaster.fit(y, fh=[1, 2]).predict()
    assert list(pred.loc["b"].index.astype(str)) == ["2002-07", "2002-08"]
    assert list(pred.loc["a"].index.astype(str)) == ["2003-05", "2003-06"]
    assert abs(pred.loc["b"].iloc[0, 0] - 130) < 5  # from b's own last value
    # An absolute fh is further ahead of b: the direct model reaches it.
    absolute = pd.PeriodIndex(["2003-05", "2003-06"], freq="M")
    fh = ForecastingHorizon(absolute, is_relative=False)
    forecaster.fit(y, fh=fh)
    assert forecaster.horizon_ == 12  # 2002-06 to 2003-06
    pred = forecaster.predict()
    assert pred.loc["b"].index.equals(absolute.rename("time"))


def test_update_aligns_new_observations_by_time():
    y = series(np.arange(60.0) ** 1.5)
    forecaster = small(window_length=5, calibration_fraction=0).fit(y.iloc[:40], fh=[1])
    forecaster.update(y.iloc[38:43], update_params=False)  # overlaps by 2
    (stored,) = forecaster._series
    np.testing.assert_array_equal(stored.y[:, 0], y.iloc[:43].to_numpy())
    assert forecaster.predict().index[0] == y.index[43]
    revised = y.iloc[41:43] + 1000  # revised past values replace the old ones
    forecaster.update(revised, update_params=False)
    (stored,) = forecaster._series  # updates replace the series record
    np.testing.assert_array_equal(stored.y[41:43, 0], revised.to_numpy())
    assert len(stored.y) == 43
    with pytest.raises(ValueError, match="gap"):
        forecaster.update(y.iloc[45:47], update_params=False)


def test_update_refuses_times_it_cannot_place():
    """Time points before the series' start, periods of another frequency,
    and timestamps with a time zone where fit had none: each is an error
    that names the mismatch (pandas' own TypeError named neither), and the
    forecaster is left as it was."""
    y = series(np.arange(40.0) ** 1.5)
    forecaster = small(window_length=5, calibration_fraction=0).fit(y, fh=[1])
    before = forecaster.predict()
    earlier = pd.Series([1.0], index=pd.period_range("1999-12", periods=1, freq="M"))
    with pytest.raises(ValueError, match=r"start at 1999-12, before the first"):
        forecaster.update(earlier, update_params=False)
    quarterly = pd.Series([1.0], index=pd.period_range("2003-09", periods=1, freq="Q"))
    with pytest.raises(ValueError, match=r"periods of frequency Q-DEC.* of M\b"):
        forecaster.update(quarterly, update_params=False)
    pd.testing.assert_series_equal(forecaster.predict(), before)
    days = pd.Series(
        np.arange(30.0), index=pd.date_range("2000-01-01", periods=30, freq="D")
    )
    daily = small(window_length=5, calibration_fraction=0).fit(days, fh=[1])
    zoned = pd.Series([1.0], index=pd.DatetimeIndex(["2000-01-31"]).tz_localize("UTC"))
    with pytest.raises(ValueError, match=r"timestamps of a time zone.* no time"):
        daily.update(zoned, update_params=False)


def test_columns_are_matched_by_name():
    rng = np.random.RandomState(0)
    y = pd.DataFrame(
        {"p": np.arange(50.0), "q": 1000 - 2 * np.arange(50.0)},
        index=series(np.zeros(50)).index,
    )
    forecaster = small(window_length=5, calibration_fraction=0).fit(y.iloc[:40], fh=[1])
    forecaster.update(y.iloc[40:44][["q", "p"]], update_params=False)
    np.testing.assert_array_equal(forecaster._series[0].y, y.iloc[:44].to_numpy())
    with pytest.raises(ValueError, match=r"columns seen in fit, \['p', 'q'\]"):
        forecaster.update(y.iloc[44:45].set_axis(["p", "r"], axis=1))
    # Exogenous columns too, with the recursive strategy reading future X.
    X = pd.DataFrame(rng.normal(size=(50, 2)), index=y.index, columns=["u", "w"])
    rec = small(window_length=5, strategy="recursive", calibration_fraction=0)
    rec.fit(y["p"].iloc[:40], X=X.iloc[:40])
    future = X.iloc[40:43]
    same = rec.predict(fh=[1, 2, 3], X=future[["w", "u"]])
    pd.testing.assert_series_equal(same, rec.predict(fh=[1, 2, 3], X=future))


def test_exogenous_X_at_fit_may_cover_more_than_y():
    rng = np.random.RandomState(0)
    y = series(np.cumsum(rng.normal(size=45)) + 10)
    X = pd.DataFrame({"x": rng.normal(size=45)}, index=y.index)
    params = dict(window_length=5, calibration_fraction=0)
    longer = small(**params).fit(y.iloc[:40], X=X, fh=[1, 2])
    exact = small(**params).fit(y.iloc[:40], X=X.iloc[:40], fh=[1, 2])
    future = X.iloc[40:42]
    pd.testing.assert_series_equal(longer.predict(X=future), exact.predict(X=future))


@pytest.mark.parametrize("X_treatment", ["concurrent", "shifted"])
def test_recursive_predict_needs_X_at_the_last_step_and_update_needs_X(X_treatment):
    """sktime's convention: X covers the horizon. "shifted": each step reads
    X up to the time before it, as its training windows did, so the value
    at the last forecast time does not change the forecasts; "concurrent"
    reads it."""
    rng = np.random.RandomState(0)
    y = series(np.cumsum(rng.normal(size=45)) + 10)
    X = pd.DataFrame({"x": rng.normal(size=45)}, index=y.index)
    rec = small(
        window_length=5,
        strategy="recursive",
        calibration_fraction=0,
        X_treatment=X_treatment,
    )
    rec.fit(y.iloc[:40], X=X.iloc[:40])
    with pytest.raises(ValueError, match="no values at 2003-07"):
        rec.predict(fh=[1, 2, 3], X=X.iloc[40:41])
    with pytest.raises(ValueError, match="recursive strategy reads X at every"):
        rec.predict(fh=[1, 2, 3])
    changed = X.iloc[40:43].copy()
    changed.iloc[-1] = 1e6
    same = rec.predict(fh=[1, 2, 3], X=changed).iloc[:2]
    pd.testing.assert_series_equal(same, rec.predict(fh=[1, 2], X=X.iloc[40:42]))
    last = rec.predict(fh=[3], X=changed).iloc[0]
    assert (last == rec.predict(fh=[3], X=X.iloc[40:43]).iloc[0]) == (
        X_treatment == "shifted"
    )
    with pytest.raises(ValueError, match="update needs X"):
        rec.update(y.iloc[40:42], update_params=False)


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_concurrent_X_informs_the_steps_it_belongs_to(strategy):
    """Promotions known in advance lift the days they fall on: the network
    must read them at the forecast times to forecast those days."""
    rng = np.random.RandomState(0)
    promo = (rng.rand(300) < 0.25).astype(float)
    y = series(10 + 3 * promo + 0.1 * rng.normal(size=300))
    X = pd.DataFrame({"promo": promo}, index=y.index)
    errors = {}
    for treatment in ("concurrent", "shifted"):
        forecaster = small(
            window_length=8,
            strategy=strategy,
            calibration_fraction=0,
            X_treatment=treatment,
            max_iter=100,
        )
        forecaster.fit(y.iloc[:290], X=X.iloc[:290], fh=np.arange(1, 11))
        pred = forecaster.predict(X=X.iloc[290:])
        errors[treatment] = np.abs(pred.to_numpy() - y.iloc[290:].to_numpy()).mean()
    assert errors["concurrent"] < 0.5 * errors["shifted"], errors


def test_direct_concurrent_X_reads_the_whole_horizon_and_shifted_none():
    """The direct model reads X for every step up to horizon_: steps of X
    not given are the last ones carried forward. "shifted" reads no future
    X at all."""
    rng = np.random.RandomState(0)
    y = series(np.cumsum(rng.normal(size=50)) + 10)
    X = pd.DataFrame({"x": rng.normal(size=50)}, index=y.index)
    params = dict(window_length=5, calibration_fraction=0, max_iter=5)
    concurrent = small(**params).fit(y.iloc[:44], X=X.iloc[:44], fh=[1, 2, 3, 4])
    assert concurrent.regressors_[0].n_features_in_ == 3  # y, x, the flag
    with pytest.raises(ValueError, match="X_treatment='shifted' to read X up"):
        concurrent.predict()
    carried = X.iloc[44:48].copy()
    carried.iloc[2:] = carried.iloc[1].to_numpy()
    pd.testing.assert_series_equal(
        concurrent.predict(fh=[1, 2], X=X.iloc[44:46]),
        concurrent.predict(X=carried).iloc[:2],
    )
    assert not np.allclose(
        concurrent.predict(X=X.iloc[44:48]), concurrent.predict(X=carried)
    )
    shifted = small(X_treatment="shifted", **params)
    shifted.fit(y.iloc[:44], X=X.iloc[:44], fh=[1, 2, 3, 4])
    assert shifted.regressors_[0].n_features_in_ == 2
    pd.testing.assert_series_equal(
        shifted.predict(), shifted.predict(X=X.iloc[44:48] * 100)
    )
    # Unread, but still checked as the other treatments check it.
    with pytest.raises(ValueError, match="X must have the columns seen in fit"):
        shifted.predict(X=X.iloc[44:48].assign(z=1.0))


def test_a_single_column_of_X_is_matched_by_name_unless_unnamed():
    """Another variable under another name does not pass for the one the
    model was fitted on; an array, or a Series without a name, is read by
    position (as a single column of y always is)."""
    rng = np.random.RandomState(0)
    y = series(np.cumsum(rng.normal(size=40)) + 10)
    X = pd.DataFrame(rng.normal(size=(43, 2)), index=series(np.zeros(43)).index)
    X.columns = ["price", "promo"]
    forecaster = small(max_iter=3).fit(y, X=X[["price"]].iloc[:40], fh=[1, 2, 3])
    with pytest.raises(ValueError, match=r"X must have the columns seen in fit"):
        forecaster.predict(X=X[["promo"]].iloc[40:])
    with pytest.raises(ValueError, match=r"X must have the columns seen in fit"):
        forecaster.update(y.iloc[-2:], X=X[["promo"]].iloc[38:40])
    unnamed = X["price"].iloc[40:].rename(None)
    pd.testing.assert_series_equal(
        forecaster.predict(X=unnamed), forecaster.predict(X=X[["price"]].iloc[40:])
    )


def test_update_refuses_an_array_whose_rows_sktime_would_number_from_0():
    """Numbered from 0, its values would revise the first observations."""
    y = np.cumsum(np.random.RandomState(0).normal(size=40))
    forecaster = small(max_iter=3).fit(y, fh=[1, 2])
    before = forecaster.predict()
    with pytest.raises(ValueError, match=r"numpy array.*first ends at 39"):
        forecaster.update(np.array([100.0, 101.0]))
    assert forecaster.cutoff[0] == 39
    np.testing.assert_array_equal(forecaster.predict(), before)
    forecaster.update(pd.Series([100.0, 101.0], index=pd.RangeIndex(40, 42)))
    assert forecaster.cutoff[0] == 41
    # A panel of arrays (sktime's numpy3D: instances, variables, time).
    panel = small(max_iter=3).fit(np.cumsum(np.ones((3, 1, 40)), axis=2), fh=[1])
    with pytest.raises(ValueError, match=r"numpy array"):
        panel.update(np.full((3, 1, 2), 999.0))


def test_a_datetime_index_without_a_frequency_is_refused_in_fit():
    """Two dated points without a frequency: pandas cannot infer one, and
    fit refuses them rather than leave predict to fail."""
    y = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2000-01-01", "2000-01-02"]))
    forecaster = small(max_iter=1, calibration_fraction=0, window_length=1)
    with pytest.raises(ValueError, match=r"no frequency.*from 2 time points"):
        forecaster.fit(y, fh=[1])
    assert not forecaster.is_fitted
    dated = forecaster.fit(y.asfreq("D"), fh=[1]).predict()
    assert dated.index[0] == pd.Timestamp("2000-01-03")
    # A revision keeps the frequency, which 2 points could not give again.
    revised = pd.Series([2.5], index=pd.date_range("2000-01-02", periods=1, freq="D"))
    assert forecaster.update(revised).predict().index[0] == pd.Timestamp("2000-01-03")


def test_concurrent_X_reads_ahead_with_any_estimator():
    """The direct model's regressors read each step at its row ahead,
    whatever the estimator's read-out, patches or crops; a module of the
    user's own is left as it is."""
    rng = np.random.RandomState(0)
    y = series(np.cumsum(rng.normal(size=40)) + 10)
    X = pd.DataFrame({"x": rng.normal(size=40)}, index=y.index)
    params = dict(window_length=5, calibration_fraction=0, max_iter=2)
    cropped = small(random_crop="auto", readout="pool", patch_size=2, **params)
    cropped.fit(y, X=X, fh=[1, 2, 3])
    regressor = cropped.regressors_[0]
    assert (regressor.readout, regressor.patch_size, regressor.random_crop) == (
        3,
        1,
        1.0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no word about read-outs
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=2
        own = RNNForecaster(
            window_length=5,
            estimator=LSTMRegressor(module=_Window, max_iter=2, device="cpu"),
            n_estimators=1,
            calibration_fraction=0,
        ).fit(y, X=X, fh=[1, 2, 3])
    assert own.regressors_[0].readout == "pool"  # untouched


class _Window(torch.nn.Module):
    """A minimal module of one's own: a linear map of the last step."""

    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.out = torch.nn.Linear(n_features, n_outputs)

    def forward(self, x, lengths=None):
        return self.out(torch.nan_to_num(x[:, -1]))


def test_the_linear_effect_of_concurrent_X_is_found_and_noise_is_not():
    """Least squares on the one-step changes finds y's linear response to
    X; a column that does not drive y gets a coefficient near 0, and so
    does one whose changes are constant (a time index), which only the
    series' own drift would explain."""
    rng = np.random.RandomState(0)
    x = np.column_stack([rng.normal(size=(300, 2)), np.arange(300.0)])
    y = np.cumsum(1 + rng.normal(size=300)) + 4 * x[:, 0]  # a drift, and X
    effect = _reduction.fit_exog_effect(np.column_stack([y, x]), 1)
    assert effect.shape == (3, 1)
    assert abs(effect[0, 0] - 4) < 0.3
    assert abs(effect[1, 0]) < 0.2
    assert effect[2, 0] == 0
    # In any units of X (the fit scales its columns), and too short a series
    # has none.
    tiny = _reduction.fit_exog_effect(np.column_stack([y, x * 1e-9]), 1)
    np.testing.assert_allclose(tiny * 1e-9, effect, rtol=1e-6, atol=1e-12)
    assert not _reduction.fit_exog_effect(np.column_stack([y, x])[:3], 1).any()


def test_series_of_a_panel_in_other_units_get_their_own_share_of_X():
    """One promotion lifts a shop of 10 and one of 10,000 by half: each
    series' own effect lifts it by its own half (a pooled effect in raw
    units gave the small shop hundreds)."""
    rng = np.random.RandomState(0)
    time = pd.period_range("2000-01-01", periods=83, freq="D")
    promo = (rng.rand(83) < 0.3).astype(float)
    promo[80:] = [1, 0, 1]
    shops = {"a": 10.0, "b": 1e4}
    y = pd.concat(
        {
            name: pd.DataFrame(
                {"y": level * (1 + 0.5 * promo) * (1 + 0.01 * rng.normal(size=83))},
                index=time,
            )
            for name, level in shops.items()
        },
        names=["shop", "day"],
    )
    X = pd.concat(
        {name: pd.DataFrame({"p": promo}, index=time) for name in shops},
        names=["shop", "day"],
    )
    days = y.index.get_level_values(1)
    train = days < time[80]
    forecaster = small(window_length=7, calibration_fraction=0, max_iter=5)
    pred = forecaster.fit(y[train], X=X[train], fh=[1, 2, 3]).predict(X=X[~train])
    for name, level in shops.items():
        np.testing.assert_allclose(
            pred.loc[name].to_numpy().ravel(),
            [1.5 * level, level, 1.5 * level],
            rtol=0.1,
        )
    # An update measures the effects again, on all the data.
    first = days < time[60]
    forecaster.fit(y[first], X=X[first], fh=[1, 2, 3])
    forecaster.update(y[~first & train], X=X[~first & train])
    for s in forecaster._series:
        np.testing.assert_allclose(s.effect, _reduction.fit_exog_effect(s.values(), 1))
        assert len(s.y) == 80
    pred = forecaster.predict(X=X[~train])
    for name, level in shops.items():
        np.testing.assert_allclose(
            pred.loc[name].to_numpy().ravel(),
            [1.5 * level, level, 1.5 * level],
            rtol=0.1,
        )


def test_forecasters_pickled_before_X_treatment_read_X_up_to_the_cutoff():
    rng = np.random.RandomState(0)
    y = series(np.cumsum(rng.normal(size=40)) + 10)
    X = pd.DataFrame({"x": rng.normal(size=40)}, index=y.index)
    fitted = small(window_length=5, calibration_fraction=0, max_iter=2)
    fitted.set_params(X_treatment="shifted").fit(y, X=X, fh=[1])
    state = copy.deepcopy(fitted.__dict__)
    del state["X_treatment"]
    state["_geometry"] = replace(state["_geometry"])
    object.__delattr__(state["_geometry"], "future_exog")  # as old pickles
    old = RNNForecaster.__new__(RNNForecaster)
    old.__setstate__(state)
    assert old.get_params()["X_treatment"] == "shifted"
    pd.testing.assert_series_equal(old.predict(), fitted.predict())


def test_recursive_panel_predict_names_a_series_missing_from_X():
    rng = np.random.RandomState(0)
    y = panel({k: series(np.cumsum(rng.normal(size=30)) + 10) for k in ("a", "b")})
    X = pd.DataFrame({"x": rng.normal(size=len(y))}, index=y.index)
    rec = small(window_length=5, strategy="recursive", calibration_fraction=0)
    rec.fit(y, X=X)
    future = pd.DataFrame(
        {"x": [0.0, 0.0]},
        index=pd.MultiIndex.from_product([["a"], series(np.zeros(2), "2002-07").index]),
    )
    with pytest.raises(
        ValueError, match="X passed to predict has no rows for series b"
    ):
        rec.predict(fh=[1, 2], X=future)


def test_constant_series_get_constant_forecasts():
    """Exactly, with intervals of no width: a placeholder scale at float32
    resolution let the network's output through (0.6 units at 1e9, 6e-10
    for a series of zeros)."""
    for level in (0.0, 0.001, 7.0, 5e6, 1e9):
        y = series(np.full(40, level))
        forecaster = small(window_length=5).fit(y, fh=[1, 2])
        np.testing.assert_array_equal(forecaster.predict().to_numpy(), level)
        interval = forecaster.predict_interval(coverage=0.9).to_numpy()
        np.testing.assert_array_equal(interval, level)
        # A density, not NaN (a Normal of scale 0) nor inf (a denormal one).
        dist = forecaster.predict_proba()
        point = forecaster.predict().to_frame(dist.columns[0])
        assert np.isfinite(np.asarray(dist.pdf(point), dtype=float)).all()


def test_a_series_constant_up_to_rounding_leaves_a_panel_alone():
    """At a level of 1e20 float64 rounds in steps of 16384: such a series
    has the scale 0, and its rounding must not reach the network or the
    variance of the other series' errors, which are then those of a panel
    beside an exactly constant series. Its densities stay finite."""
    rng = np.random.RandomState(0)
    walk = series(rng.normal(size=60).cumsum())
    jitter = 1e20 + np.spacing(1e20) * rng.randint(-3, 4, size=60)
    fits = []
    for flat in (jitter, np.full(60, 1e20)):
        forecaster = small(window_length=5, max_iter=3)
        fits.append(forecaster.fit(panel({"a": walk, "b": series(flat)}), fh=[1, 2]))
    np.testing.assert_allclose(fits[0].error_variance_, fits[1].error_variance_)
    assert fits[0]._series[1].scale[0] == 0
    log_pdf = fits[1].predict_proba().log_pdf(fits[1].predict())
    assert np.isfinite(np.asarray(log_pdf)).all()


def test_a_straight_line_is_not_a_constant_series():
    """Steps that are all equal have no spread but a size, the line's step,
    which is its scale. A constant's placeholder scale gave the network of a
    panel windows of 1e5 and more, and forecasts of the other series far
    from their last values."""
    line = series(np.arange(50.0) * 2 + 100)
    np.testing.assert_allclose(_reduction.step_scale(line.to_numpy()[:, None]), [2.0])
    rng = np.random.RandomState(0)
    walks = {name: series(rng.normal(size=50).cumsum()) for name in "ab"}
    forecaster = small(window_length=5, calibration_fraction=0, max_iter=20)
    pred = forecaster.fit(panel({**walks, "line": line}), fh=[1]).predict()
    for name, walk in walks.items():
        assert abs(pred.loc[name].iloc[0, 0] - walk.iloc[-1]) < 3, name
    assert abs(pred.loc["line"].iloc[0, 0] - 200) < 6


def test_calibration_holds_out_the_tail_then_continues_the_same_model(monkeypatch):
    y = panel(
        {"long": series(np.arange(300.0)), "short": series(np.arange(30.0), "2022-07")}
    )
    seen = []
    fit = _forecaster.fit_regressor

    def spy(regressor, data, **kwargs):
        seen.append((id(regressor), len(data.X), kwargs.get("warm_start", False)))
        return fit(regressor, data, **kwargs)

    monkeypatch.setattr(_forecaster, "fit_regressor", spy)
    forecaster = small(window_length=5, max_iter=2, n_estimators=2).fit(y, fh=[1])
    # Each network learns the windows of 10 % less of each series (270 and
    # 27 rows), then all windows, continuing from its own weights.
    head, full = (270 - 5) + (27 - 5), (300 - 5) + (30 - 5)
    assert [n for _, n, _ in seen] == [head, head, full, full]
    assert [warm for _, _, warm in seen] == [False, False, True, True]
    members = [id(r) for r in forecaster.regressors_]
    assert [i for i, _, _ in seen] == members + members
    assert all(r.warm_start is False for r in forecaster.regressors_)  # restored
    short = series(np.arange(40.0))
    with pytest.raises(ValueError, match=r"calibration_fraction=0\.1 holds out"):
        small(window_length=35).fit(short, fh=[1, 2, 3])
    assert small(window_length=35, calibration_fraction=0).fit(short, fh=[1, 2, 3])


def test_test_params_skip_the_calibration_once():
    params = RNNForecaster.get_test_params()
    assert any(p.get("calibration_fraction") == 0 for p in params)
    without = RNNForecaster(calibration_fraction=0)
    assert without.get_tag("capability:pred_int") is False
    assert RNNForecaster().get_tag("capability:pred_int") is True


def test_a_series_far_from_zero_forecasts_as_well_as_at_zero():
    """Windows are built in float64 and the level subtracted before float32."""
    rng = np.random.RandomState(0)
    values = 10 * np.sin(np.arange(120) / 4) + rng.normal(size=120)
    preds = []
    for offset in (0.0, 1e9):
        forecaster = small(window_length=12, calibration_fraction=0, max_iter=30)
        pred = forecaster.fit(series(values + offset), fh=np.arange(1, 7)).predict()
        preds.append(pred.to_numpy() - offset)
    assert np.std(preds[1]) > 1  # not flat
    # The normalised windows can differ in their last float32 bit (the
    # float64 level of values near 1e9 is exact to about 1e-7), which 30
    # epochs of training carry into the weights: the forecasts differed by
    # a few thousandths here and by up to 0.05 on another CPU and torch
    # build (an H200 machine's), of a series whose swings are 10. Float32
    # windows would give steps of 64 and a flat forecast.
    np.testing.assert_allclose(preds[1], preds[0], atol=0.25)


def test_a_series_in_tiny_units_forecasts_as_in_ordinary_ones():
    """The step scale is relative to the series' size: a floor of 1 made
    every change of a series near 1e-16 none (an unscaled forecast of
    1e48 at 1e-60), and at 1e-200 the squared changes underflowed to 0: a
    flat forecast, and intervals of no width."""
    rng = np.random.RandomState(0)
    values = 10 + np.sin(np.arange(80) / 4) + 0.1 * rng.normal(size=80)
    preds = []
    for factor in (1.0, 1e-60, 1e-200):
        forecaster = small(window_length=12, calibration_fraction=0.2, max_iter=5)
        forecaster.fit(series(values * factor), fh=[1, 2, 3])
        bounds = forecaster.predict_interval(coverage=0.8).to_numpy()
        preds.append(np.c_[forecaster.predict().to_numpy(), bounds] / factor)
    np.testing.assert_allclose(preds[1], preds[0], rtol=1e-5)
    np.testing.assert_allclose(preds[2], preds[0], rtol=1e-5)


def test_an_update_with_reordered_columns_labels_intervals_by_name():
    """sktime's interval mixin labels the quantiles' columns by position,
    from the last y seen: its columns in another order swapped them."""
    rng = np.random.RandomState(0)
    y = pd.DataFrame(
        {
            "small": 1 + 0.1 * rng.normal(size=40).cumsum(),
            "large": 1000 + 10 * rng.normal(size=40).cumsum(),
        },
        index=pd.period_range("2000-01", periods=40, freq="M"),
    )
    forecaster = small(window_length=6, calibration_fraction=0.2)
    forecaster.fit(y.iloc[:36], fh=[1, 2]).update(y.iloc[36:38][["large", "small"]])
    point = forecaster.predict()
    intervals = forecaster.predict_interval(coverage=0.9)
    for column in ("small", "large"):
        lower = intervals[(column, 0.9, "lower")]
        upper = intervals[(column, 0.9, "upper")]
        assert ((lower <= point[column]) & (point[column] <= upper)).all()


def test_a_refused_update_leaves_the_output_type_and_intervals():
    """sktime's checks of y, which run before the refusal, recorded the
    refused frame as the last y seen."""
    y = series(np.arange(40.0) + np.sin(np.arange(40)))
    forecaster = small(window_length=6, calibration_fraction=0.2)
    forecaster.fit(y.iloc[:36], fh=[1, 2])
    before = forecaster.predict_interval()
    wrong = pd.DataFrame({"a": y.iloc[36:38], "b": y.iloc[36:38]})
    with pytest.raises(ValueError, match="columns seen in fit"):
        forecaster.update(wrong)
    assert isinstance(forecaster.predict(), pd.Series)
    pd.testing.assert_frame_equal(forecaster.predict_interval(), before)


def test_categorical_X_is_refused_by_its_tag():
    y = series(np.arange(40.0))
    X = pd.DataFrame({"c": pd.Categorical(["a", "b"] * 20)}, index=y.index)
    with pytest.raises(TypeError, match="does not support categorical"):
        small().fit(y, X=X, fh=[1])
    assert RNNForecaster().get_tag("property:randomness") == "derandomized"


def test_a_regressor_subclass_predicts_with_its_own_predict():
    """The networks share one validation of their windows, except a
    subclass whose predict does more."""

    class Shifted(LSTMRegressor):
        def predict(self, X):
            return super().predict(X) + 1000.0

    y = series(np.sin(np.arange(60) / 3))
    shifted = Shifted(hidden_size=8, max_iter=3, random_state=0, device="cpu")
    plain = LSTMRegressor(hidden_size=8, max_iter=3, random_state=0, device="cpu")
    forecasts = [
        RNNForecaster(
            estimator=e,
            window_length=6,
            n_estimators=1,
            calibration_fraction=0,
            random_state=0,
        )
        .fit(y, fh=[1, 2])
        .predict()
        for e in (shifted, plain)
    ]
    assert (forecasts[0] - forecasts[1] > 100).all()


def test_update_with_negative_data_lifts_the_zero_floor():
    y = series(np.linspace(20, 0.5, 80))
    forecaster = small(window_length=6).fit(y, fh=[1, 2, 3])
    assert forecaster.nonnegative_.all()
    later = pd.Series(
        np.linspace(-1, -10, 10), index=series(np.zeros(10), "2006-09").index
    )
    forecaster.update(later)
    assert not forecaster.nonnegative_.any()
    assert (forecaster.predict().to_numpy() < 0).all()  # not held at zero


def test_an_update_that_only_revises_keeps_the_cutoff_at_the_series_end():
    """sktime sets the cutoff to the update's last time point; revised values
    alone would move it back, and absolute horizons would be mislabelled."""
    y = series(np.sin(np.arange(60) / 3) + 5)
    forecaster = small(window_length=6, calibration_fraction=0).fit(y, fh=[1, 2])
    before = forecaster.predict()
    forecaster.update(y.iloc[40:42] + 1, update_params=False)
    assert forecaster.cutoff[0] == y.index[-1]
    pd.testing.assert_index_equal(forecaster.predict().index, before.index)


def test_exogenous_X_far_from_zero_keeps_its_resolution():
    """X is shifted by its fit mean in float64 before float32: a column of
    timestamps in seconds (1e9 + t) is the column t to the network."""
    rng = np.random.RandomState(0)
    y = series(np.cumsum(rng.normal(size=60)) + 10)
    t = np.arange(60.0)
    preds = []
    for offset in (0.0, 1e9):
        X = pd.DataFrame({"x": t + offset}, index=y.index)
        forecaster = small(window_length=6, calibration_fraction=0, max_iter=10)
        forecaster.fit(y.iloc[:57], X=X.iloc[:57], fh=[1, 2, 3])
        preds.append(forecaster.predict(X=X.iloc[57:]).to_numpy())
    np.testing.assert_allclose(preds[1], preds[0], rtol=1e-6)


def test_non_negative_data_get_non_negative_forecasts():
    """Counts that hit zero: forecasts and interval bounds stay at or above it."""
    rng = np.random.RandomState(0)
    t = np.arange(120)
    counts = rng.poisson(np.maximum(0, 3 * np.sin(t / 3)) + 0.05).astype(float)
    y = series(counts)
    forecaster = small(window_length=12, max_iter=30).fit(y, fh=np.arange(1, 13))
    assert forecaster.nonnegative_.tolist() == [True]
    assert (forecaster.predict() >= 0).all()
    assert (forecaster.predict_interval(coverage=0.9).to_numpy() >= 0).all()
    shifted = small(window_length=12, max_iter=30).fit(y - 1, fh=[1])
    assert shifted.nonnegative_.tolist() == [False]


def test_direct_strategy_serves_a_subset_of_its_horizon():
    y = series(np.sin(np.arange(80) / 3) * 10 + 50)
    forecaster = small(window_length=10).fit(y, fh=np.arange(1, 13))
    full = forecaster.predict()
    part = forecaster.predict(fh=[1, 2, 3])
    pd.testing.assert_series_equal(part, full.iloc[:3])
    assert len(forecaster.predict_interval(fh=[2, 5])) == 2
    with pytest.raises(ValueError, match="re-fit"):
        forecaster.predict(fh=[13])


def test_seasonal_windows_are_centred_on_the_last_cycle():
    """The level of a window is the mean of its last cycle (one for no cycle)."""
    y = load_airline()
    forecaster = small(max_iter=1, calibration_fraction=0).fit(y, fh=[1])
    assert forecaster._geometry.level_span == 12
    flat = small(max_iter=1, calibration_fraction=0).fit(
        pd.Series(y.to_numpy()), fh=[1]
    )
    assert flat._geometry.level_span == 1
    windows = np.arange(24.0).reshape(1, 24, 1)
    geometry = _reduction.Geometry(24, 1, 1, level_span=12)
    X, level = _reduction.normalise(windows, np.ones(1), geometry)
    assert level[0, 0] == np.mean(np.arange(12.0, 24.0))
    assert X.dtype == np.float32


def test_seasonal_anchor_continues_the_profile_around_the_level():
    """Zero output forecasts the window's seasonal pattern at its level."""
    pattern = np.array([0.0, 3.0, -1.0, -2.0])
    # Noise that cancels over the cycles stays out of the anchor.
    noise = np.array([0.0] * 4 + [0.4, -0.4, 0.0, 0.0] + [-0.4, 0.4, 0.0, 0.0])
    windows = (10 + np.tile(pattern, 3) + noise).reshape(1, 12, 1)
    geometry = _reduction.Geometry(12, 6, 1, level_span=4)
    level = _reduction.normalise_level(windows, geometry)
    anchor = _reduction.anchors(windows, level, geometry, 6)
    np.testing.assert_allclose(anchor[0, :, 0], 10 + pattern[[0, 1, 2, 3, 0, 1]])
    # Without a cycle the anchor is the last value; a window padded at the
    # start (NaN) still gets a finite anchor.
    flat = _reduction.Geometry(12, 6, 1, level_span=1)
    assert (_reduction.anchors(windows, windows[:, -1, :], flat, 6) == 8).all()
    padded = windows.copy()
    padded[:, :6] = np.nan
    level = _reduction.normalise_level(padded, geometry)
    assert np.isfinite(_reduction.anchors(padded, level, geometry, 6)).all()


def test_network_weight_keeps_the_change_the_tail_supports():
    rng = np.random.RandomState(0)
    anchor_errors = rng.normal(size=(20, 6, 1))
    # The change removes the anchor's errors: kept in full.
    assert _calibration.network_weight(anchor_errors * 0, anchor_errors) == 1
    # It points away from the truth (least-squares weight -4): dropped.
    assert _calibration.network_weight(1.25 * anchor_errors, anchor_errors) == 0
    # It overshoots by as much as it corrects (least-squares weight 0.5):
    # that weight, averaged with 1.
    prior = _calibration._WEIGHT_PRIOR
    weight = _calibration.network_weight(-anchor_errors, anchor_errors)
    np.testing.assert_allclose(weight, (0.5 + prior) / (1 + prior))
    # NaN (past the end of a series) is left out.
    errors = anchor_errors * 0
    errors[:, -1] = np.nan
    assert _calibration.network_weight(errors, anchor_errors) == 1


def test_weight_zero_forecasts_the_anchor():
    y = load_airline()
    forecaster = small(max_iter=5).fit(y, fh=np.arange(1, 13))
    assert 0 <= forecaster.network_weight_[0] <= 1
    geometry = forecaster._geometry
    context = np.asarray(y, dtype=np.float64)[:, None]
    scales = np.stack([forecaster._series[0].scale])
    regressors = forecaster.regressors_
    shrunk = _reduction.forecast(
        regressors, [context], scales, geometry, 12, weight=[0]
    )
    window = context[None, -geometry.length :]
    level = _reduction.normalise_level(window, geometry)
    np.testing.assert_allclose(shrunk, _reduction.anchors(window, level, geometry, 12))
    unshrunk = small(max_iter=5, calibration_fraction=0).fit(y, fh=[1, 2])
    assert unshrunk.network_weight_.tolist() == [1.0]


def test_very_short_series_train_with_calibration_and_defaults():
    """36 monthly points, 12 ahead: the windows still leave a training set."""
    rng = np.random.RandomState(0)
    t = np.arange(36)
    y = series(100 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(size=36))
    forecaster = small(max_iter=30).fit(y, fh=np.arange(1, 13))
    assert forecaster.window_length_ >= 4
    # A window shorter than the cycle gets no seasonal profile.
    assert forecaster.window_length_ < 12
    assert not forecaster._geometry.seasonal_anchor
    assert forecaster.error_variance_ is not None
    pred = forecaster.predict()
    assert np.isfinite(pred).all()


def test_change_is_damped_over_the_horizon_without_a_cycle():
    """A series without a known cycle forecasts a damped trend."""
    # Damped-trend shares: (phi + ... + phi**h) / h.
    np.testing.assert_allclose(
        _reduction.damping_factors(0.5, 3), [0.5, 0.75 / 2, 0.875 / 3]
    )
    assert (_reduction.damping_factors(1.0, 4) == 1).all()
    rng = np.random.RandomState(0)
    values = 100 + 2.0 * np.arange(80) + rng.normal(scale=0.5, size=80)
    y = pd.Series(values)  # a RangeIndex: no known cycle
    forecaster = small(max_iter=5).fit(y, fh=np.arange(1, 7))
    geometry = forecaster._geometry
    assert geometry.damping == _reduction._DAMPING < 1
    # Monthly data have a cycle: their change is not damped.
    assert small(max_iter=5).fit(series(values), fh=[1])._geometry.damping == 1
    context = values[:, None]
    scales = np.stack([forecaster._series[0].scale])
    args = (forecaster.regressors_, [context], scales)
    damped = _reduction.forecast(*args, geometry, 6)[0, :, 0]
    undamped = _reduction.forecast(*args, replace(geometry, damping=1.0), 6)[0, :, 0]
    factors = _reduction.damping_factors(geometry.damping, 6)
    np.testing.assert_allclose(damped - values[-1], factors * (undamped - values[-1]))


def test_forecasts_average_the_networks():
    """Each network's forecast, averaged, is the forecaster's."""
    rng = np.random.RandomState(0)
    y = series(np.sin(np.arange(80) / 3) + rng.normal(scale=0.3, size=80))
    forecaster = small(window_length=10, n_estimators=3, max_iter=5).fit(
        y, fh=[1, 2, 3]
    )
    assert len(forecaster.regressors_) == 3
    assert not forecaster.nonnegative_.any()  # no floor: forecasts are linear
    singles = []
    for regressor in forecaster.regressors_:
        single = copy.deepcopy(forecaster)
        single.regressors_ = [regressor]
        singles.append(single.predict().to_numpy())
    assert not np.allclose(singles[0], singles[1])  # the networks differ
    np.testing.assert_allclose(
        forecaster.predict().to_numpy(), np.mean(singles, axis=0), rtol=1e-6
    )


def test_networks_get_distinct_reproducible_seeds():
    y = series(np.sin(np.arange(60) / 3) + 5)
    fits = [small(window_length=6, n_estimators=3, max_iter=3) for _ in range(2)]
    preds = [f.fit(y, fh=[1, 2]).predict().to_numpy() for f in fits]
    np.testing.assert_array_equal(preds[0], preds[1])
    seeds = [r.random_state for r in fits[0].regressors_]
    assert len(set(seeds)) == 3
    # Without the forecaster's random_state the estimator's seeds them: all
    # distinct still (three copies of one network would be no ensemble).
    forecaster = RNNForecaster(
        estimator=LSTMRegressor(hidden_size=4, max_iter=2, random_state=7),
        n_estimators=3,
        calibration_fraction=0,
    ).fit(y, fh=[1])
    assert len({r.random_state for r in forecaster.regressors_}) == 3
    with pytest.raises(InvalidParameterError, match="n_estimators"):
        RNNForecaster(n_estimators=0).fit(y, fh=[1])


def test_predicting_part_of_the_fitted_horizon_keeps_it():
    """A peek at step 1 must not make step 1 the horizon of later calls."""
    forecaster = small(max_iter=5).fit(load_airline(), fh=range(1, 7))
    assert len(forecaster.predict(fh=[1])) == 1
    assert len(forecaster.predict()) == 6
    assert len(forecaster.predict_interval()) == 6
    assert list(forecaster.fh) == list(range(1, 7))
    # sktime's message would advise a refit, which cannot forecast them
    # either; the type is sktime's for a forecaster without in-sample
    # predictions, as the recursive strategy raises it.
    for in_sample in ([0], [-1, 2]):
        with pytest.raises(NotImplementedError, match="forecasts only steps after"):
            forecaster.predict(fh=in_sample)
    recursive = small(max_iter=5, strategy="recursive").fit(load_airline(), fh=[1])
    with pytest.raises(NotImplementedError, match="in-sample"):
        recursive.predict(fh=[0, 1])


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_a_horizon_of_durations_counts_steps_of_the_frequency(strategy):
    y = pd.Series(
        np.arange(60.0) + 1, index=pd.date_range("2020-01-01", periods=60, freq="D")
    )
    by_duration = small(max_iter=5, strategy=strategy).fit(
        y, fh=pd.to_timedelta(["1D", "2D"])
    )
    by_steps = small(max_iter=5, strategy=strategy).fit(y, fh=[1, 2])
    pd.testing.assert_series_equal(by_duration.predict(), by_steps.predict())
    with pytest.raises(ValueError, match="does not fall on steps of the series'"):
        small(max_iter=5).fit(y, fh=pd.to_timedelta(["12h"]))
    # At predict too, in our words rather than sktime's advice to refit.
    with pytest.raises(ValueError, match="does not fall on steps of the series'"):
        by_duration.predict(fh=pd.to_timedelta(["12h"]))
    if strategy == "direct":
        with pytest.raises(NotImplementedError, match="forecasts only steps after"):
            by_duration.predict(fh=pd.to_timedelta(["-1D", "1D"]))


def test_a_horizon_of_durations_on_a_period_index():
    """A daily PeriodIndex counts days as a DatetimeIndex does; a quarterly
    one cannot count days, and says so in the words of fh."""
    values = np.arange(60.0) + 1
    daily = pd.Series(values, index=pd.period_range("2020-01-01", periods=60, freq="D"))
    by_duration = small(max_iter=5).fit(daily, fh=pd.to_timedelta(["1D", "2D"]))
    by_steps = small(max_iter=5).fit(daily, fh=[1, 2])
    pd.testing.assert_series_equal(by_duration.predict(), by_steps.predict())
    quarterly = pd.Series(values, index=pd.period_range("2000Q1", periods=60, freq="Q"))
    with pytest.raises(ValueError, match=r"holds durations, which the steps"):
        small(max_iter=5).fit(quarterly, fh=pd.to_timedelta(["90D"]))


def test_predict_var_is_the_calibrated_variance_despite_the_zero_floor():
    """sktime's default reads the variance from the 50 % interval, which the
    zero floor of counts narrows near 0; predict_proba inherits it."""
    y = series(np.tile([0.0, 1, 0, 0, 2, 0, 0, 0, 1, 0], 10))
    forecaster = small(max_iter=5).fit(y, fh=[1, 2, 3])
    assert forecaster.nonnegative_.all()
    variance = forecaster.predict_var().iloc[:, 0].to_numpy()
    a, b = forecaster.error_variance_[0]
    scale = forecaster._series[0].scale[0]
    np.testing.assert_allclose(variance, (a + b * np.arange(1, 4)) * scale**2)
    q95 = forecaster.predict_quantiles(alpha=[0.95]).iloc[:, 0].to_numpy()
    proba = forecaster.predict_proba().quantile([0.95]).iloc[:, 0].to_numpy()
    np.testing.assert_allclose(proba, q95, rtol=1e-6)  # above the floor
    # No covariance across steps: the same marginal variances, as sktime's
    # default gives (but without the floor's narrowing).
    np.testing.assert_allclose(forecaster.predict_var(cov=True).iloc[:, 0], variance)


def test_update_predict_single_keeps_the_type_of_y_and_matches_update_then_predict():
    """sktime's default hands its inner frame to the public update, which
    then made this and every later forecast of a Series a DataFrame."""
    rng = np.random.RandomState(0)
    y = series(np.cumsum(rng.normal(size=60)) + 10, start="2000-01")
    X = pd.DataFrame({"x": rng.normal(size=63)}, index=series(np.zeros(63)).index)
    params = dict(max_iter=3, window_length=6, calibration_fraction=0)
    one_step = small(**params).fit(y.iloc[:56], X=X.iloc[:56], fh=[1, 2, 3])
    two_steps = copy.deepcopy(one_step)
    forecast = one_step.update_predict_single(y.iloc[56:58], X=X.iloc[56:61])
    assert isinstance(forecast, pd.Series)
    assert isinstance(one_step.predict(X=X.iloc[58:61]), pd.Series)
    two_steps.update(y.iloc[56:58], X=X.iloc[56:58])
    pd.testing.assert_series_equal(forecast, two_steps.predict(X=X.iloc[58:61]))
    # A failed update leaves the forecaster as it was, as update does.
    cutoff = one_step.cutoff
    with pytest.raises(ValueError, match="missing data"):
        one_step.update_predict_single(y.iloc[58:60] * np.nan, X=X.iloc[58:63])
    assert one_step.cutoff == cutoff


def test_an_update_rescales_a_series_that_was_constant_and_warns():
    y = series([0.0] * 48 + [4, 2, 0, 6, 3, 3, 5, 1, 2, 3, 4, 3])
    forecaster = small(max_iter=5).fit(y.iloc[:48], fh=[1, 2, 3])
    assert forecaster._series[0].scale[0] == 0
    with pytest.warns(UserWarning, match="was constant when fitted and varies"):
        forecaster.update(y.iloc[48:])
    scale = forecaster._series[0].scale[0]
    assert scale == pytest.approx(np.std(np.diff(y.to_numpy())))
    kept = small(max_iter=5).fit(y.iloc[:48], fh=[1, 2, 3])
    with pytest.warns(UserWarning, match="was constant"):
        kept.update(y.iloc[48:], update_params=False)  # the origin only
    assert kept._series[0].scale[0] == 0
    # Intervals of no width, as the warning says.
    pred = kept.predict().to_numpy()
    interval = kept.predict_interval(coverage=0.9).to_numpy()
    np.testing.assert_array_equal(interval, np.column_stack([pred, pred]))


def test_intervals_from_too_few_calibration_errors_warn():
    """10 points hold out 1 at the default fraction: one squared error."""
    y = series(np.arange(10.0))
    with pytest.warns(UserWarning, match="rest on 1 forecast error"):
        small(max_iter=5).fit(y, fh=[1])
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*rest on .* forecast error")
        small(max_iter=5).fit(series(np.arange(60.0)), fh=[1])


@pytest.mark.parametrize("with_x", [False, True])
@pytest.mark.parametrize(
    ("lengths", "window"), [({"a": 100, "b": 13}, 12), ({"a": 30, "b": 2}, 1)]
)
def test_a_series_whose_calibration_head_is_shorter_than_a_cycle(
    lengths, window, with_x
):
    """With a 12-month window, series b keeps 11 of its 13 months before
    its held-out tail: the first contexts of the calibration are shorter
    than the 12-month level. Their level is that of the months they have
    (it was NaN, and the regressor refused the windows). A series of 2
    points keeps 1 before its tail, too few for a change: it has no effect
    of X, without numpy's warnings about empty means."""
    rng = np.random.RandomState(0)
    y = panel(
        {k: series(np.cumsum(rng.normal(size=n)) + 10) for k, n in lengths.items()}
    )
    X = pd.DataFrame({"x": rng.normal(size=len(y))}, index=y.index)
    forecaster = small(window_length=window, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # few calibration errors
        fitted = forecaster.fit(y, X=X if with_x else None, fh=[1])
        future = None
        if with_x:
            ends = {k: y.loc[k].index[-1] + 1 for k in lengths}
            future = pd.DataFrame(
                {"x": 0.5},
                index=pd.MultiIndex.from_tuples(ends.items(), names=y.index.names),
            )
        assert np.isfinite(fitted.predict(X=future).to_numpy()).all()
