"""Tests for make_windows, SlidingWindowTransformer and equalize_lengths."""

import doctest
import pickle
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklearn_rnn._windowing as windowing_module
from sklearn_rnn import SlidingWindowTransformer, equalize_lengths, make_windows

NAN = np.nan

# The seed's tables: lookback 3, delay 2 on the series 10, 20, ..., 90.
MEASURE1 = np.arange(10.0, 100.0, 10.0)
MEASURE2 = np.round(np.arange(1, 10) / 10, 1)
LECTURE_WINDOWS = [
    [10, 20, 30],
    [20, 30, 40],
    [30, 40, 50],
    [40, 50, 60],
    [50, 60, 70],
]
LECTURE_TARGETS = [50, 60, 70, 80, 90]
LECTURE_MULTIVARIATE_WINDOWS = [
    [(10, 0.1), (20, 0.2), (30, 0.3)],
    [(20, 0.2), (30, 0.3), (40, 0.4)],
    [(30, 0.3), (40, 0.4), (50, 0.5)],
    [(40, 0.4), (50, 0.5), (60, 0.6)],
    [(50, 0.5), (60, 0.6), (70, 0.7)],
]


def f32(values):
    return np.asarray(values, dtype=np.float32)


def lecture_frame():
    return pd.DataFrame({"Measure1": MEASURE1, "Measure2": MEASURE2})


# ---------------------------------------------------------------------------
# make_windows: the seed tables
# ---------------------------------------------------------------------------


def test_make_windows_reproduces_the_univariate_table():
    X, y = make_windows([10, 20, 30, 40, 50, 60, 70, 80, 90], 3, horizon=2)

    assert X.shape == (5, 3, 1)
    assert X.dtype == np.float32
    assert_array_equal(X[:, :, 0], f32(LECTURE_WINDOWS))
    assert_array_equal(y, f32(LECTURE_TARGETS))


@pytest.mark.parametrize(
    "series",
    [lecture_frame(), np.column_stack([MEASURE1, MEASURE2])],
    ids=["dataframe", "ndarray"],
)
def test_make_windows_reproduces_the_multivariate_table(series):
    X, y = make_windows(series, window_length=3, horizon=2)

    assert X.shape == (5, 3, 2)
    assert_array_equal(X, f32(LECTURE_MULTIVARIATE_WINDOWS))
    # Y(Measure1): the first column is the default target.
    assert_array_equal(y, f32(LECTURE_TARGETS))


def test_make_windows_target_by_column_name_and_position():
    _, y_name = make_windows(lecture_frame(), 3, horizon=2, target="Measure2")
    _, y_last = make_windows(lecture_frame(), 3, horizon=2, target=-1)

    assert_array_equal(y_name, f32([0.5, 0.6, 0.7, 0.8, 0.9]))
    assert_array_equal(y_last, y_name)


def test_make_windows_pandas_series_keeps_its_name():
    series = pd.Series(MEASURE1, name="Measure1")

    X, y = make_windows(series, 3, horizon=2, target="Measure1")

    assert X.shape == (5, 3, 1)
    assert_array_equal(y, f32(LECTURE_TARGETS))


# ---------------------------------------------------------------------------
# make_windows: horizons, targets, step
# ---------------------------------------------------------------------------


def test_make_windows_multi_step_horizon():
    X, y = make_windows(MEASURE1, 3, horizon=range(1, 4))

    # max(horizon) = 3 leaves 9 - 3 - 3 + 1 = 4 windows.
    assert_array_equal(X[:, :, 0], f32(LECTURE_WINDOWS[:4]))
    assert_array_equal(y, f32([[40, 50, 60], [50, 60, 70], [60, 70, 80], [70, 80, 90]]))


def test_make_windows_horizon_sequence_of_one_keeps_a_column():
    _, y = make_windows(MEASURE1, 3, horizon=[2])

    assert y.shape == (5, 1)
    assert_array_equal(y[:, 0], f32(LECTURE_TARGETS))


def test_make_windows_several_targets():
    _, y = make_windows(lecture_frame(), 3, horizon=2, target=["Measure2", 0])

    expected = [[0.5, 50], [0.6, 60], [0.7, 70], [0.8, 80], [0.9, 90]]
    assert_array_equal(y, f32(expected))


