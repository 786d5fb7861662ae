"""Turn time series into fixed-length sequences for recurrent networks.

Three tools, one per situation in the lecture notes:

- :func:`make_windows`: one long series becomes ``(X, y)`` with a lookback
  (``window_length``) and a delay (``horizon``), as in the seed tables.
- :class:`SlidingWindowTransformer`: the same windows inside a scikit-learn
  :class:`~sklearn.pipeline.Pipeline`, keeping one output row per input row.
- :func:`equalize_lengths`: a ragged list of sequences becomes one 3-D array by
  padding, truncating or splitting.

Everything here is numpy and pandas only. Windows of a long series are strided
views of a single float array, never a materialised copy of every window:
``T`` rows with lookback ``W`` would otherwise cost ``W`` times the memory.
"""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import (
    _hashable,
    as_numeric,
    as_sequence_list,
    check_allocation,
    observed_bounds,
)

__all__ = ["SlidingWindowTransformer", "equalize_lengths", "make_windows"]


# ---------------------------------------------------------------------------
# make_windows
# ---------------------------------------------------------------------------


@validate_params(
    {
        "series": ["array-like"],
        "window_length": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "step": [Interval(Integral, 1, None, closed="left")],
        "target": "no_validation",  # checked against the columns below
        "dtype": "no_validation",  # checked by _check_float_dtype
    },
    prefer_skip_nested_validation=True,
)
def make_windows(
    series, window_length, horizon=1, *, step=1, target=0, dtype=np.float32
):
    """Cut a time series into lookback windows and the targets that follow them.

    Window ``i`` starts at row ``s`` and covers rows ``[s, s + window_length)``;
    its target is the row ``s + window_length - 1 + horizon``, i.e. ``horizon``
    steps after the window's last row. This is the lecture's *lookback*
    (``window_length``) and *delay* (``horizon``).

    The series is cast to ``dtype`` once (no copy when it already has that
    dtype) and ``X`` is a read-only strided view of that array: building the
    windows of a series of millions of rows takes milliseconds (one scan for
    rows missing in every column) and no memory.

    Parameters
    ----------
    series : array-like of shape (T,) or (T, P), pandas Series or DataFrame
        The series, one row per timestep and one column per feature. NaN
        values are passed through unchanged, but a row that is NaN in every
        column is an error: in a window, the estimators would read it as
        padding rather than as a missing value.

    window_length : int
        Number of consecutive rows in each window (the lookback), ``>= 1``.

    horizon : int or sequence of int, default=1
        How many steps after the last row of a window its target lies (the
        delay), ``>= 1``. A sequence such as ``range(1, 4)`` gives one target
        per horizon (multi-step forecasting); the number of windows is then
        limited by ``max(horizon)``.

    step : int, default=1
        Stride between the starts of consecutive windows, ``>= 1``. Windows
        are anchored at the end of the series: the most recent window is
        always included and, when ``step > 1``, the windows that do not fit
        the stride are dropped at the start.

    target : int, str, list or None, default=0
        Column(s) to predict. An int is a column position (negative values
        count from the end, as in ``iloc``); any other value is looked up in
        the column labels of a DataFrame, or in the name of a Series. Pass a
        list to predict several columns. With ``None``, no target is built,
        ``y`` is None and the windows cover the whole series
        (``T - window_length + 1`` of them with ``step=1``), which is what
        prediction needs.

    dtype : floating dtype, default=np.float32
        Dtype of the returned arrays. It must be a floating-point dtype so that
        NaN can pass through. A cast that would change values silently is an
        error: finite values beyond the range of ``dtype`` (they would become
        infinite) and integers it cannot represent exactly (above 2**24 for
        float32). Pass ``np.float64`` to keep them.

    Returns
    -------
    X : ndarray of shape (N, window_length, P)
        The windows, batch-first; ``P = 1`` for a 1-D series. A read-only view
        of the series cast to ``dtype``. ``N = T - window_length - max(horizon)
        + 1`` for ``step=1`` (``T - window_length + 1`` with ``target=None``)
        and ``ceil`` of that over ``step`` otherwise.

    y : ndarray or None
        The targets, ``None`` if ``target`` is None. Its shape follows the
        types of ``target`` and ``horizon``:

        ==============================  ==================  ==============
        ``target``                      ``horizon``         ``y`` shape
        ==============================  ==================  ==============
        one column (int or label)       int                 ``(N,)``
        one column (int or label)       sequence of H       ``(N, H)``
        list of K columns               int                 ``(N, K)``
        list of K columns               sequence of H       ``(N, H * K)``
        ==============================  ==================  ==============

        The last layout is horizon-major: all K targets at the first horizon,
        then all K at the second, and so on. ``y`` is a view of the series
        when ``horizon`` or ``target`` is a single value and the other is
        evenly spaced in increasing order, and otherwise a small copy of the
        ``N x H*K`` targets only.

    See Also
    --------
    SlidingWindowTransformer : The same windows inside a Pipeline, one per row.
    equalize_lengths : Pad, truncate or split sequences of different lengths.

    Examples
    --------
    The lecture's univariate table, lookback 3 and delay 2:

    >>> import numpy as np
    >>> from sklearn_rnn import make_windows
    >>> X, y = make_windows([10, 20, 30, 40, 50, 60, 70, 80, 90], 3, horizon=2)
    >>> X.shape
    (5, 3, 1)
    >>> X[:, :, 0]
    array([[10., 20., 30.],
           [20., 30., 40.],
           [30., 40., 50.],
           [40., 50., 60.],
           [50., 60., 70.]], dtype=float32)
    >>> y
    array([50., 60., 70., 80., 90.], dtype=float32)

    Several horizons give multi-step targets, one column per horizon:

    >>> X, y = make_windows(np.arange(10, 100, 10), 3, horizon=range(1, 3))
    >>> y
    array([[40., 50.],
           [50., 60.],
           [60., 70.],
           [70., 80.],
           [80., 90.]], dtype=float32)
    """
    for name, value in [("window_length", window_length), ("step", step)]:
        # validate_params lets booleans through as integers; here they are
        # almost surely a misplaced argument.
        if not _is_int(value):
            raise InvalidParameterError(f"{name} must be an int >= 1; got {value!r}.")
    dtype = _check_float_dtype(dtype)
    horizons, single_horizon = _check_horizon(horizon)
    data, columns = _as_float_table(series, dtype)
    _refuse_missing_rows(data, "series")
    targets, single_target = _resolve_targets(target, columns, data.shape[1])

    n_rows = data.shape[0]
    # Rows needed for one window and, if asked for, its furthest target.
    lead = 0 if targets is None else max(horizons)
    if n_rows < window_length + lead:
        raise ValueError(_too_short_message(n_rows, window_length, lead))

    n_windows = n_rows - window_length - lead + 1
    # Anchor at the end: the last window (the most recent data) is kept and
    # the stride drops windows at the start instead.
    first = (n_windows - 1) % step

    # sliding_window_view puts the window axis last: (T - W + 1, P, W).
    windows = sliding_window_view(data, window_length, axis=0).transpose(0, 2, 1)
    X = windows[first:n_windows:step]
    if targets is None:
        return X, None
    y = _target_view(data, window_length, horizons, targets, first, n_windows, step)
    return X, _shape_targets(y, single_horizon, single_target)


