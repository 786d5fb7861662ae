"""Inputs that used to give a poor error: each now says what and how to fix it."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import fast, sequence_data
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.model_selection import cross_val_score
from sklearn.utils._param_validation import InvalidParameterError
from sktime.forecasting.base import ForecastingHorizon

from sklearn_rnn import (
    LSTMClassifier,
    LSTMRegressor,
    LSTMTagger,
    LSTMTranscriber,
    RNNForecaster,
    SlidingWindowTransformer,
    make_windows,
)


@pytest.mark.parametrize("name", ["num_layers", "fc_size", "hidden_size", "max_iter"])
@pytest.mark.parametrize("Estimator", [LSTMClassifier, LSTMRegressor])
def test_a_boolean_is_not_an_integer_parameter(Estimator, name):
    X, y = sequence_data(Estimator, n=10)
    with pytest.raises(InvalidParameterError, match=f"'{name}'.*not a bool; got True"):
        fast(Estimator, **{name: True}).fit(X, y)


@pytest.mark.parametrize(
    ("name", "value"),
    [("momentum", True), ("random_crop", True), ("label_smoothing", False)],
)
def test_a_boolean_is_not_a_float_parameter(name, value):
    X, y = sequence_data(LSTMClassifier, n=10)
    with pytest.raises(InvalidParameterError, match=f"'{name}'.*a number, not a bool"):
        fast(LSTMClassifier, **{name: value}).fit(X, y)


@pytest.mark.parametrize("name", ["n_estimators", "window_length"])
def test_a_boolean_is_not_an_integer_parameter_of_the_forecaster(name):
    y = pd.Series(np.arange(30.0))
    with pytest.raises(InvalidParameterError, match=f"'{name}'.*not a bool; got True"):
        RNNForecaster(**{name: True}).fit(y, fh=[1])


@pytest.mark.parametrize("n_jobs", [0, 2.5, "two", True])
def test_n_jobs_set_after_fit_is_checked_at_predict(n_jobs):
    X, y = sequence_data(LSTMClassifier, n=10)
    model = fast(LSTMClassifier).fit(X, y)
    model.set_params(n_jobs=n_jobs)
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter of LSTMC"):
        model.predict(X)


def test_a_boolean_is_not_a_window_length():
    # InvalidParameterError, as for window_length=0: one except clause.
    with pytest.raises(
        InvalidParameterError, match="window_length must be an int >= 1; got True"
    ):
        SlidingWindowTransformer(window_length=True).fit(np.ones((5, 2)))
    for bad in ({"window_length": True}, {"window_length": 2, "horizon": True}):
        with pytest.raises(InvalidParameterError, match="must be an int >= 1"):
            make_windows(np.ones((5, 2)), **bad)


def test_the_classifier_names_missing_and_mixed_labels():
    """scikit-learn's message for both spoke of continuous values."""
    X, _ = sequence_data(LSTMClassifier, n=10)
    labels = np.array(["a", "b"] * 5, dtype=object)
    labels[3] = None
    with pytest.raises(ValueError, match=r"y\[3\] is None, a missing label"):
        fast(LSTMClassifier).fit(X, labels)
    with pytest.raises(ValueError, match="Mix of label input types"):
        fast(LSTMClassifier).fit(X, np.array([0, "a"] * 5, dtype=object))
    numbers = fast(LSTMClassifier).fit(X, np.array([0, 1] * 5, dtype=object))
    assert numbers.classes_.tolist() == [0, 1]
    # As numbers, True and 1 would be one class: two labels would vanish.
    mixed = r"mix booleans and numbers \(True and 2\)"
    with pytest.raises(ValueError, match=mixed):
        fast(LSTMClassifier).fit(X, np.array([True, 2] * 5, dtype=object))
    with pytest.raises(ValueError, match=mixed):
        fast(LSTMClassifier).fit(X, [True, 2] * 5)  # a list: NumPy makes it ints