def test_make_windows_several_targets_and_horizons_are_horizon_major():
    _, y = make_windows(lecture_frame(), 3, horizon=[1, 2], target=[0, 1])

    # All targets at horizon 1, then all targets at horizon 2.
    expected = [
        [40, 0.4, 50, 0.5],
        [50, 0.5, 60, 0.6],
        [60, 0.6, 70, 0.7],
        [70, 0.7, 80, 0.8],
        [80, 0.8, 90, 0.9],
    ]
    assert y.shape == (5, 4)
    assert_array_equal(y, f32(expected))


def test_make_windows_unevenly_spaced_horizons_and_targets():
    series = np.column_stack([MEASURE1, MEASURE2, -MEASURE1])

    _, y = make_windows(series, 3, horizon=[3, 1], target=[2, 0])

    # Window 0 ends at row 2 (30): horizon 3 is row 5 (60), horizon 1 row 3 (40).
    expected = [
        [-60, 60, -40, 40],
        [-70, 70, -50, 50],
        [-80, 80, -60, 60],
        [-90, 90, -70, 70],
    ]
    assert_array_equal(y, f32(expected))


def test_make_windows_target_none_covers_the_whole_series():
    X, y = make_windows(MEASURE1, 3, horizon=2, target=None)

    assert y is None
    assert X.shape == (7, 3, 1)
    assert_array_equal(X[-1, :, 0], f32([70, 80, 90]))


@pytest.mark.parametrize(
    ("step", "starts"),
    [(1, [0, 1, 2, 3, 4]), (2, [0, 2, 4]), (3, [1, 4]), (4, [0, 4]), (10, [4])],
)
def test_make_windows_step_is_anchored_at_the_end(step, starts):
    X, y = make_windows(MEASURE1, 3, horizon=2, step=step)

    assert_array_equal(X[:, :, 0], f32(LECTURE_WINDOWS)[starts])
    assert_array_equal(y, f32(LECTURE_TARGETS)[starts])
    # The most recent window and its target are always there.
    assert_array_equal(X[-1, :, 0], f32([50, 60, 70]))
    assert y[-1] == 90


def test_make_windows_passes_nan_through():
    series = np.column_stack([MEASURE1, MEASURE2])
    series[4, 0] = NAN

    X, y = make_windows(series, 3, horizon=2)

    assert np.isnan(X[2:5, :, 0]).sum() == 3
    assert not np.isnan(X[:, :, 1]).any()
    assert np.isnan(y[0])
    assert not np.isnan(y[1:]).any()


@pytest.mark.parametrize("columns", [1, 2])
@pytest.mark.parametrize("row", [0, 4, 8])
def test_make_windows_refuses_a_row_missing_in_every_column(columns, row):
    # At either end of a window such a row is what the estimators read as
    # padding: the window would silently become a shorter sequence.
    series = np.column_stack([MEASURE1, MEASURE2][:columns])
    series[row] = NAN

    with pytest.raises(ValueError, match=rf"Row {row} of series is NaN in every"):
        make_windows(series, 3, horizon=2)


def test_make_windows_nullable_pandas_values_become_nan():
    frame = pd.DataFrame(
        {"a": pd.array([1.0, None, 3.0, 4.0], dtype="Float64"), "b": [1.0] * 4}
    )

    X, y = make_windows(frame, 2, horizon=1)

    assert_array_equal(X[:, :, 0], f32([[1, NAN], [NAN, 3]]))
    assert_array_equal(y, f32([3, 4]))


def test_make_windows_dtype():
    X, y = make_windows(MEASURE1, 3, horizon=2, dtype=np.float64)

    assert X.dtype == y.dtype == np.float64


def test_floats_among_objects_that_overflow_the_dtype_are_refused():
    frame = pd.DataFrame({"a": np.array([1.0, 1e300, 2.0, 3.0], dtype=object)})
    message = r"1e\+300, beyond the range of float32.*Pass dtype=np.float64"

    with pytest.raises(ValueError, match=message):
        make_windows(frame, 1)
    with pytest.raises(ValueError, match="Pass SlidingWindowTransformer"):
        SlidingWindowTransformer(window_length=1).fit(frame)


def test_float64_output_suggests_no_wider_dtype():
    """The remedy is an offset, not the dtype=np.float64 already given."""
    series = np.array([2**53 + 1, 2, 3])
    for call in (
        lambda: make_windows(series, 1, dtype=np.float64),
        lambda: SlidingWindowTransformer(1, dtype=np.float64).fit(series[:, None]),
    ):
        with pytest.raises(ValueError, match="first value") as info:
            call()
        assert "float64)" not in str(info.value)
        assert "Subtract an offset" in str(info.value)