def _refuse_missing_rows(table, name):
    """Raise if a row of the 2-D float ``table`` is NaN in every column.

    In a window, such a row at the start or the end is what the estimators
    read as padding: the window would silently become a shorter sequence
    (at prediction time, one that ends before the newest row) instead of
    being rejected as missing data, as a NaN inside a sequence is. Partly
    missing rows pass: the estimators reject them with their own message.
    Without a NaN in the first column, one reduction over it and no copy:
    the windows of a long series still allocate nothing.
    """
    if len(table) == 0 or not np.isnan(table[:, 0].min()):  # min keeps NaN
        return
    empty = np.isnan(table).all(axis=1)
    if empty.any():
        rows = np.flatnonzero(empty)
        more = f" (and {len(rows) - 1} more)" if len(rows) > 1 else ""
        raise ValueError(
            f"Row {rows[0]}{more} of {name} is NaN in every column. In a "
            "window, the estimators would read it as padding, a shorter "
            "sequence, rather than as a missing value. Impute missing rows "
            "(for example with pandas' ffill) or drop them."
        )


def _check_float_dtype(dtype):
    """Return ``dtype`` as a numpy floating dtype or raise."""
    try:
        dtype = np.dtype(dtype)
    except TypeError as exc:
        raise ValueError(
            f"dtype must be a numpy floating-point dtype such as np.float32; "
            f"got {dtype!r}."
        ) from exc
    if dtype.kind != "f":
        raise ValueError(
            f"dtype must be a floating-point dtype (NaN must be representable), "
            f"such as np.float32; got {dtype}."
        )
    return dtype


def _is_int(value):
    """True for Python and numpy integers, but not for booleans."""
    return isinstance(value, Integral) and not isinstance(value, bool | np.bool_)


def _check_horizon(horizon):
    """Return the horizons as a list of ints and whether a scalar was given."""
    if _is_int(horizon):
        return [int(horizon)], True
    if isinstance(horizon, bool | np.bool_):
        raise InvalidParameterError(f"horizon must be an int >= 1; got {horizon!r}.")
    values = np.asarray(horizon, dtype=object)
    if values.ndim != 1:
        raise ValueError(
            f"horizon must be an int or a flat sequence of ints; got an array of "
            f"shape {values.shape}."
        )
    values = list(values)
    if not values:
        raise ValueError("horizon must be an int >= 1 or a non-empty sequence of them.")
    bad = [v for v in values if not (_is_int(v) and v >= 1)]
    if bad:
        raise ValueError(
            f"horizon must be an int >= 1 or a sequence of ints >= 1; "
            f"got the invalid value(s) {bad}."
        )
    if len(set(values)) != len(values):
        raise ValueError(f"horizon must not contain duplicates; got {values}.")
    return [int(v) for v in values], False