def test_the_tagger_refuses_booleans_beside_numbers_across_sequences():
    """One sequence of booleans and another of numbers: np.concatenate
    would merge True and 1 into one class."""
    X = np.random.RandomState(0).normal(size=(4, 3, 1))
    rows = [[True, False, True], [2, 1, 2], [True, True, False], [1, 2, 2]]
    mixed = r"mix booleans and numbers \(True and 2\)"
    for y in (
        np.array(rows, dtype=object),
        [np.array(row) for row in rows],
        rows,
    ):
        with pytest.raises(ValueError, match=mixed):
            LSTMTagger(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    booleans = LSTMTagger(hidden_size=4, max_iter=2, random_state=0)
    booleans.fit(X, np.array(rows[:1] * 4))
    assert booleans.classes_.tolist() == [False, True]
    # The transcriber's label index would make True and 1 one key.
    with pytest.raises(ValueError, match=r"mix booleans and numbers \(True and 1\)"):
        LSTMTranscriber(hidden_size=4, max_iter=2).fit(X, [[True], ["a", 1], [0], []])


def test_score_reads_numbers_held_as_objects_as_fit_does():
    """An object column of numbers fits; scoring on it must work too, where
    scikit-learn's accuracy_score calls such labels of unknown type."""
    X, y = sequence_data(LSTMClassifier, n=20, labels="int")
    as_objects = y.astype(object)
    clf = fast(LSTMClassifier).fit(X, as_objects)
    expected = np.mean(clf.predict(X) == y)
    assert clf.score(X, as_objects) == clf.score(X, y) == expected
    weights = np.arange(1.0, 21.0)
    assert clf.score(X, as_objects, sample_weight=weights) == clf.score(
        X, y, sample_weight=weights
    )
    scores = cross_val_score(fast(LSTMClassifier), X, as_objects, cv=2)
    assert np.all((scores >= 0) & (scores <= 1))


def test_a_tensor_requiring_grad_names_the_remedy():
    X, y = sequence_data(LSTMRegressor, n=10)
    tensor = torch.tensor(X, requires_grad=True)
    with pytest.raises(
        TypeError, match=r"X is a torch tensor that requires grad.*detach"
    ):
        fast(LSTMRegressor).fit(tensor, y)
    with pytest.raises(TypeError, match=r"y is a torch tensor that requires grad"):
        fast(LSTMRegressor).fit(X, torch.tensor(y, requires_grad=True))


def test_labels_per_timestep_point_the_classifier_to_the_tagger():
    X, y = sequence_data(LSTMClassifier, n=10)
    per_step = (np.asarray(X)[:, :, 0] > 0).astype(int)
    ragged = [row[: 3 + i % 2] for i, row in enumerate(per_step)]
    for labels, shown in [
        (per_step, r"an array of shape \(10, \d+\)"),
        (ragged, "a ragged list"),
    ]:
        with pytest.raises(ValueError, match=f"got {shown}.*use LSTMTagger"):
            fast(LSTMClassifier).fit(X, labels)
        with pytest.raises(ValueError, match="use LSTMTagger"):
            fast(LSTMClassifier).partial_fit(X, labels, classes=[0, 1])
    with pytest.raises(ValueError, match=r"several labels per sequence.*MultiOutput"):
        fast(LSTMClassifier).fit(X, np.c_[y, y, y])
    # A column of labels is still one per sequence (sklearn warns, ravels),
    # with the warning pointing at the user's call.
    for method in ("fit", "partial_fit"):
        kwargs = {"classes": np.unique(y)} if method == "partial_fit" else {}
        with pytest.warns(DataConversionWarning, match="column-vector") as caught:
            getattr(fast(LSTMClassifier), method)(X, y.reshape(-1, 1), **kwargs)
        assert {w.filename for w in caught} == {__file__}


def test_a_patch_too_long_for_memory_fails_before_allocating():
    X, y = sequence_data(LSTMClassifier, n=10, m=10)
    with pytest.raises(ValueError, match=r"padded to patch_size=10000000000 .*<= 10"):
        fast(LSTMClassifier, patch_size=10**10).fit(X, y)
    fast(LSTMClassifier, patch_size=16).fit(X, y)  # one patch per sequence


def test_the_size_error_names_every_size_parameter():
    X, y = sequence_data(LSTMRegressor, n=10)
    with pytest.raises(
        ValueError, match=r"fc_size=1000000000.*smaller values of .*fc_size"
    ):
        fast(LSTMRegressor, fc_size=10**9).fit(X, y)


def test_the_size_error_names_the_stems_kernel_size():
    X, y = sequence_data(LSTMClassifier, n=10)
    with pytest.raises(ValueError, match=r"kernel_size=100000000\).*, kernel_size\."):
        fast(LSTMClassifier, kernel_size=10**8).fit(X, y)


@pytest.mark.parametrize(
    ("scale", "offset"), [(1e-50, 0.0), (1e-3, 1e9)], ids=["tiny", "offset"]
)
@pytest.mark.parametrize("Estimator", [LSTMClassifier, LSTMRegressor])
def test_a_feature_float32_cannot_tell_apart_is_refused(Estimator, scale, offset):
    # Cast to float32 it is constant: it was standardised as constant and
    # read as nothing, silently (a constant prediction for the tiny one).
    X, y = sequence_data(Estimator, n=20, p=2)
    X[:, :, 1] = offset + scale * X[:, :, 1]
    model = fast(Estimator)
    with pytest.raises(ValueError, match=r"Feature 1 of X varies .* float32"):
        model.fit(X, y)
    assert not hasattr(model, "net_")
    X[:, :, 1] = 1e-30 * X[:, :, 0]  # small, but within float32
    fast(Estimator).fit(X, y)
    X[:, :, 1] = 0.3
    X[0, 0, 1] = 0.1 + 0.2  # float64 rounding: constant
    fast(Estimator).fit(X, y)


def test_a_module_without_trainable_parameters_is_refused():
    class LastValue(torch.nn.Module):
        def __init__(self, n_features, n_outputs):
            super().__init__()
            self.frozen = torch.nn.Linear(n_features, n_outputs).requires_grad_(False)

        def forward(self, x, lengths=None):
            return self.frozen(x[:, -1])

    X, y = sequence_data(LSTMRegressor, n=10)
    with pytest.raises(ValueError, match=r"module=LastValue\) has no trainable"):
        fast(LSTMRegressor, module=LastValue).fit(X, y)


@pytest.mark.parametrize(
    ("n", "advice"),
    [(2, "samples, or early"), (3, "samples, validation_fraction >= 0.334, or")],
)
def test_the_hold_out_advice_is_a_fraction_that_works(n, advice):
    X, y = sequence_data(LSTMRegressor, n=n)
    with pytest.raises(ValueError, match=f"needs at least 2. Use more {advice}"):
        fast(LSTMRegressor, early_stopping=True).fit(X, y)
    if n == 3:
        fast(LSTMRegressor, early_stopping=True, validation_fraction=0.334).fit(X, y)


def test_one_multivariate_sequence_as_a_2d_array_says_how_it_is_read():
    X, y = sequence_data(LSTMClassifier, n=10, p=2)
    model = fast(LSTMClassifier).fit(X, y)
    with pytest.raises(
        ValueError, match=r"read as .* 10 sequences of 2 steps.*X\[None\]"
    ):
        model.predict(X[0])
    model.predict(X[0][None])


def test_an_object_series_of_sequences_is_not_called_ragged():
    X, y = sequence_data(LSTMClassifier, n=10)
    with pytest.raises(ValueError, match=r"one ndarray per sequence.*list\(X\)"):
        fast(LSTMClassifier).fit(pd.Series(list(X)), y)
    fast(LSTMClassifier).fit(list(X), y)


def test_a_ragged_table_given_to_the_window_transformer_is_named():
    with pytest.raises(ValueError, match="rows have different lengths"):
        SlidingWindowTransformer(window_length=2).fit([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize(
    "y",
    [pd.Series([], dtype=float), pd.DataFrame(index=pd.RangeIndex(30))],
    ids=["no observations", "no columns"],
)
def test_the_forecaster_names_an_empty_y(y):
    with pytest.raises(ValueError, match=r"y has \d+ observations in \d+ columns"):
        forecaster().fit(y, fh=[1])


def test_regression_targets_of_different_lengths_name_the_rows():
    X, _ = sequence_data(LSTMRegressor, n=10)
    y = [[1.0, 2.0]] * 4 + [[1.0]] + [[1.0, 2.0]] * 5
    with pytest.raises(ValueError, match=r"y\[0\] has shape \(2,\) but y\[4\] has"):
        fast(LSTMRegressor).fit(X, y)
    assert fast(LSTMRegressor).fit(X, [[1.0, 2.0]] * 10).n_outputs_ == 2


def test_a_three_level_multiindex_is_not_a_panel():
    index = pd.MultiIndex.from_product(
        [["a", "b"], [0, 1], range(4)], names=["region", "store", "time"]
    )
    X = pd.DataFrame({"x": np.arange(16.0)}, index=index)
    with pytest.raises(ValueError, match=r"3 levels \['region', 'store', 'time'\]"):
        fast(LSTMRegressor).fit(X, np.arange(4.0))


def test_a_huge_network_fails_before_allocating():
    X, y = sequence_data(LSTMRegressor, n=10)
    with pytest.raises(ValueError, match=r"hidden_size=1000000.*would need .* TiB"):
        fast(LSTMRegressor, hidden_size=10**6).fit(X, y)


def test_a_huge_window_fails_before_allocating():
    transformer = SlidingWindowTransformer(window_length=10**13).fit(np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"window_length=10000000000000 would need"):
        transformer.transform(np.ones((5, 2)))


# -- RNNForecaster ---------------------------------------------------------------


def forecaster():
    return RNNForecaster(
        3, estimator=fast(LSTMRegressor, max_iter=1), calibration_fraction=0
    )


def monthly(values):
    return pd.Series(
        values, index=pd.period_range("2000-01", periods=len(values), freq="M")
    )


@pytest.mark.parametrize(
    ("value", "shown"), [(np.inf, "inf"), (1e200, "1e\\+200"), (1e39, "1e\\+39")]
)
def test_forecaster_names_y_and_the_time_point_of_a_bad_value(value, shown):
    values = np.arange(30.0)
    values[17] = value
    with pytest.raises(
        ValueError, match=rf"y contains the value {shown} .* at time point 2001-06"
    ):
        forecaster().fit(monthly(values), fh=[1])


def test_forecaster_rejects_a_string_exogenous_column():
    # sktime refuses it first, as the forecaster's categorical tag asks.
    y = monthly(np.arange(30.0))
    X = pd.DataFrame({"x": np.arange(30.0), "colour": ["red"] * 30}, index=y.index)
    with pytest.raises(TypeError, match="does not support categorical features"):
        forecaster().fit(y, X=X, fh=[1])


def test_update_with_another_index_type_says_so():
    fitted = forecaster().fit(monthly(np.arange(30.0)), fh=[1])
    new = pd.Series([30.0], index=pd.DatetimeIndex(["2002-07-31"]))
    with pytest.raises(
        ValueError,
        match="DatetimeIndex, but the forecaster was fitted with a PeriodIndex",
    ):
        fitted.update(new)


@pytest.mark.parametrize("problem", ["irregular", "duplicate"])
def test_an_irregular_or_duplicate_datetime_index_fails_at_fit(problem):
    times = list(pd.date_range("2000-01-01", periods=29, freq="D"))
    times.append(pd.Timestamp("2000-03-01") if problem == "irregular" else times[-1])
    y = pd.Series(np.arange(30.0), index=pd.DatetimeIndex(times))
    message = (
        r"irregular: it follows the frequency D up to 2000-01-29 00:00:00, then "
        r"steps to 2000-03-01 00:00:00 instead of 2000-01-30.*asfreq\('D'\)"
        if problem == "irregular"
        else "more than once"
    )
    with pytest.raises(ValueError, match=message):
        forecaster().fit(y, fh=[1])


def test_a_gap_in_business_days_is_named_where_it_is():
    # Measured against the first step, a Friday-to-Monday weekend was named,
    # with a daily resample (which would insert the weekends) as the remedy.
    days = pd.bdate_range("2024-01-01", periods=60).delete(30)
    y = pd.Series(np.arange(59.0), index=pd.DatetimeIndex(days.to_numpy()))
    match = r"frequency B up to 2024-02-09 .* to 2024-02-13 .*asfreq\('B'\)"
    with pytest.raises(ValueError, match=match):
        forecaster().fit(y, fh=[1])


@pytest.mark.parametrize(
    ("index", "message"),
    [
        (
            pd.Index(np.r_[np.arange(15), np.arange(20, 35)]),
            r"The Index of y is irregular: it steps from 14 to 20 after steps of 1",
        ),
        (
            pd.period_range("2000-01", periods=40, freq="M").delete(range(10, 20)),
            r"PeriodIndex of y is irregular: it steps from 2000-10 to 2001-09 "
            r"after steps of one period \(M\)",
        ),
        (
            pd.Index([0, 1, 2, 2, *range(3, 29)]),
            "the time point 2 more than once",
        ),
        # Regular, but horizons count in units: forecasts would be mislabelled.
        (
            pd.RangeIndex(0, 60, 2),
            "RangeIndex of y steps by 2, but forecasting horizons count steps of "
            "1: fh=1 would be labelled 59, where the next observation comes at 60",
        ),
    ],
)
def test_a_gap_in_an_integer_or_period_index_fails_at_fit(index, message):
    """Windows take consecutive observations as equally spaced: a gap would
    make some span more time than others."""
    y = pd.Series(np.sin(np.arange(30.0)), index=index)
    with pytest.raises(ValueError, match=message):
        forecaster().fit(y, fh=[1])
    for regular in (
        pd.RangeIndex(100, 130),
        pd.period_range("2000-01", periods=30, freq="2M"),  # steps of its freq
    ):
        forecaster().fit(pd.Series(y.to_numpy(), index=regular), fh=[1])


def test_x_given_to_predict_only_is_ignored_with_a_warning():
    y = pd.Series(np.sin(np.arange(30.0)))
    fitted = forecaster().fit(y, fh=[1, 2])
    X = pd.DataFrame({"a": np.arange(32.0)})
    with pytest.warns(UserWarning, match="X passed to predict is ignored"):
        with_x = fitted.predict(X=X.iloc[30:])
    np.testing.assert_array_equal(with_x, fitted.predict())
    later = pd.Series([0.5], index=pd.RangeIndex(30, 31))
    with pytest.warns(UserWarning, match="X passed to update is ignored"):
        fitted.update(later, X=X.iloc[30:31], update_params=False)


def test_update_keeps_the_steps_of_the_series():
    """A RangeIndex continues with integers of any index class; a gap among
    the new points is refused, and leaves the forecaster as it was."""
    y = pd.Series(np.sin(np.arange(30.0)))
    fitted = forecaster().fit(y, fh=[1])
    with pytest.raises(ValueError, match="steps from 31 to 35 after steps of 1"):
        fitted.update(pd.Series([0.1, 0.2, 0.3], index=[30, 31, 35]))
    assert fitted._series[0].times[-1] == 29
    # sktime moved the cutoff (and stored the data) before the check: put back.
    assert list(fitted.cutoff) == [29]
    assert list(fitted.predict().index) == [30]
    fitted.update(pd.Series([0.1, 0.2], index=[30, 31]))
    assert list(fitted.predict().index) == [32]


def _panel(frames):
    return pd.concat(
        {k: v.to_frame("v") for k, v in frames.items()}, names=["inst", "time"]
    )


def test_a_panel_of_series_of_different_frequencies_is_refused():
    """One frequency counts every series' horizon: a 2-daily series among
    daily ones was forecast at the next day, a month-start one beside a
    month-end one failed inside pandas."""
    rng = np.random.RandomState(0)
    for freqs in (("D", "2D"), ("MS", "ME")):
        y = _panel(
            {
                f"s{i}": pd.Series(
                    rng.normal(size=30), index=pd.date_range("2000", periods=30, freq=f)
                )
                for i, f in enumerate(freqs)
            }
        )
        with pytest.raises(
            ValueError, match=rf"frequencies: {freqs[0]} and {freqs[1]}"
        ):
            forecaster().fit(y, fh=[1])
    # A few weekdays pass for daily data alone; beside business-day series
    # they lie on the business-day grid.
    days = pd.bdate_range("2024-01-01", periods=40)
    y = _panel(
        {
            "long": pd.Series(rng.normal(size=40), index=days),
            "week": pd.Series(rng.normal(size=5), index=days[:5]),
        }
    )
    assert forecaster().fit(y, fh=[1]).predict().loc["week"].index[0] == days[5]


def test_panel_X_that_does_not_cover_y_names_the_series():
    rng = np.random.RandomState(0)
    index = pd.date_range("2000", periods=30, freq="D")
    y = _panel({k: pd.Series(rng.normal(size=30), index=index) for k in "ab"})
    X = y.rename(columns={"v": "x"})
    with pytest.raises(ValueError, match="X has no rows for series b"):
        forecaster().fit(y, X=X.loc[["a"]], fh=[1])
    with pytest.raises(ValueError, match="series a at 5 time point"):
        forecaster().fit(y, X=X.drop(index=index[:5], level=1), fh=[1])


def test_an_update_with_an_unknown_series_names_it_as_written():
    rng = np.random.RandomState(0)
    index = pd.date_range("2000", periods=31, freq="D")
    y = _panel({k: pd.Series(rng.normal(size=31), index=index) for k in "abc"})
    fitted = forecaster().fit(y.drop(index="c", level=0).iloc[:-2], fh=[1])
    later = y.loc[["c"]].iloc[-1:]
    with pytest.raises(ValueError, match=r"series \['c'\] .* it saw \['a', 'b'\]"):
        fitted.update(later, update_params=False)


def test_a_series_too_short_is_named_and_auto_said():
    rng = np.random.RandomState(0)
    index = pd.date_range("2000", periods=30, freq="D")
    y = _panel({k: pd.Series(rng.normal(size=30), index=index) for k in "ab"})
    y = y.drop(index=index[:27], level=1).combine_first(y.loc[["a"]])
    with pytest.raises(ValueError, match=r"series \('b'\) has 3 .*window_length=6"):
        forecaster().set_params(window_length=6).fit(y, fh=[1])
    with pytest.raises(ValueError, match=r"window_length='auto' \(here 1\).*shorter h"):
        forecaster().set_params(window_length="auto").fit(
            y.loc[["b"]].iloc[:2], fh=[1, 2]
        )


def test_an_absolute_fh_between_steps_is_refused():
    """sktime rounds 12:00 of a daily series to a day: the forecast of that
    day came back labelled 12:00."""
    y = pd.Series(np.sin(np.arange(30.0)), index=pd.date_range("2000", periods=30))
    fitted = forecaster().fit(y, fh=[1, 2])
    between = pd.DatetimeIndex(["2000-02-01 12:00"])
    with pytest.raises(ValueError, match="between the steps of the series'"):
        fitted.predict(fh=ForecastingHorizon(between, is_relative=False))
    for unit in ("ns", "us", "s"):  # time points on the grid, in any unit
        on_grid = pd.DatetimeIndex(["2000-02-01"]).as_unit(unit)
        fh = ForecastingHorizon(on_grid, is_relative=False)
        assert fitted.predict(fh=fh).index[0] == pd.Timestamp("2000-02-01")


def test_estimator_parameters_need_an_estimator():
    with pytest.raises(ValueError, match=r"estimator__hidden_size .* estimator=None"):
        RNNForecaster().set_params(estimator__hidden_size=8)
    given = RNNForecaster().set_params(
        estimator=LSTMRegressor(), estimator__hidden_size=8
    )
    assert given.estimator.hidden_size == 8


def test_update_of_an_unfitted_forecaster_is_not_fitted_error():
    from sktime.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        forecaster().update(monthly(np.arange(5.0)))


def test_an_update_that_raises_after_training_leaves_the_forecaster_as_it_was():
    """The warning of an update that ends on max_iter, raised as an error,
    left the new data and the trained networks with the old cutoff."""
    y = pd.Series(
        np.random.RandomState(0).normal(size=41).cumsum(),
        index=pd.period_range("2000-01", periods=41, freq="M"),
    )
    fitted = forecaster().fit(y.iloc[:40], fh=[1])
    before = fitted.predict()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning):
            fitted.update(y.iloc[40:])
    pd.testing.assert_series_equal(fitted.predict(), before)
    assert len(fitted._series[0].y) == 40


def test_future_X_is_checked_as_fit_checks_it():
    """An infinite future X named an internal window and timestep."""
    y = monthly(np.sin(np.arange(30.0)))
    X = pd.DataFrame({"x": np.arange(33.0)}, index=monthly(np.zeros(33)).index)
    fitted = forecaster().fit(y, X=X.iloc[:30], fh=[1, 2, 3])
    bad = X.iloc[30:].copy()
    bad.iloc[1, 0] = np.inf
    with pytest.raises(
        ValueError, match="value inf in column 'x' at time point 2002-08"
    ):
        fitted.predict(X=bad)
    assert np.isfinite(fitted.predict(X=X.iloc[30:])).all()


def test_a_table_of_samples_with_a_panel_index_is_told_apart():
    """sktime's global reduction passes windows as rows indexed (instance,
    time): read as a panel, 50 targets met 2 sequences, with no word of why."""
    index = pd.MultiIndex.from_product([["a", "b"], range(25)])
    X = pd.DataFrame(np.random.RandomState(0).normal(size=(50, 5)), index=index)
    y = np.arange(50.0)
    with pytest.raises(ValueError, match=r"one per row of X.*X\.to_numpy\(\)"):
        fast(LSTMRegressor).fit(X, y)
    fast(LSTMRegressor, max_iter=1).fit(X.to_numpy(), y)


def test_predicting_on_the_numpy3d_layout_names_the_transpose():
    X, y = sequence_data(LSTMClassifier, n=20, m=12, p=3)
    clf = fast(LSTMClassifier, max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match=r"numpy3D.*X\.transpose\(0, 2, 1\)"):
        clf.predict(X.transpose(0, 2, 1))