# ---------------------------------------------------------------------------
# make_windows: memory
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(50,), (50, 3)])
def test_make_windows_returns_views_of_the_series(shape):
    series = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)

    X, y = make_windows(series, 4, horizon=range(1, 3), step=2)

    assert np.shares_memory(X, series)
    assert np.shares_memory(y, series)
    # Read-only, so writing into a window cannot corrupt the caller's series.
    assert not X.flags.writeable
    assert not y.flags.writeable


@pytest.mark.parametrize(
    ("horizon", "target", "view"),
    [
        (1, [0, 2], True),
        (range(1, 4), 1, True),
        (1, [2, 0], False),
        ([2, 1], 0, False),
        # Several horizons of several targets: (N, H, K) flattened, a copy.
        (range(1, 3), [0, 1], False),
    ],
)
def test_make_windows_targets_are_views_where_documented(horizon, target, view):
    series = np.arange(60, dtype=np.float32).reshape(20, 3)

    _, y = make_windows(series, 3, horizon=horizon, target=target)

    assert np.shares_memory(y, series) == view


def test_make_windows_casts_once():
    series = np.arange(100, dtype=np.float64).reshape(50, 2)

    X, y = make_windows(series, 4, horizon=2)

    assert X.dtype == y.dtype == np.float32
    assert not np.shares_memory(X, series)
    # Windows and targets come from the same single float32 copy.
    assert np.shares_memory(X, y)


def test_make_windows_long_series_is_instant_and_allocates_nothing():
    # 5,000,000 x 8 float32 (160 MB); all windows would take 16 GB.
    series = np.zeros((5_000_000, 8), dtype=np.float32)

    tracemalloc.start()
    try:
        tic = time.perf_counter()
        X, y = make_windows(series, 100, horizon=1)
        elapsed = time.perf_counter() - tic
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert X.shape == (4_999_900, 100, 8)
    assert y.shape == (4_999_900,)
    assert np.may_share_memory(X, series)
    assert peak < 1_000_000
    assert elapsed < 1.0


# ---------------------------------------------------------------------------
# make_windows: validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"window_length": 0}, r"'window_length' parameter .* range \[1, inf\)"),
        ({"window_length": 2.5}, r"'window_length' parameter"),
        ({"window_length": True}, r"window_length must be an int >= 1; got True"),
        ({"window_length": 3, "step": True}, r"step must be an int >= 1; got True"),
        ({"window_length": 3, "horizon": True}, r"horizon must be an int >= 1"),
        ({"window_length": 3, "horizon": 0}, r"'horizon' parameter"),
        ({"window_length": 3, "horizon": [1, 0]}, r"horizon must be .*\[0\]"),
        ({"window_length": 3, "horizon": []}, r"horizon must be .*non-empty"),
        ({"window_length": 3, "horizon": [2, 2]}, r"horizon must not contain dup"),
        ({"window_length": 3, "horizon": [[1, 2]]}, r"flat sequence .*\(1, 2\)"),
        ({"window_length": 3, "step": 0}, r"'step' parameter"),
        ({"window_length": 3, "dtype": np.int64}, r"dtype must be a floating"),
        ({"window_length": 3, "target": 5}, r"target=5 is out of range .* 1 col"),
        ({"window_length": 3, "target": "a"}, r"only available for pandas"),
        ({"window_length": 3, "target": []}, r"target must name at least one"),
        ({"window_length": 3, "target": [0, -1]}, r"target must not repeat"),
    ],
)
def test_make_windows_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_windows(MEASURE1, **kwargs)