def _as_float_table(series, dtype):
    """Cast ``series`` once to a 2-D ``dtype`` array; also return its column labels.

    No copy is made when the data already has ``dtype``: the windows are
    views of the returned array, so it is the only T x P buffer ever needed.
    """
    if isinstance(series, pd.Series):
        series = series.to_frame()
    if isinstance(series, pd.DataFrame):
        _check_frame_values(series, dtype, "series", "dtype=np.float64")
        # na_value maps pandas' nullable missing values (pd.NA) to NaN.
        data = series.to_numpy(dtype=dtype, na_value=np.nan)
        columns = series.columns
    else:
        data = _as_float_array(series, dtype)
        columns = None
    if data.ndim == 1:
        data = data.reshape(-1, 1)
    if data.shape[1] == 0:
        raise ValueError("series has 0 columns; make_windows needs at least one.")
    return data, columns


def _check_frame_values(frame, dtype, name, remedy):
    """Refuse non-numeric columns, and values that the cast to ``dtype``
    would change silently, column by column: each keeps its own dtype here,
    where a cast of the whole frame would first make them all float64."""
    _check_numeric_columns(frame, name)
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if pd.api.types.is_integer_dtype(column.dtype):
            # A nullable integer column with missing values would give floats
            # (or objects): check its integers as integers.
            column = column.dropna()
            integers = getattr(column.dtype, "numpy_dtype", column.dtype)
            values = column.to_numpy(dtype=integers)
        else:
            values = column.to_numpy()
        _check_representable(values, dtype, name, remedy)


def _check_numeric_columns(frame, name="series"):
    """Raise a ValueError naming the DataFrame columns that are not numeric
    (object columns count as numeric when they hold only numbers, as the
    estimators read them)."""
    bad = [
        label
        for label, column in frame.items()
        if pd.api.types.is_complex_dtype(column.dtype)
        or not (pd.api.types.is_numeric_dtype(column.dtype) or _holds_numbers(column))
    ]
    if bad:
        raise ValueError(
            f"{name} must be numeric; the column(s) {bad} are not. Encode or "
            f"drop them before windowing."
        )


def _holds_numbers(column):
    """Whether an object column holds only real numbers (or missing values)."""
    if column.dtype != object:
        return False
    return all(
        (isinstance(v, Real) and not isinstance(v, bool | np.bool_)) or pd.isna(v)
        for v in column
    )


def _as_float_array(series, dtype):
    """Cast an array-like to ``dtype`` (no copy if possible); check it is 1-D or 2-D."""
    if isinstance(series, np.ndarray) and series.dtype == object:
        # as_numeric makes it float64, which the check after would pass:
        # check its integers first.
        _check_representable(series, dtype, "series", "dtype=np.float64")
    array = as_numeric(series, "series")
    if array.ndim not in (1, 2):
        raise ValueError(
            f"series must be 1-D (T,) or 2-D (T, P), one row per timestep; got a "
            f"{array.ndim}-D array of shape {array.shape}. For several sequences "
            f"of different lengths use equalize_lengths."
        )
    _check_representable(array, dtype, "series", "dtype=np.float64")
    return np.asarray(array, dtype=dtype)


def _check_representable(values, dtype, name, remedy):
    """Raise if casting numeric ``values`` to float ``dtype`` changes them silently.

    Two casts would: a float beyond the range of ``dtype`` becomes infinity,
    and an integer beyond the integers that ``dtype`` represents exactly
    (2**24 for float32) is rounded. ``remedy`` names the parameter that
    selects a wider dtype (None where there is none, or ``dtype`` is already
    float64). The scan costs one pass over the values, without a copy.
    """
    dtype = np.dtype(dtype)
    if dtype.itemsize >= 8:
        remedy = None  # nothing wider to suggest
    if not isinstance(values, np.ndarray):
        try:
            values = np.asarray(values)
        except ValueError:  # ragged: as_numeric names the problem
            return
    if values.size == 0 or values.dtype == dtype:
        return
    info = np.finfo(dtype)
    if values.dtype.kind in "iuO":
        exact = 2 ** (info.nmant + 1)
        if values.dtype.kind == "O":
            # Python or pandas integers among other objects (pd.NA of a
            # nullable integer column, floats): the integers must be exact.
            items = values.ravel().tolist()
            integers = [
                abs(int(v))
                for v in items
                if isinstance(v, Integral) and not isinstance(v, bool | np.bool_)
            ]
            largest = max(integers, default=0)
            # Floats among the objects can overflow a narrower dtype.
            floats = np.array([v for v in items if isinstance(v, float)])
            _check_range(floats, dtype, name, remedy)
        else:
            largest = max(abs(int(values.max())), abs(int(values.min())))
        if largest > exact:
            raise ValueError(
                f"{name} holds the integer {largest}, beyond 2**{info.nmant + 1}"
                f" = {exact}, the largest up to which {dtype} represents every "
                "integer: casting would round it. "
                + _advice(remedy, "subtract an offset first (such as the first value).")
            )
    elif values.dtype.kind == "f" and values.dtype.itemsize > dtype.itemsize:
        _check_range(values, dtype, name, remedy)


def _check_range(values, dtype, name, remedy):
    """Raise if a finite float of ``values`` overflows ``dtype``."""
    info = np.finfo(dtype)
    # The common case in two reductions, without the three temporaries of
    # the full check (which took 0.3 of make_windows' time on a float64
    # series); NaN and infinity fail the comparisons and take the full check.
    if values.size == 0 or (values.min() >= -info.max and values.max() <= info.max):
        return
    # Infinity passes through like NaN; only finite values can overflow.
    too_large = (np.abs(values) > info.max) & np.isfinite(values)
    if too_large.any():
        raise ValueError(
            f"{name} holds the value {values[too_large][0]:.3g}, beyond the "
            f"range of {dtype} (+-{float(info.max):.4g}): casting would make "
            "it infinite. " + _advice(remedy, "rescale it first.")
        )


def _advice(remedy, otherwise):
    """The advice "Pass <remedy>, or <otherwise>"; ``otherwise`` alone
    without a remedy."""
    return f"Pass {remedy}, or {otherwise}" if remedy else otherwise.capitalize()


def _resolve_targets(target, columns, n_features):
    """Map ``target`` to column positions; also say whether it was a scalar."""
    if target is None:
        return None, True
    # Tuples are not lists of targets: they are MultiIndex column labels.
    single = not isinstance(target, list | np.ndarray | pd.Index)
    requested = [target] if single else list(target)
    if not requested:
        raise ValueError("target must name at least one column, or be None.")
    positions = [_column_position(t, columns, n_features) for t in requested]
    if len(set(positions)) != len(positions):
        raise ValueError(f"target must not repeat a column; got {requested}.")
    return positions, single


def _column_position(target, columns, n_features):
    """Position of one target column: an int is a position, anything else a label."""
    if _is_int(target):
        if not -n_features <= target < n_features:
            raise ValueError(
                f"target={target} is out of range for a series with "
                f"{n_features} column(s); use a position in "
                f"[{-n_features}, {n_features - 1}]."
            )
        return int(target) % n_features
    if columns is None:
        raise ValueError(
            f"target={target!r} is not an int column position; column names "
            f"are only available for pandas DataFrames and Series."
        )
    # Label by label: ``columns == target`` compares a tuple element-wise
    # with a flat Index of as many columns.
    hits = np.flatnonzero([c == target for c in columns]) if _hashable(target) else []
    if len(hits) != 1:
        problem = "is not a column" if len(hits) == 0 else "is ambiguous (repeated)"
        hint = ""
        if isinstance(target, tuple) and not isinstance(columns, pd.MultiIndex):
            hint = " A tuple names a MultiIndex column; a list selects several."
        raise ValueError(
            f"target={target!r} {problem} of series; columns are {list(columns)}.{hint}"
        )
    return int(hits[0])


def _too_short_message(n_rows, window_length, lead):
    if lead == 0:
        return (
            f"series has {n_rows} rows but window_length={window_length} needs at "
            f"least {window_length}."
        )
    return (
        f"series has {n_rows} rows but needs at least window_length + "
        f"max(horizon) = {window_length} + {lead} = {window_length + lead} to "
        f"build one window and its target."
    )


def _as_index(values):
    """A slice for evenly spaced increasing positions (keeps views), else an array."""
    if len(values) == 1:
        return slice(values[0], values[0] + 1)
    gaps = np.diff(values)
    if gaps[0] > 0 and np.all(gaps == gaps[0]):
        return slice(values[0], values[-1] + 1, int(gaps[0]))
    return np.asarray(values)


def _target_view(data, window_length, horizons, targets, first, n_windows, step):
    """Targets as an (N, H, K) array, a view of ``data`` where the layout allows."""
    low, high = min(horizons), max(horizons)
    # ahead[r, k, p] == data[r + k, p]: the rows low..high steps past a window
    # whose last row is r - low, again without copying.
    ahead = sliding_window_view(data, high - low + 1, axis=0).transpose(0, 2, 1)
    start = window_length - 1 + low
    ahead = ahead[start : start + n_windows][first::step]
    by_horizon = ahead[:, _as_index([h - low for h in horizons])]
    return by_horizon[:, :, _as_index(targets)]


def _shape_targets(y, single_horizon, single_target):
    """Drop the axes the caller passed as scalars; flatten (H, K) horizon-major."""
    if single_horizon and single_target:
        return y[:, 0, 0]
    if single_target:
        return y[:, :, 0]
    if single_horizon:
        return y[:, 0, :]
    return y.reshape(y.shape[0], -1)


# ---------------------------------------------------------------------------
# SlidingWindowTransformer
# ---------------------------------------------------------------------------