@pytest.mark.parametrize(
    ("n_rows", "kwargs", "match"),
    [
        (4, {"horizon": 2}, r"4 rows .* 3 \+ 2 = 5"),
        (5, {"horizon": range(1, 4)}, r"5 rows .* 3 \+ 3 = 6"),
        (2, {"target": None}, r"2 rows but window_length=3 needs at least 3"),
    ],
)
def test_make_windows_rejects_short_series(n_rows, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_windows(MEASURE1[:n_rows], 3, **kwargs)


def test_make_windows_exact_minimum_length_gives_one_window():
    X, y = make_windows(MEASURE1[:5], 3, horizon=2)

    assert_array_equal(X[:, :, 0], f32([[10, 20, 30]]))
    assert_array_equal(y, f32([50]))


@pytest.mark.parametrize(
    ("series", "match"),
    [
        (np.zeros((10, 2, 2)), r"1-D \(T,\) or 2-D \(T, P\).* 3-D"),
        (np.array(5.0), r"1-D \(T,\) or 2-D \(T, P\).* 0-D"),
        (np.zeros((10, 0)), r"0 columns"),
        (np.array(list("abcdefghi")), r"series must be numeric"),
        (np.array([1, "x", 3, 4, 5], dtype=object), r"must be numeric.*could not"),
        (np.ones(9, dtype=complex), r"series must be numeric"),
    ],
)
def test_make_windows_rejects_bad_series(series, match):
    with pytest.raises(ValueError, match=match):
        make_windows(series, 3)


def test_make_windows_names_unknown_and_non_numeric_columns():
    frame = lecture_frame().assign(label=list("abcdefghi"))

    with pytest.raises(ValueError, match=r"'Measure3' is not a column .*Measure1"):
        make_windows(frame[["Measure1", "Measure2"]], 3, target="Measure3")
    with pytest.raises(ValueError, match=r"column\(s\) \['label'\] are not"):
        make_windows(frame, 3)


@pytest.mark.parametrize("target", [("price", "nothing"), ("price", "volume")])
def test_a_tuple_target_is_one_label_not_a_comparison_per_column(target):
    """A tuple as long as a flat Index was compared element-wise with it:
    ("price", "nothing") selected price, ("price", "volume") was "repeated"."""
    frame = pd.DataFrame({"price": np.arange(10.0), "volume": np.arange(10.0) * 10})
    with pytest.raises(ValueError, match=r"is not a column .* a list selects several"):
        make_windows(frame, 3, target=target)
    _, y = make_windows(frame, 3, target=list(target[:1]))
    assert_array_equal(y[:, 0], np.arange(3.0, 10.0))
    multi = frame.set_axis(pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")]), axis=1)
    assert_array_equal(
        make_windows(multi, 3, target=("a", "y"))[1], np.arange(3, 10) * 10
    )


def test_ragged_nested_lists_are_named():
    with pytest.raises(ValueError, match="series is not a rectangular array"):
        make_windows([[1.0, 2.0], [3.0]], 1)


# ---------------------------------------------------------------------------
# SlidingWindowTransformer
# ---------------------------------------------------------------------------

TABLE = np.array(
    [[0.0, 10.0], [1.0, 11.0], [2.0, 12.0], [3.0, 13.0], [4.0, 14.0]],
)


def test_transformer_row_contract():
    Xt = SlidingWindowTransformer(window_length=3).fit_transform(TABLE)

    assert Xt.shape == (5, 3, 2)
    assert Xt.dtype == np.float32
    expected = [
        [[NAN, NAN], [NAN, NAN], [0, 10]],
        [[NAN, NAN], [0, 10], [1, 11]],
        [[0, 10], [1, 11], [2, 12]],
        [[1, 11], [2, 12], [3, 13]],
        [[2, 12], [3, 13], [4, 14]],
    ]
    assert_array_equal(Xt, f32(expected))
    for t in range(2, 5):
        assert_array_equal(Xt[t], TABLE[t - 2 : t + 1])


@pytest.mark.parametrize(
    "series",
    [np.arange(4.0), list(range(4)), pd.Series(np.arange(4.0), name="x")],
    ids=["ndarray", "list", "series"],
)
def test_transformer_univariate_input(series):
    Xt = SlidingWindowTransformer(window_length=2).fit_transform(series)

    assert Xt.shape == (4, 2, 1)
    assert_array_equal(Xt[:, :, 0], f32([[NAN, 0], [0, 1], [1, 2], [2, 3]]))


def test_transformer_rejects_sequences_that_are_already_windows():
    X = np.zeros((8, 5, 2))
    transformer = SlidingWindowTransformer(window_length=3)
    with pytest.raises(ValueError, match=r"got a 3-D array of shape \(8, 5, 2\)"):
        transformer.fit(X)
    transformer.fit(X[0])
    with pytest.raises(ValueError, match="n_timesteps, n_features"):
        transformer.transform(X)


def test_transformer_window_longer_than_the_table():
    Xt = SlidingWindowTransformer(window_length=4).fit_transform(TABLE[:2, :1])

    assert_array_equal(Xt[:, :, 0], f32([[NAN, NAN, NAN, 0], [NAN, NAN, 0, 1]]))


def test_transformer_output_is_read_only_and_compact():
    X = np.random.default_rng(0).normal(size=(100_000, 4))
    transformer = SlidingWindowTransformer(window_length=50).fit(X)

    tracemalloc.start()
    try:
        Xt = transformer.transform(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # One padded float32 copy (1.6 MB), not all windows (80 MB).
    assert Xt.shape == (100_000, 50, 4)
    assert peak < 4_000_000
    assert not Xt.flags.writeable
    assert_array_equal(Xt[-1], X[-50:].astype(np.float32))


def test_transformer_nan_passes_through():
    X = TABLE.copy()
    X[3, 1] = NAN

    Xt = SlidingWindowTransformer(window_length=2).fit_transform(X)

    assert_array_equal(Xt[3], f32([[2, 12], [3, NAN]]))
    assert_array_equal(Xt[4], f32([[3, NAN], [4, 14]]))


def test_transformer_refuses_a_row_missing_in_every_column():
    # Fitted on complete rows, given a table whose newest row is missing: the
    # last window would be read as padded, a forecast from older rows only.
    transformer = SlidingWindowTransformer(window_length=3).fit(TABLE)
    X = TABLE.copy()
    X[-1] = NAN

    with pytest.raises(ValueError, match=r"Row 4 of X is NaN in every column"):
        transformer.transform(X)
    X[1] = NAN
    with pytest.raises(ValueError, match=r"Row 1 \(and 1 more\) of X .* ffill"):
        SlidingWindowTransformer(window_length=3).fit(X)


def test_a_refused_refit_keeps_the_fitted_columns():
    fitted = SlidingWindowTransformer(window_length=2).fit(
        pd.DataFrame({"a": [1.0, 2, 3], "b": [4.0, 5, 6]})
    )
    with pytest.raises(ValueError, match="NaN in every column"):
        fitted.fit(np.array([[1.0, 2, 3], [NAN] * 3]))
    assert fitted.n_features_in_ == 2
    assert list(fitted.feature_names_in_) == ["a", "b"]
    fitted.transform(pd.DataFrame({"a": [1.0, 2], "b": [4.0, 5]}))


def test_transformer_params_clone_and_pickle():
    transformer = SlidingWindowTransformer(window_length=3)
    assert transformer.get_params() == {"window_length": 3, "dtype": np.float32}
    assert transformer.set_params(window_length=2) is transformer
    assert clone(transformer).window_length == 2

    fitted = transformer.fit(TABLE)
    restored = pickle.loads(pickle.dumps(fitted))

    assert restored.n_features_in_ == 2
    assert_array_equal(restored.transform(TABLE), fitted.transform(TABLE))


def test_transformer_rejects_a_bad_window_length():
    with pytest.raises(ValueError, match=r"'window_length' parameter .* Got 0"):
        SlidingWindowTransformer(window_length=0).fit(TABLE)


def test_transformer_checks_the_number_of_features():
    transformer = SlidingWindowTransformer(window_length=3).fit(TABLE)

    with pytest.raises(ValueError, match="is expecting 2 features"):
        transformer.transform(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"fitted on 2 features\. Reshape your data"):
        transformer.transform(np.zeros(5))


def test_transformer_checks_feature_names():
    frame = pd.DataFrame(TABLE, columns=["a", "b"])
    transformer = SlidingWindowTransformer(window_length=3).fit(frame)

    assert_array_equal(transformer.feature_names_in_, ["a", "b"])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        assert_array_equal(transformer.transform(TABLE), transformer.transform(frame))
    with pytest.raises(ValueError, match="feature names should match"):
        transformer.transform(frame.rename(columns={"b": "c"}))


class WindowMean(RegressorMixin, BaseEstimator):
    """Predict the mean of the observed rows of each window (first feature)."""

    def fit(self, X, y):
        self.n_features_in_ = X.shape[2]
        return self

    def predict(self, X):
        return np.nanmean(X[:, :, 0], axis=1)


def test_transformer_in_a_pipeline_with_a_row_aligned_target():
    x = np.arange(8.0)
    pipe = make_pipeline(SlidingWindowTransformer(window_length=2), WindowMean())

    pipe.fit(x[:, None], x)

    assert_array_equal(pipe.predict(x[:, None]), [0, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5])


def test_transformer_window_length_is_tunable():
    x = np.random.default_rng(0).normal(size=60)
    # The target is the mean of the last three rows: only window_length=3 fits.
    y = pd.Series(x).rolling(3, min_periods=1).mean().to_numpy()
    pipe = make_pipeline(SlidingWindowTransformer(), WindowMean())
    search = GridSearchCV(
        pipe,
        {"slidingwindowtransformer__window_length": [1, 2, 3, 5]},
        cv=TimeSeriesSplit(n_splits=3),
    )

    search.fit(x[:, None], y)

    assert search.best_params_ == {"slidingwindowtransformer__window_length": 3}


# Each reason says what about windowing the check assumes away.
EXPECTED_FAILED_CHECKS = {
    "check_methods_sample_order_invariance": (
        "output row t is a sequence of the rows before t, so shuffling the rows "
        "changes the sequences themselves, not only their order"
    ),
    "check_methods_subset_invariance": (
        "a row transformed on its own has no preceding rows, so its sequence is "
        "padding instead of the window it gets inside the full table"
    ),
    "check_fit1d": (
        "a 1-D X is accepted on purpose as one univariate series, giving "
        "sequences of shape (T, window_length, 1)"
    ),
}


@parametrize_with_checks(
    [
        SlidingWindowTransformer(window_length=3),
        # Its preserves_dtype tag follows the dtype parameter.
        SlidingWindowTransformer(window_length=3, dtype=np.float64),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
    xfail_strict=True,
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------------
# equalize_lengths
# ---------------------------------------------------------------------------

RAGGED = [[1, 2, 3, 4, 5], [6, 7], [8, 9, 10, 11]]


def test_pad_defaults_to_the_longest_with_nan_before():
    X = equalize_lengths(RAGGED)

    expected = [[1, 2, 3, 4, 5], [NAN, NAN, NAN, 6, 7], [NAN, 8, 9, 10, 11]]
    assert X.shape == (3, 5, 1)
    assert X.dtype == np.float64
    assert_array_equal(X[:, :, 0], expected)


def test_pad_with_zeros_after_to_a_given_length():
    X = equalize_lengths(RAGGED, "pad", length=6, side="post", fill_value=0)

    expected = [[1, 2, 3, 4, 5, 0], [6, 7, 0, 0, 0, 0], [8, 9, 10, 11, 0, 0]]
    assert_array_equal(X[:, :, 0], expected)


def test_pad_refuses_to_cut_and_suggests_the_alternatives():
    with pytest.raises(ValueError, match=r"length=4.*'truncate'.*'split'"):
        equalize_lengths(RAGGED, "pad", length=4)


@pytest.mark.parametrize(
    ("side", "length", "expected"),
    [
        ("pre", None, [[4, 5], [6, 7], [10, 11]]),
        ("post", None, [[1, 2], [6, 7], [8, 9]]),
        ("pre", 1, [[5], [7], [11]]),
    ],
)
def test_truncate_keeps_the_most_recent_rows_by_default(side, length, expected):
    X = equalize_lengths(RAGGED, "truncate", length=length, side=side)

    assert_array_equal(X[:, :, 0], expected)


def test_truncate_refuses_to_pad():
    with pytest.raises(ValueError, match=r"truncate to length=3.*'pad'"):
        equalize_lengths(RAGGED, "truncate", length=3)


@pytest.mark.parametrize(
    ("side", "expected"),
    [
        ("pre", [[NAN, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]),
        ("post", [[1, 2], [3, 4], [5, NAN], [6, 7], [8, 9], [10, 11]]),
    ],
)
def test_split_into_chunks(side, expected):
    X, index = equalize_lengths(RAGGED, "split", length=2, side=side, return_index=True)

    assert X.shape == (6, 2, 1)
    assert_array_equal(X[:, :, 0], expected)
    assert_array_equal(index, [0, 0, 0, 1, 2, 2])


def test_split_produces_no_chunk_of_padding_only():
    X, index = equalize_lengths(
        RAGGED, "split", length=4, fill_value=0, return_index=True
    )

    # Lengths 5, 2, 4 become 8, 4, 4 rows: 2 + 1 + 1 chunks.
    expected = [[0, 0, 0, 1], [2, 3, 4, 5], [0, 0, 6, 7], [8, 9, 10, 11]]
    assert_array_equal(X[:, :, 0], expected)
    assert_array_equal(index, [0, 0, 1, 2])


def test_index_repeats_labels():
    labels = np.array(["a", "b", "c"])

    _, index = equalize_lengths(RAGGED, "split", length=2, return_index=True)
    _, pad_index = equalize_lengths(RAGGED, return_index=True)

    assert_array_equal(labels[index], ["a", "a", "a", "b", "c", "c"])
    assert_array_equal(pad_index, [0, 1, 2])


def test_multivariate_sequences_keep_their_features():
    sequences = [
        np.array([[1, 10], [2, 20], [3, 30]], dtype=np.float32),
        np.array([[4, 40]], dtype=np.float32),
    ]

    X = equalize_lengths(sequences, fill_value=-1)

    expected = [[[1, 10], [2, 20], [3, 30]], [[-1, -1], [-1, -1], [4, 40]]]
    assert X.dtype == np.float32
    assert_array_equal(X, f32(expected))


def test_a_frame_holds_one_sequence_per_row_as_a_2d_array_does():
    table = np.arange(6.0).reshape(2, 3)
    frame = pd.DataFrame(table, columns=["t0", "t1", "t2"])

    X = equalize_lengths(frame, "truncate", length=2)

    assert_array_equal(X, equalize_lengths(table, "truncate", length=2))
    assert_array_equal(X[:, :, 0], [[1, 2], [4, 5]])


def test_column_vectors_and_1d_sequences_mix():
    X = equalize_lengths([np.array([[1.0], [2.0]]), [3.0]], "pad")

    assert_array_equal(X[:, :, 0], [[1, 2], [NAN, 3]])


@pytest.mark.parametrize("method", ["pad", "truncate", "split"])
@pytest.mark.parametrize("side", ["pre", "post"])
def test_nan_padded_arrays_are_read_as_the_estimators_read_them(method, side):
    """Rows of NaN at either end of a sequence of a 2-D or 3-D array are
    padding (the output of "pad", the estimators' ragged format), not
    timesteps to truncate or split."""
    # A NaN row inside a sequence is a value (the estimators name it as an
    # error); it stays inside only when the sequence is padded whole.
    inside = [8.0, np.nan, 9.0] if method == "pad" else [8.0, 9.0, 10.0]
    ragged = [np.arange(1.0, 6.0), np.array([6.0, 7.0]), np.array(inside)]
    length = 2 if method == "split" else None
    expected = equalize_lengths(ragged, method, length=length, side=side)
    for padded_side in ("pre", "post"):
        padded = equalize_lengths(ragged, side=padded_side)
        for X in (padded, padded[:, :, 0]):  # 3-D, and 2-D univariate rows
            assert_array_equal(
                equalize_lengths(X, method, length=length, side=side), expected
            )


def test_all_nan_sequence_of_an_array_is_an_error():
    X = np.array([[1.0, 2.0], [np.nan, np.nan]])
    with pytest.raises(ValueError, match="Sequence 1 of sequences contains only NaN"):
        equalize_lengths(X)
    with pytest.raises(ValueError, match=r"Timestep 0 of sequence 1 .* start of"):
        equalize_lengths(list(X))


@pytest.mark.parametrize(
    ("sequences", "kwargs", "match"),
    [
        # At the end of a padded sequence: read as padding.
        ([[[1.0], [2.0], [NAN]], [[3.0]]], {}, r"Timestep 2 of sequence 0 .* end"),
        ([[1.0, 2.0], [NAN, 3.0, 4.0]], {"side": "post"}, r"Timestep 0 of seq.* 1"),
        # Truncation or a chunk's edge brings an inner NaN row to an end.
        ([[1.0, NAN, 3.0], [4.0, 5.0]], {"method": "truncate"}, r"Timestep 1 .* start"),
        ([[1.0, 2.0, 3.0, NAN, NAN]], {"method": "split", "length": 2}, r"Timestep 3"),
        # An array's timesteps are numbered as given, its padding included.
        (
            np.array([[NAN, NAN, 1.0, NAN, 3.0], [1.0, 2.0, 3.0, 4.0, 5.0]]),
            {"method": "truncate", "length": 2, "side": "post"},
            r"Timestep 3 of sequence 0 .* end",
        ),
        # Padded with another value, the sequence's own end is the output's.
        ([[NAN, 1.0, 2.0]], {"fill_value": 0.0}, r"Timestep 0 .* start"),
    ],
)
def test_a_nan_row_that_would_end_an_output_sequence_is_an_error(
    sequences, kwargs, match
):
    """The estimators read rows of NaN at either end of a sequence as
    padding: a missing row there would silently shorten the sequence."""
    with pytest.raises(ValueError, match=match):
        equalize_lengths(sequences, **kwargs)


def test_a_nan_row_inside_an_output_sequence_is_kept():
    """Inside a sequence it is a value, which the estimators name as an
    error; a row NaN in some features only is never padding."""
    X = equalize_lengths([[1.0, NAN, 3.0], [4.0, 5.0]])
    assert_array_equal(X[:, :, 0], [[1.0, NAN, 3.0], [NAN, 4.0, 5.0]])
    partly = [np.array([[1.0, 2.0], [3.0, NAN]]), np.array([[4.0, 5.0]])]
    assert_array_equal(equalize_lengths(partly)[0], partly[0])
    # Padded with zeros, a NaN row next to the padding is inside the output.
    zeros = equalize_lengths([[NAN, 1.0], [1.0, 2.0, 3.0]], fill_value=0.0)
    assert_array_equal(zeros[:, :, 0], [[0.0, NAN, 1.0], [1.0, 2.0, 3.0]])


@pytest.mark.parametrize(
    ("sequences", "kwargs", "match"),
    [
        ([], {}, r"sequences is an empty list"),
        ([[1, 2], [[1, 2], [3, 4]]], {}, r"same number of features P.*\[1, 2\]"),
        ([[1, 2], []], {}, r"sequence 1 has shape \(0,\)"),
        ([np.zeros((2, 2, 2))], {}, r"sequence 0 has shape \(2, 2, 2\)"),
        # One series where a list of them is expected: its values are scalars.
        (pd.Series([1.0, 2.0, 3.0]), {}, r"shape \(\).*wrap it in a list"),
        (np.arange(3.0), {}, r"shape \(\).*wrap it in a list"),
        ([["a", "b"]], {}, r"must be numeric"),
        (RAGGED, {"method": "chop"}, r"'method' .* among \{.*'pad'.*\}"),
        (RAGGED, {"length": 0}, r"'length' parameter .* range \[1, inf\)"),
        (RAGGED, {"side": "left"}, r"'side' parameter"),
        (RAGGED, {"method": "split"}, r"length is required for method='split'"),
        (RAGGED, {"method": "split", "length": True}, r"length must be an int"),
        (RAGGED, {"method": "truncate", "length": True}, r"length must be an int"),
        ([np.array([2**53 + 1, 2])], {}, r"integer 9007199254740993.*Subtract an"),
        (
            [np.ones(3, np.float32), np.ones(1, np.float32)],
            {"fill_value": 1e300},
            r"fill_value=1e\+300 is beyond the range of float32",
        ),
    ],
)
def test_equalize_lengths_rejects_bad_input(sequences, kwargs, match):
    with pytest.raises(ValueError, match=match):
        equalize_lengths(sequences, **kwargs)


@pytest.mark.parametrize(
    ("dtype", "fill_value"), [(np.float32, 1e39), (np.float16, 65510.0)]
)
def test_a_fill_value_beyond_the_dtype_is_refused_without_a_warning(dtype, fill_value):
    # Compared as Python floats: cast to the dtype first, 1e39 overflowed with
    # a RuntimeWarning, and 65510 rounded to float16's 65504 and passed.
    sequences = [np.ones(2, dtype), np.ones(1, dtype)]

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"beyond the range of float"):
            equalize_lengths(sequences, fill_value=fill_value)


# ---------------------------------------------------------------------------
# Docstring examples
# ---------------------------------------------------------------------------


def test_docstring_examples_run():
    results = doctest.testmod(
        windowing_module, optionflags=doctest.NORMALIZE_WHITESPACE
    )

    assert results.attempted > 10
    assert results.failed == 0


def test_a_pipeline_holding_the_transformer_takes_set_output():
    """Pipeline.set_output configures every step: the steps before the
    windows then pass frames, whose names the transformer checks."""
    from sklearn.preprocessing import StandardScaler

    X = pd.DataFrame(np.arange(40.0).reshape(20, 2), columns=["a", "b"])
    pipe = make_pipeline(StandardScaler(), SlidingWindowTransformer(3))
    windows = pipe.set_output(transform="pandas").fit_transform(X)
    assert isinstance(windows, np.ndarray)
    assert windows.shape == (20, 3, 2)
    assert list(pipe[-1].feature_names_in_) == ["a", "b"]
    with pytest.raises(ValueError, match="transform must be"):
        SlidingWindowTransformer().set_output(transform="arrow")


def test_transformer_parameters_are_checked_again_at_transform():
    """set_params after fit: window_length=0 failed in numpy's broadcasting,
    and a dtype the estimators do not take raised a plain ValueError."""
    X = np.arange(12.0).reshape(6, 2)
    windows = SlidingWindowTransformer(window_length=2).fit(X)
    windows.set_params(window_length=0)
    with pytest.raises(InvalidParameterError, match="'window_length' parameter"):
        windows.transform(X)
    with pytest.raises(InvalidParameterError, match=r"'dtype' parameter.*float16"):
        SlidingWindowTransformer(dtype=np.float16).fit(X)