class SlidingWindowTransformer(TransformerMixin, BaseEstimator):
    """Replace every row of a feature table by the window of rows ending there.

    Row ``t`` of the output is the sequence of the ``window_length`` input
    rows ``t - window_length + 1, ..., t``. The first ``window_length - 1``
    rows have fewer predecessors: their windows are padded at the start with
    all-NaN rows, which the estimators of this package read as shorter
    sequences. The output therefore has one row per input row, so a
    row-aligned target ``y`` still matches and the transformer can lead a
    :class:`~sklearn.pipeline.Pipeline` tuned under
    :class:`~sklearn.model_selection.TimeSeriesSplit`.

    Parameters
    ----------
    window_length : int, default=10
        Number of rows in each window (the lookback), ``>= 1``. It may exceed
        the number of rows, in which case every window is padded.

    dtype : {np.float32, np.float64}, default=np.float32
        Dtype of the windows. float32 is what the estimators compute in;
        input that float32 would change (values beyond its range, integers
        above 2**24) is an error that names this parameter. np.float64 keeps
        such values, for use outside the estimators of this package.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during :term:`fit`; ``1`` for a 1-D input.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X` has
        feature names that are all strings.

    See Also
    --------
    make_windows : Windows and their future targets, for a single series.
    equalize_lengths : Pad, truncate or split sequences of different lengths.

    Notes
    -----
    The transformer is stateless apart from the number of features: a window
    only looks backwards, so transforming the test rows of a time split never
    sees the future. The windows at the start of a test fold are padded rather
    than filled from the training rows, since transform only sees its input.

    The output is a read-only strided view of one NaN-prefixed ``dtype`` copy of
    ``X``: memory is ``(T + window_length - 1) * P`` values, not
    ``T * window_length * P``. Copy it (``np.array(Xt)``) before writing into
    it.

    Because the output is 3-D, ``get_feature_names_out`` is not available,
    and ``set_output`` leaves the output an array: it exists so that
    ``Pipeline.set_output(transform="pandas")`` configures the steps before
    this one, whose column names this transformer then checks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import SlidingWindowTransformer
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> Xt = SlidingWindowTransformer(window_length=3).fit_transform(X)
    >>> Xt.shape
    (4, 3, 1)
    >>> Xt[:, :, 0]
    array([[nan, nan,  1.],
           [nan,  1.,  2.],
           [ 1.,  2.,  3.],
           [ 2.,  3.,  4.]], dtype=float32)
    """

    _parameter_constraints: ClassVar[dict] = {
        "window_length": [Interval(Integral, 1, None, closed="left")],
        "dtype": "no_validation",  # checked by _check_window_dtype
    }

    def __init__(self, window_length=10, dtype=np.float32):
        self.window_length = window_length
        self.dtype = dtype

    def set_output(self, *, transform=None):
        """Accept an output configuration; the windows stay an array.

        Windows of shape (T, window_length, P) have no DataFrame form.
        The method lets :meth:`sklearn.pipeline.Pipeline.set_output`
        configure the other steps of a pipeline that holds this one (the
        estimators after it read 3-D arrays anyway).

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            The output asked for; this transformer's output is always a
            NumPy array.

        Returns
        -------
        self : object
            The transformer, unchanged.
        """
        if transform not in (None, "default", "pandas", "polars"):
            raise ValueError(
                "transform must be 'default', 'pandas', 'polars' or None; got "
                f"{transform!r}."
            )
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Record the number (and names) of features of ``X``.

        Parameters
        ----------
        X : array-like of shape (T, P) or (T,)
            Feature table, one row per timestep. A 1-D input is one univariate
            series (``P = 1``). NaN is allowed and passed through, but a
            row that is NaN in every column is an error: in a window, the
            estimators would read it as padding rather than as a missing
            value.

        y : None
            Ignored; present for API consistency with Pipeline.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        if not _is_int(self.window_length):
            # sklearn's Interval(Integral) accepts booleans as integers.
            raise InvalidParameterError(
                f"window_length must be an int >= 1; got {self.window_length!r}."
            )
        _check_window_dtype(self.dtype)
        self._validate_table(X, reset=True)
        return self

    def transform(self, X):
        """Return the window of ``window_length`` rows ending at each row.

        Parameters
        ----------
        X : array-like of shape (T, P) or (T,)
            Feature table with the features seen in :meth:`fit`.

        Returns
        -------
        Xt : ndarray of shape (T, window_length, P), dtype ``dtype``
            ``Xt[t]`` holds rows ``t - window_length + 1`` to ``t`` of ``X``,
            padded at the start with NaN rows where ``t < window_length - 1``.
            A read-only view; see the Notes.
        """
        check_is_fitted(self)
        # Again here: set_params after fit (window_length=0) would otherwise
        # fail in numpy's broadcasting.
        self._validate_params()
        X = self._validate_table(X, reset=False)
        dtype = _check_window_dtype(self.dtype)
        n_rows, n_features = X.shape
        _check_padded_size(
            (n_rows + self.window_length - 1) * n_features * dtype.itemsize,
            self.window_length,
        )
        # One copy of the table, prefixed with the padding rows, so that every
        # output row is a window of it: no T * window_length buffer.
        padded = np.full(
            (n_rows + self.window_length - 1, n_features), np.nan, dtype=dtype
        )
        padded[self.window_length - 1 :] = X
        return sliding_window_view(padded, self.window_length, axis=0).transpose(
            0, 2, 1
        )

    def _validate_table(self, X, *, reset):
        """Validate ``X`` as a 2-D numeric table, reading 1-D input as one series."""
        ndim = getattr(X, "ndim", None)
        if ndim is not None and ndim > 2:
            raise ValueError(
                f"{type(self).__name__} windows one series given as a table, "
                f"X of shape (n_timesteps, n_features); got a {ndim}-D array "
                f"of shape {X.shape}. Sequences that are already windows go to "
                "the estimators directly."
            )
        if _is_one_dimensional(X):
            if not reset and self.n_features_in_ != 1:
                # A 1-D input is read as a univariate series; this estimator
                # expects more columns, so the caller most likely passed one
                # row of features.
                raise ValueError(
                    f"X is 1-D, which is read as one univariate series (T, 1), but "
                    f"{type(self).__name__} was fitted on {self.n_features_in_} "
                    f"features. Reshape your data with X.reshape(1, -1) if it is "
                    f"a single row of features."
                )
            X = X.to_frame() if isinstance(X, pd.Series) else np.asarray(X)[:, None]
        # On X as given: validate_data makes a frame of mixed columns, or of
        # datetimes, float64, which would pass the float32 check below.
        dtype = _check_window_dtype(self.dtype)
        remedy = f"{type(self).__name__}(dtype=np.float64)"
        if isinstance(X, pd.DataFrame):
            _check_frame_values(X, dtype, "X", remedy)
        else:
            _check_representable(X, dtype, "X", remedy)
        # validate_data records the columns (reset) before checks that may
        # still fail: a failed refit must keep those of the fitted one.
        recorded = {
            name: getattr(self, name)
            for name in ("n_features_in_", "feature_names_in_")
            if reset and hasattr(self, name)
        }
        try:
            X = validate_data(
                self, X, reset=reset, dtype="numeric", ensure_all_finite="allow-nan"
            )
            _refuse_missing_rows(X, "X")
        except BaseException:
            if reset:
                for name in ("n_features_in_", "feature_names_in_"):
                    if name in recorded:
                        setattr(self, name, recorded[name])
                    elif hasattr(self, name):
                        delattr(self, name)
            raise
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # NaN passes through: it becomes padding or a value the estimator
        # rejects, with the estimator's own message.
        tags.input_tags.allow_nan = True
        # one_d_array stays False although 1-D input is accepted: sklearn's
        # checks read that tag as "1-D only" and would then never test tables.
        tags.requires_fit = True
        # Whatever comes in, float32 comes out (the estimators' dtype).
        # The output's dtype is the dtype parameter's, whatever the input's
        # (float32 while the parameter is not a dtype: fit will say so).
        try:
            preserved = np.dtype(self.dtype).name
        except TypeError:
            preserved = "float32"
        tags.transformer_tags.preserves_dtype = [preserved]
        return tags


def _check_padded_size(n_bytes, window_length):
    """Raise before allocating a padded table larger than the machine's memory."""
    check_allocation(
        n_bytes,
        f"The padded copy of X for window_length={window_length}",
        "Use a window_length of at most the number of rows you need.",
    )


def _check_window_dtype(dtype):
    """The transformer's dtype: float32 or float64 (what the estimators
    accept), refused in the words of scikit-learn's parameter checks."""
    try:
        checked = np.dtype(dtype)
    except TypeError:
        checked = None
    if checked not in (np.float32, np.float64):
        raise InvalidParameterError(
            "The 'dtype' parameter of SlidingWindowTransformer must be "
            f"np.float32 or np.float64. Got {dtype!r} instead."
        )
    return checked


def _is_one_dimensional(X):
    """True for a pandas Series or anything numpy reads as a 1-D array."""
    if isinstance(X, pd.Series):
        return True
    if hasattr(X, "columns") or sparse.issparse(X):
        return False
    try:
        return np.asarray(X).ndim == 1
    except ValueError:  # NumPy's "inhomogeneous shape": rows of other lengths
        raise ValueError(
            "X must be one series, a table of shape (n_timesteps, n_features); "
            "its rows have different lengths. Several sequences of different "
            "lengths go to the estimators directly, as a list of arrays."
        ) from None


# ---------------------------------------------------------------------------
# equalize_lengths
# ---------------------------------------------------------------------------


@validate_params(
    {
        "sequences": ["array-like"],
        "method": [StrOptions({"pad", "truncate", "split"})],
        "length": [Interval(Integral, 1, None, closed="left"), None],
        "side": [StrOptions({"pre", "post"})],
        "fill_value": [Real],
        "return_index": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def equalize_lengths(
    sequences,
    method="pad",
    *,
    length=None,
    side="pre",
    fill_value=np.nan,
    return_index=False,
):
    """Give sequences of different lengths one common length.

    The lecture's three strategies for variable-length sequences:

    - ``"pad"``: pad every sequence with ``fill_value`` up to ``length``
      (default: the longest sequence).
    - ``"truncate"``: cut every sequence down to ``length`` (default: the
      shortest sequence); the rest is discarded.
    - ``"split"``: pad every sequence to the nearest multiple of ``length``
      that is at least its length, then cut it into chunks of ``length``.
      A sequence of length ``m`` gives ``ceil(m / length)`` chunks; no chunk
      consists only of padding.

    Parameters
    ----------
    sequences : list of array-like of shape (M_i, P) or (M_i,)
        The sequences, one row per timestep. All must have the same number of
        features ``P`` (1-D sequences have ``P = 1``) and at least one row.
        A 2-D array or DataFrame holds one univariate sequence per row, and
        a 3-D array (N, M, P) one sequence per row along its first axis. In
        a 2-D or 3-D float array, rows of NaN at the start or end of a
        sequence are padding, as the estimators read them (the output of
        ``"pad"`` with the default ``fill_value``): they are dropped first.
        Any other row that is NaN in every feature is an error where it would
        become the first or last row of an output sequence (after padding,
        truncating or splitting): the estimators would read it as padding,
        a shorter sequence, rather than as a missing value.

    method : {"pad", "truncate", "split"}, default="pad"
        Which of the three strategies to use.

    length : int, default=None
        The common length, ``>= 1``. Defaults to the longest sequence for
        ``"pad"`` and the shortest for ``"truncate"``; required for
        ``"split"``.

    side : {"pre", "post"}, default="pre"
        Which end of a sequence is padded or cut. With ``"pre"``, padding goes
        before the first row and truncation drops the oldest rows, so every
        output ends with the sequence's most recent observation; for
        ``"split"`` the chunks are aligned on the last row and only the first
        chunk is padded. ``"post"`` pads after the last row, drops the newest
        rows and aligns chunks on the first row. ``"pre"`` is the default
        because for time series the most recent data matters most, because a
        network reading zero padding without masking then sees real data last,
        and because it matches :class:`SlidingWindowTransformer`.

    fill_value : float, default=np.nan
        Value of the padding rows. NaN rows at the start or end of a sequence
        are what the estimators of this package read as padding;
        ``fill_value=0`` reproduces the lecture's zero padding.

    return_index : bool, default=False
        Also return, for every output row, the position of the sequence it
        came from, so that per-sequence labels can be repeated with
        ``y[index]`` (useful with ``"split"``).

    Returns
    -------
    X : ndarray of shape (N', length, P)
        The sequences with equal lengths. The dtype is the common dtype of
        the inputs when that is floating, float64 otherwise. ``N'`` is the
        number of sequences, or the number of chunks for ``"split"``.

    index : ndarray of shape (N',), dtype intp
        Returned only if ``return_index`` is True: ``index[j]`` is the position
        in ``sequences`` of the sequence that output row ``j`` came from.

    See Also
    --------
    make_windows : Fixed-length windows cut from one long series.
    SlidingWindowTransformer : One window per row of a feature table.

    Examples
    --------
    >>> from sklearn_rnn import equalize_lengths
    >>> seqs = [[1, 2, 3, 4, 5], [6, 7]]
    >>> equalize_lengths(seqs, "pad", fill_value=0)[:, :, 0]
    array([[1., 2., 3., 4., 5.],
           [0., 0., 0., 6., 7.]])
    >>> equalize_lengths(seqs, "truncate")[:, :, 0]
    array([[4., 5.],
           [6., 7.]])
    >>> X, index = equalize_lengths(seqs, "split", length=2, return_index=True)
    >>> X[:, :, 0]
    array([[nan,  1.],
           [ 2.,  3.],
           [ 4.,  5.],
           [ 6.,  7.]])
    >>> index
    array([0, 0, 0, 1])
    """
    if isinstance(length, bool):  # an Integral to validate_params
        raise InvalidParameterError(
            f"length must be an int >= 1 or None; got {length!r}."
        )
    if isinstance(sequences, pd.DataFrame):
        # Iterating over a frame gives its column labels: its rows are the
        # sequences, as those of a 2-D array.
        sequences = sequences.to_numpy()
    if (
        isinstance(sequences, np.ndarray)
        and sequences.ndim in (2, 3)
        and sequences.dtype.kind == "f"
    ):
        sequences, skipped = _without_padding(sequences)
    else:
        skipped = None  # rows of padding dropped before each sequence
    arrays = as_sequence_list(sequences, name="sequences")
    lengths = np.array([len(a) for a in arrays])
    if method == "split" and length is None:
        raise ValueError(
            "length is required for method='split': the size of the chunks."
        )
    if method == "pad":
        length = int(lengths.max()) if length is None else length
        _check_not_longer(lengths, length)
    elif method == "truncate":
        length = int(lengths.min()) if length is None else length
        _check_not_shorter(lengths, length)

    # Chunks per sequence: 1 for pad and truncate.
    n_chunks = np.ones(len(arrays), dtype=np.intp)
    if method == "split":
        n_chunks = -(-lengths // length)  # ceil without floats

    dtype = np.result_type(*(a.dtype for a in arrays))
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    for i, array in enumerate(arrays):
        _check_representable(array, dtype, f"Sequence {i} of sequences", None)
    # In Python floats: a NumPy comparison would first cast fill_value to
    # dtype (overflowing, with a RuntimeWarning before this error).
    if np.isfinite(fill_value) and abs(float(fill_value)) > float(np.finfo(dtype).max):
        raise ValueError(
            f"fill_value={fill_value:.3g} is beyond the range of {dtype}, the "
            "dtype of the sequences and of the output: it would pad with "
            "infinity. Use a smaller fill_value, or cast the sequences to "
            "float64."
        )
    out = np.full((n_chunks.sum(), length, arrays[0].shape[1]), fill_value, dtype)
    offsets = np.concatenate([[0], np.cumsum(n_chunks)])
    for array, start, stop in zip(arrays, offsets[:-1], offsets[1:], strict=True):
        # The chunks of one sequence are contiguous in `out`, so they can be
        # filled as one long (n_chunks * length, P) block.
        _place(out[start:stop].reshape(-1, out.shape[2]), array, side)
    _refuse_nan_rows_at_edges(arrays, n_chunks, length, side, fill_value, skipped)

    if return_index:
        return out, np.repeat(np.arange(len(arrays)), n_chunks)
    return out


def _refuse_nan_rows_at_edges(arrays, n_chunks, length, side, fill_value, skipped):
    """Raise if a row that is NaN in every feature lands at the start or end
    of an output sequence of :func:`equalize_lengths`.

    There the estimators read it as padding: the sequence would silently
    become shorter, where a NaN row inside it is an error they name. With
    NaN padding the ends of an output sequence are its first and last rows
    of data; with another ``fill_value``, its first and last rows. Rows of
    NaN are kept as values elsewhere. ``skipped``: the rows of padding
    dropped before each sequence of an array, to number its timesteps as
    the caller does.
    """
    nan_padding = np.isnan(fill_value)
    for i, (array, chunks) in enumerate(zip(arrays, n_chunks, strict=True)):
        if array.dtype.kind != "f":
            continue
        rows = np.isnan(array).all(axis=1)
        if not rows.any():
            continue
        # Each timestep's position in the sequence's chunks, laid out as
        # _place lays it out; -1 where a chunk is padding.
        steps = np.full(chunks * length, -1)
        _place(steps, np.arange(len(rows)), side)
        steps = steps.reshape(chunks, length)
        if nan_padding:
            # Every chunk holds data, its timesteps in increasing order.
            first = np.where(steps >= 0, steps, len(rows)).min(axis=1)
            last = steps.max(axis=1)
        else:
            first, last = steps[:, 0], steps[:, -1]
        for ends, end in ((first, "start"), (last, "end")):
            ends = ends[ends >= 0]
            bad = ends[rows[ends]]
            if bad.size:
                t = int(bad[0]) + (0 if skipped is None else int(skipped[i]))
                raise ValueError(
                    f"Timestep {t} of sequence {i} of sequences is NaN in "
                    f"every feature and would be the {end} of an output "
                    "sequence, where the estimators read such rows as "
                    "padding (a shorter sequence) rather than as a missing "
                    "value. Impute missing rows (for example with pandas' "
                    "ffill) or drop them."
                )


def _without_padding(X):
    """The sequences of a 2-D or 3-D array, each without the rows of NaN at
    its start and end: the padding of the estimators' data contract, which
    would otherwise count as timesteps (truncated or split as data); and
    the number of rows dropped before each."""
    observed = ~np.isnan(X).all(axis=2) if X.ndim == 3 else ~np.isnan(X)
    empty = ~observed.any(axis=1)
    if empty.any():
        raise ValueError(
            f"Sequence {int(np.argmax(empty))} of sequences contains only NaN: "
            "it has no observed timestep. Drop it."
        )
    first, stop = observed_bounds(observed)
    return [x[a:b] for x, a, b in zip(X, first, stop, strict=True)], first


def _check_not_longer(lengths, length):
    too_long = np.flatnonzero(lengths > length)
    if too_long.size:
        raise ValueError(
            f"Cannot pad to length={length}: {too_long.size} sequence(s) are "
            f"longer (up to {lengths.max()} rows, e.g. sequence {too_long[0]}). "
            f"Use method='truncate' to cut them or method='split' to chunk them."
        )


def _check_not_shorter(lengths, length):
    too_short = np.flatnonzero(lengths < length)
    if too_short.size:
        raise ValueError(
            f"Cannot truncate to length={length}: {too_short.size} sequence(s) "
            f"are shorter (down to {lengths.min()} rows, e.g. sequence "
            f"{too_short[0]}). Use method='pad' or method='split' instead."
        )


def _place(block, array, side):
    """Copy ``array`` into ``block`` at the ``side`` end, cutting it if too long."""
    size = min(len(block), len(array))
    if side == "pre":
        block[len(block) - size :] = array[len(array) - size :]
    else:
        block[:size] = array[:size]
