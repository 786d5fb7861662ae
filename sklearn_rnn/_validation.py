"""The data contract: everything users pass becomes :class:`Sequences`.

Accepted forms of ``X``:

- a 3-D array ``(N, M, P)``: N sequences, M timesteps, P features, batch-first.
  Rows that are entirely NaN at the start or the end of a sequence are
  padding (a shorter sequence); NaN inside the observed part is an error.
- a 2-D array ``(N, M)``: N univariate sequences (P = 1). Every value is an
  observation, so NaN is an error here.
- a list of arrays ``(M_i, P)`` or ``(M_i,)``: sequences of different lengths.
- a 3-D array stored out of memory: an ``np.memmap``, or any object with
  ``shape``, a float ``dtype`` and NumPy indexing of a batch of rows (an h5py
  or zarr dataset). It is read chunk by chunk and batch by batch, never
  loaded whole.
- a pandas DataFrame: 2-D like the array, or one of sktime's panel formats
  (``pd-multiindex``: (instance, time) row index with one column per feature,
  time strictly increasing within each instance; ``nested_univ``: one cell
  per (instance, feature) holding a Series).

Private code only ever sees the result of :func:`check_sequences`: a
:class:`Sequences` whose :meth:`Sequences.batch` yields float32 arrays aligned
at the start with their lengths. Large numeric arrays (for instance strided
windows from :func:`~sklearn_rnn.make_windows`) are never copied as a whole:
they are checked in chunks and cast to float32 batch by batch. That cast must
not overflow: float64 values beyond the range of float32 are an error, found
in the same scan as NaN and infinity.
"""

import itertools
import os
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import sklearn.base
from pandas.api.types import is_bool_dtype, is_numeric_dtype

# Elements per chunk when scanning large arrays: bounds temporary memory.
_CHUNK_ELEMENTS = 1 << 22
# The network computes in float32: wider input must fit in its range.
_FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass
class Sequences:
    """Validated sequences, possibly of different lengths.

    Attributes
    ----------
    data : ndarray of shape (N, M, P)
        Numeric values, possibly a strided view and not yet float32.
    lengths : ndarray of shape (N,) or None
        Observed length of each sequence; None when all have length M.
    starts : ndarray of shape (N,) or None
        First observed timestep of each sequence; None when all start at 0.
    from_list : bool
        Whether the sequences came as a list of different lengths, padded
        here: ``data`` then has no padding that the caller chose.
    """

    data: np.ndarray
    lengths: np.ndarray | None = None
    starts: np.ndarray | None = None
    from_list: bool = False

    def __len__(self):
        return self.data.shape[0]

    @property
    def n_features(self):
        return self.data.shape[2]

    def max_length(self, rows=None):
        """Longest observed sequence (of ``rows``, an index array, if given)."""
        if self.lengths is None:
            return self.data.shape[1]
        return int((self.lengths if rows is None else self.lengths[rows]).max())

    def batch(self, index):
        """Float32 batch aligned at the start, and lengths (None if all full).

        ``index`` is a slice or an integer array. Only the batch is copied,
        and a writeable C-contiguous float32 batch not even that.
        """
        if self.lengths is None:
            x = self.data[index]
            # torch.from_numpy refuses negative strides (a reversed view) and
            # warns on read-only arrays; a writeable C-contiguous float32
            # batch, the common case, is passed on without a copy.
            if not (
                isinstance(x, np.ndarray)
                and x.dtype == np.float32
                and x.flags.writeable
                and x.flags.c_contiguous
            ):
                x = np.array(x, dtype=np.float32, order="C")
            return x, None
        lengths = self.lengths[index]
        width = int(lengths.max())
        rows = (
            np.arange(*index.indices(len(self)))
            if isinstance(index, slice)
            else np.asarray(index)
        )
        steps = np.arange(width)
        if self.starts is not None:
            steps = self.starts[rows, None] + steps
        # Gather the observed part of each row to the front; positions past a
        # row's length are clipped copies that the module never reads.
        steps = np.minimum(steps, self.data.shape[1] - 1)
        data = self.data
        if not isinstance(data, np.ndarray):  # out of memory: rows first
            data, rows = np.asarray(data[rows]), np.arange(len(rows))
        x = data[rows[:, None], steps].astype(np.float32, copy=False)
        return x, (None if lengths.min() == width else lengths)

    def moments(self, rows, max_rows=2048, weights=None):
        """Per-feature mean and standard deviation of the observed values.

        At most ``max_rows`` evenly spaced sequences among ``rows`` are read:
        plenty for a standardisation, and a cost independent of the number of
        sequences (millions of windows of a long series). ``weights`` (one
        per row, positive) weigh every observed value of their sequence, as
        that many copies of it would; None weighs them equally.

        The values are read as the network reads them (cast to float32) and
        summed in float64, in two passes (mean, then squared deviations) so
        that a small spread around a large mean is not lost to cancellation.
        Only a feature whose values are all equal gets the scale 1 (see
        :func:`nonzero_scale`): any spread, however small in absolute or
        relative terms, is standardised to 1, so X needs no scaling.
        """
        if weights is not None:
            # A class weight of 0 leaves rows that count for nothing, not even
            # in the minimum and maximum that tell a constant feature (its
            # weighted spread would be a rounding residue, a scale of 1e-16);
            # only the ratios count (class weights of 1e307 would overflow).
            # With no weight at all (a partial_fit chunk of such classes), the
            # values count equally.
            keep = weights > 0
            if keep.any():
                rows, weights = rows[keep], weights[keep] / weights[keep].max()
            else:
                weights = None
        if weights is None:
            weights = np.ones(len(rows))
        if len(rows) > max_rows:
            read = np.linspace(0, len(rows) - 1, max_rows).astype(np.int64)
            rows, weights = rows[read], weights[read]
        step = max(1, _CHUNK_ELEMENTS // (self.data.shape[1] * self.n_features))
        chunks = range(0, len(rows), step)

        def raw(lo):
            return np.asarray(self.data[rows[lo : lo + step]])

        def weight(lo):
            return weights[lo : lo + step, None, None]

        def as_read(chunk):
            # NaN is padding here: observed NaN was rejected by the checks.
            return chunk.astype(np.float32).astype(np.float64)

        total = np.zeros(self.n_features)
        count = np.zeros(self.n_features)
        low = np.full(self.n_features, np.inf)
        high = np.full(self.n_features, -np.inf)
        # The same in float64, where the values are wider than float32.
        wide = self.data.dtype.itemsize > 4
        low64, high64 = low.copy(), high.copy()
        for lo in chunks:
            values = raw(lo)
            chunk = as_read(values)
            count += (weight(lo) * ~np.isnan(chunk)).sum(axis=(0, 1))
            total += np.nansum(weight(lo) * chunk, axis=(0, 1))
            low = np.fmin(low, np.nanmin(chunk, axis=(0, 1)))
            high = np.fmax(high, np.nanmax(chunk, axis=(0, 1)))
            if wide:
                low64 = np.fmin(low64, np.nanmin(values, axis=(0, 1)))
                high64 = np.fmax(high64, np.nanmax(values, axis=(0, 1)))
        if wide:
            _check_spread_survives(low, high, low64, high64)
        mean = total / count
        squares = np.zeros(self.n_features)
        for lo in chunks:
            squares += np.nansum(
                weight(lo) * (as_read(raw(lo)) - mean) ** 2, axis=(0, 1)
            )
        std = np.sqrt(squares / count)
        return mean, nonzero_scale(std, constant=high == low)


def _check_spread_survives(low, high, low64, high64):
    """Raise for a feature that varies in float64 but is constant once cast
    to float32, in which the network computes: it would be standardised as
    constant and read as nothing, silently."""
    # A spread at float64's rounding (0.1 + 0.2 beside 0.3) is no spread.
    noise = 64 * np.finfo(np.float64).eps * np.fmax(np.abs(low64), np.abs(high64))
    lost = np.flatnonzero((high == low) & (high64 - low64 > noise))
    if len(lost):
        j = lost[0]
        raise ValueError(
            f"Feature {j} of X varies (from {low64[j]:.17g} to {high64[j]:.17g}) "
            "but not once cast to float32, in which the network computes: its "
            "values are too small (below about 1e-45 they become 0) or its "
            "offset too large for its spread (float32 has 7 significant "
            "digits). Rescale X first: multiply it by a power of 10, or "
            "subtract the offset."
        )


def nonzero_scale(scale, constant=None, fallback=1.0):
    """``scale`` with ``fallback`` where the data are constant.

    The one rule for scaling guards in this package: only data without any
    spread (all values equal in float64, or a computed scale of exactly 0)
    are constant. A threshold such as ``1e-8`` would silently erase features
    or targets that are merely measured in small units.

    Parameters
    ----------
    scale : ndarray
        Standard deviations (or another spread), one per column.
    constant : ndarray of bool, optional
        Columns known to be constant (for instance max == min); by default
        those whose ``scale`` is 0.
    fallback : float or ndarray, default=1.0
        Scale used for the constant columns.
    """
    scale = np.asarray(scale, dtype=np.float64)
    constant = (scale == 0) if constant is None else (constant | (scale == 0))
    return np.where(constant, fallback, scale)


def check_sequences(X, *, estimator=None, n_features=None):
    """Validate ``X`` against the data contract and return :class:`Sequences`.

    Parameters
    ----------
    X : array-like, list of array-likes or DataFrame
        The input, in one of the forms described in the module docstring.
    estimator : estimator instance, optional
        Only used to name the estimator in error messages.
    n_features : int, optional
        Expected number of features per timestep (checked at predict time).
    """
    name = "" if estimator is None else f" by {type(estimator).__name__}"
    if X is None:
        raise ValueError(
            f"Expected sequences as input{name}, got None instead. Pass a 3-D "
            "array (n_sequences, n_timesteps, n_features), a 2-D array of "
            "univariate sequences or a list of arrays."
        )
    if sp.issparse(X):
        raise TypeError(
            f"Sparse data was passed{name}, but sequences must be dense: "
            "convert X with X.toarray()."
        )
    if getattr(X, "requires_grad", False):
        raise TypeError(
            f"X is a torch tensor that requires grad{name}; the estimators "
            "train their own network and cannot backpropagate into X. Pass "
            "X.detach() (or X.detach().cpu().numpy())."
        )
    if isinstance(X, Iterator):
        raise TypeError(
            f"Expected sequences as input{name}, got a {type(X).__name__}, "
            "which can be read only once. Pass a list or an array: list(X)."
        )
    panel = _is_panel_frame(X)
    if isinstance(X, pd.DataFrame):
        X = _frame_to_arrays(X)
    elif isinstance(X, pd.Series):
        X = X.to_numpy()
    if isinstance(X, (list, tuple)):
        seqs = _check_list(X, name, panel=panel)
    else:
        seqs = _check_array(X, name)
    if len(seqs) == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={seqs.data.shape}) while a "
            f"minimum of 1 is required{name}."
        )
    if n_features is not None and seqs.n_features != n_features:
        hint = ""
        if getattr(X, "ndim", None) == 2 and np.shape(X)[1] == n_features:
            # One multivariate sequence, read as sequences of one feature.
            hint = (
                f" A 2-D array is read as (n_sequences, n_timesteps) univariate "
                f"sequences: this one is {np.shape(X)[0]} sequences of "
                f"{n_features} steps. For one sequence of shape (n_timesteps, "
                "n_features) pass X[None] or [X]."
            )
        elif getattr(X, "ndim", None) == 3 and np.shape(X)[1] == n_features:
            # sktime's numpy3D layout, (N, P, M), as the fit-time warning of
            # warn_if_transposed says.
            hint = (
                " X looks like sktime's numpy3D layout (n_sequences, "
                "n_features, n_timesteps); pass X.transpose(0, 2, 1)."
            )
        raise ValueError(
            f"X has {seqs.n_features} features per timestep, but "
            f"{type(estimator).__name__} is expecting {n_features} features "
            f"as input.{hint}"
        )
    return seqs


def check_target_range(y, name="y"):
    """Raise if a value of float64 ``y`` (n_samples, n_outputs) overflows float32.

    The network computes in float32, and the moments of larger values
    overflow in float64 (squares of 1e155 are inf): as for X, the range of
    float32 is the limit, checked here with the position of the first
    offending value.
    """
    too_large = np.abs(y) > _FLOAT32_MAX
    if too_large.any():
        i, j = np.argwhere(too_large)[0]
        output = f", output {j}" if y.shape[1] > 1 else ""
        raise ValueError(
            f"Input {name} contains a value of magnitude {abs(y[i, j]):.3g} "
            f"(sample {i}{output}) outside the range of float32, "
            f"[-{_FLOAT32_MAX:.4g}, {_FLOAT32_MAX:.4g}], in which the network "
            f"computes. Rescale {name} first, for instance by dividing it by a "
            "power of 10."
        )


def check_allocation(n_bytes, what, remedy):
    """Raise before allocating ``n_bytes`` that exceed the machine's memory.

    An allocation of terabytes would otherwise fail deep inside numpy or
    torch, or get the process killed, with no word about which parameter
    asked for it.
    """
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: cannot tell
        return
    if n_bytes > memory:
        raise ValueError(
            f"{what} would need {_format_bytes(n_bytes)} of memory, more than "
            f"this machine has ({_format_bytes(memory)}). {remedy}"
        )


def _format_bytes(n_bytes):
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n_bytes < 1024 or unit == "TiB":
            return f"{n_bytes:.3g} {unit}" if unit != "bytes" else f"{n_bytes} bytes"
        n_bytes /= 1024


def _is_out_of_memory(X):
    """Whether ``X`` is a 3-D float array read by indexing, not by loading.

    h5py and zarr datasets (and the like) load everything on ``np.asarray``;
    they are kept as they are and indexed batch by batch instead.
    """
    if isinstance(X, np.ndarray) or not all(
        hasattr(X, attr) for attr in ("shape", "dtype", "__getitem__")
    ):
        return False
    try:
        kind = np.dtype(X.dtype).kind
    except TypeError:  # a dtype numpy does not know, such as torch's
        return False
    return len(X.shape) == 3 and kind == "f"


def warn_if_transposed(sequences, estimator):
    """Warn when (N, M, P) looks like sktime's (N, P, M) layout.

    Many more features than timesteps (at least 16, and 4 times the
    timesteps: GunPoint's 150 steps read as 150 features of 1 step, say) is
    rarely real data and often a ``numpy3D`` array passed untransposed. One
    exception is common: one-hot encoded categories (characters, words),
    whose rows are a single 1 among 0s, which no transposed series is.
    """
    m, p = sequences.max_length(), sequences.n_features
    if p >= 16 and p >= 4 * m and not _looks_one_hot(sequences):
        warnings.warn(
            f"X has {m} timestep(s) of {p} features each in "
            f"{type(estimator).__name__}.fit: sequences are read as (n_samples, "
            "n_timesteps, n_features). If X is in sktime's numpy3D layout "
            "(n_samples, n_features, n_timesteps), pass X.transpose(0, 2, 1).",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )


def _looks_one_hot(sequences):
    """Whether the first sequences' observed rows are all one-hot.

    A bounded sample (at most 64 sequences, and ``_CHUNK_ELEMENTS`` values)
    is read: enough to tell an encoding from measurements.
    """
    _, m, p = sequences.data.shape
    n = max(1, min(64, _CHUNK_ELEMENTS // (m * p)))
    rows = np.asarray(sequences.data[:n], dtype=np.float64).reshape(-1, p)
    rows = rows[~np.isnan(rows).any(axis=1)]  # NaN rows are padding
    return bool(
        len(rows) and np.isin(rows, (0.0, 1.0)).all() and (rows.sum(axis=1) == 1).all()
    )


# Frames of these files are the library's own: a warning points past them.
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_SKLEARN_BASE = os.path.abspath(sklearn.base.__file__)


def caller_stacklevel():
    """The ``stacklevel`` at which a warning points at the user's call.

    Counted for a ``warnings.warn`` made by the function calling this one:
    frames in this package, and sklearn's ``_fit_context`` wrapper around
    ``fit``, are skipped. A fixed level would be off by one for the
    estimators whose ``fit`` overrides the base class's to document it.
    """
    frame, level = sys._getframe(2), 2
    while frame is not None and (
        frame.f_code.co_filename.startswith(_PACKAGE_DIR)
        or frame.f_code.co_filename == _SKLEARN_BASE
    ):
        frame, level = frame.f_back, level + 1
    return level


def as_numeric(X, name="X"):
    """``np.asarray`` that refuses complex and converts object/bool input.

    The one conversion of user input to a numeric array in this package
    (sequences, lists of sequences and series to window alike). Integers and
    floats are returned without a copy, and a 3-D float array stored out of
    memory (see :func:`_is_out_of_memory`) as it is.
    """
    if _is_out_of_memory(X):
        return X
    if str(getattr(X, "dtype", "")) == "torch.bfloat16":
        X = X.float()  # NumPy has no bfloat16; float32 holds it exactly
    if isinstance(X, pd.DataFrame):  # a sequence given as a frame
        X = _frame_values(X)
    elif isinstance(X, pd.Series):
        X = _frame_values(X.to_frame())[:, 0]
    try:
        X = np.asarray(X)
    except ValueError as exc:  # nested lists of different lengths
        raise ValueError(
            f"{name} is not a rectangular array: its rows have different "
            f"lengths (numpy: {exc}). Sequences of different lengths go in a "
            "list of 2-D arrays, one per sequence."
        ) from exc
    if np.iscomplexobj(X):
        raise ValueError(
            f"{name} must be numeric. Complex data not supported (got an "
            f"array of dtype {X.dtype})."
        )
    if X.dtype == object and X.size and _is_array_like(X.flat[0]):
        # np.asarray of sequences of different lengths (or a Series of
        # them): NumPy's message would speak of "setting an array element
        # with a sequence".
        raise ValueError(
            f"{name} is an object array (or Series) holding one "
            f"{type(X.flat[0]).__name__} per sequence. Pass them as a list of "
            f"arrays, list({name}), which may also hold sequences of different "
            "lengths."
        )
    if X.dtype.kind in "OUSb":
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            # The same exception type as numpy's (sklearn's checks expect a
            # TypeError for objects that are not numbers at all).
            raise type(exc)(
                f"{name} must be numeric; converting it to float64 failed "
                f"(could not convert: {exc}). Encode non-numeric values first."
            ) from exc
    elif X.dtype.kind not in "fiu":
        raise ValueError(f"{name} must be numeric, got an array of dtype {X.dtype}.")
    return X


def _hashable(value):
    """Whether ``value`` can be hashed: isinstance(value, Hashable) is true
    of a tuple that holds a list, which hash() refuses."""
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _is_array_like(value):
    return isinstance(value, (np.ndarray, list, tuple, pd.Series))


def as_sequence_list(sequences, name="X"):
    """Sequences as a list of 2-D numeric arrays (M_i, P) with one P, M_i >= 1.

    The one check of ragged sequences, for the estimators (a list ``X``) and
    for :func:`~sklearn_rnn.equalize_lengths`. Values are not checked here:
    NaN is an error for the estimators and padding for ``equalize_lengths``.
    """
    if isinstance(sequences, np.ndarray) and sequences.ndim == 3:
        sequences = list(sequences)
    arrays = []
    for i, seq in enumerate(sequences):
        array = as_numeric(seq, f"Sequence {i} of {name}")
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
            # A scalar item: most likely one sequence passed where a list of
            # them is expected (iterating over it gives its values).
            remedy = (
                f" {name} must be a list of sequences: to pass a single "
                "sequence, wrap it in a list, [sequence]."
                if array.ndim == 0
                else ""
            )
            raise ValueError(
                f"Each sequence of {name} must be an array of shape "
                f"(n_timesteps,) or (n_timesteps, n_features) with at least one "
                f"timestep and one feature; sequence {i} has shape "
                f"{np.shape(seq)}.{remedy}"
            )
        arrays.append(array)
    if not arrays:
        raise ValueError(f"{name} is an empty list; pass at least one sequence.")
    widths = {a.shape[1] for a in arrays}
    if len(widths) > 1:
        raise ValueError(
            f"All sequences of {name} must have the same number of features P; "
            f"got P in {sorted(widths)}."
        )
    return arrays


def _check_array(X, name):
    X = as_numeric(X)
    if len(X.shape) not in (2, 3):
        raise ValueError(
            f"Expected a 3-D array (n_sequences, n_timesteps, n_features) or a "
            f"2-D array (n_sequences, n_timesteps) of univariate sequences{name}, "
            f"got a {len(X.shape)}-D array of shape {X.shape} instead."
            + (
                " Reshape your data with np.asarray(X).reshape(1, -1) if it is "
                "a single univariate sequence."
                if X.ndim == 1
                else ""
            )
        )
    if 0 in X.shape[1:]:
        # The last axis is the timesteps of a 2-D array, the features of a 3-D one.
        what = "feature(s)" if len(X.shape) == 3 and X.shape[2] == 0 else "timestep(s)"
        raise ValueError(
            f"Found array with 0 {what} (shape={X.shape}) while a minimum of 1 "
            f"is required{name}: each sequence needs at least one timestep and "
            "one feature."
        )
    if len(X.shape) == 2:
        # Every value is an observation: no padding to look for.
        _check_finite_2d(X)
        return Sequences(X[:, :, None])
    lengths, starts = _scan_padding(X)
    return Sequences(X, lengths, starts)


def _all_valid(X):
    """Whether float ``X`` is finite and within the range of float32."""
    if X.dtype.itemsize <= 4 or X.size == 0:
        return np.isfinite(X).all()  # float16/32: finite means representable
    # Wider floats: NaN propagates through min/max and fails both
    # comparisons, so this also checks finiteness, without the temporary
    # array of np.isfinite and about as fast.
    return X.min() >= -_FLOAT32_MAX and X.max() <= _FLOAT32_MAX


def _check_float32_range(X, offset=0):
    """Raise if a finite value of ``X`` (2-D or 3-D) overflows float32."""
    if X.dtype.itemsize <= 4:
        return
    too_large = np.abs(X) > _FLOAT32_MAX  # NaN compares False
    if not too_large.any():
        return
    too_large &= ~np.isinf(X)  # infinity has its own error message
    if too_large.any():
        where = tuple(np.argwhere(too_large)[0])
        i, t = where[:2]
        raise ValueError(
            f"Input X contains a value of magnitude {abs(X[where]):.3g} (sequence "
            f"{offset + i}, timestep {t}) outside the range of float32, "
            f"[-{_FLOAT32_MAX:.4g}, {_FLOAT32_MAX:.4g}], in which the network "
            "computes. Rescale X first, for instance by dividing it by a power "
            "of 10."
        )


# Infinity is never padding, and the network cannot read it.
_INFINITY_REMEDY = "Replace or clip infinite values first."


def _check_finite_2d(X):
    if X.dtype.kind == "f" and not _all_valid(X):
        _check_float32_range(X)
        i, t = np.argwhere(~np.isfinite(X))[0]
        if np.isinf(X[i, t]):
            raise ValueError(
                f"Input X contains infinity (sequence {i}, timestep {t}). "
                + _INFINITY_REMEDY
            )
        raise ValueError(
            f"Input X contains NaN (sequence {i}, timestep {t}). In a 2-D "
            "array every value is an observation; to mark the padding of "
            "shorter sequences use NaN rows in a 3-D array (n_sequences, "
            "n_timesteps, n_features) or pass a list of arrays."
        )


def _scan_padding(X):
    """Lengths and starts from NaN padding rows, checked chunk by chunk."""
    n, m, p = X.shape
    if X.dtype.kind != "f" or n == 0:
        return None, None
    in_memory = isinstance(X, np.ndarray)
    if in_memory and X.size <= _CHUNK_ELEMENTS and _all_valid(X):
        return None, None  # the common case, without the bookkeeping below
    lengths = np.full(n, m, dtype=np.int64)
    starts = np.zeros(n, dtype=np.int64)
    step = max(1, _CHUNK_ELEMENTS // (m * p))
    for lo in range(0, n, step):
        chunk = X[lo : lo + step] if in_memory else np.asarray(X[lo : lo + step])
        if _all_valid(chunk):
            continue
        _check_float32_range(chunk, lo)
        if np.isinf(chunk).any():
            i, t = np.argwhere(np.isinf(chunk).any(axis=2))[0]
            raise ValueError(
                f"Input X contains infinity (sequence {lo + i}, timestep {t}). "
                + _INFINITY_REMEDY
            )
        _pad_bounds(
            np.isnan(chunk), lo, lengths[lo : lo + step], starts[lo : lo + step]
        )
    if (lengths == m).all():
        return None, None
    return lengths, (starts if starts.any() else None)


def _pad_bounds(isnan, offset, lengths, starts):
    """Fill ``lengths``/``starts`` of one chunk from its NaN mask."""
    m = isnan.shape[1]
    observed = ~isnan.all(axis=2)
    empty = ~observed.any(axis=1)
    if empty.any():
        i = offset + int(np.argmax(empty))
        raise ValueError(
            f"Sequence {i} of X contains only NaN: it has no observed timestep."
        )
    first, stop = observed_bounds(observed)
    steps = np.arange(m)
    inside = (steps >= first[:, None]) & (steps < stop[:, None])
    holes = isnan.any(axis=2) & inside
    if holes.any():
        i, t = np.argwhere(holes)[0]
        raise ValueError(
            f"Input X contains NaN inside the observed part of sequence "
            f"{offset + i} (timestep {t}). NaN marks padding only as whole rows "
            "at the start or end of a sequence; impute missing values first."
        )
    lengths[:] = stop - first
    starts[:] = first


def observed_bounds(observed):
    """First observed step and one past the last, per row of a (n, m) mask
    of observed steps (rows without any give 0 and m: check them first)."""
    first = observed.argmax(axis=1)
    stop = observed.shape[1] - observed[:, ::-1].argmax(axis=1)
    return first, stop


def _check_list(X, name, panel=False):
    """A list holds its sequences' lengths: every value must be observed.

    The rule does not depend on whether the sequences happen to share one
    shape: NaN in a list is always an error, never padding. ``panel``: the
    list comes from an sktime panel DataFrame, whose rows give the lengths.
    """
    arrays = as_sequence_list(X)
    for i, a in enumerate(arrays):
        if a.dtype.kind == "f" and not _all_valid(a):
            _check_float32_range(a[None], offset=i)
            t = np.argwhere(~np.isfinite(a))[0][0]
            if np.isinf(a[t]).any():
                raise ValueError(
                    f"Sequence {i} of X contains infinity (timestep {t}). "
                    + _INFINITY_REMEDY
                )
            given = (
                "an instance of a panel DataFrame must be fully observed, "
                "since its rows give its length. Impute missing values, or "
                "drop the rows of unobserved timesteps, first."
                if panel
                else "a sequence given in a list must be fully observed, since "
                "the list gives its length. Impute missing values first, or "
                "pass a 3-D array whose NaN rows at the start or end mark "
                "padding."
            )
            raise ValueError(f"Sequence {i} of X contains NaN (timestep {t}); {given}")
    if len({a.shape for a in arrays}) == 1:
        # Equal shapes: the same as the stacked array (no padding to find).
        return _check_array(np.stack(arrays), name)
    lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)
    data = np.full((len(arrays), lengths.max(), arrays[0].shape[1]), np.nan, np.float32)
    for i, a in enumerate(arrays):
        data[i, : len(a)] = a
    return Sequences(data, lengths, None, from_list=True)


def _frame_to_arrays(X):
    """Convert sktime panel frames to lists; plain 2-D frames to arrays."""
    if isinstance(X.index, pd.MultiIndex):
        if X.index.nlevels != 2:
            raise ValueError(
                f"X has a row MultiIndex with {X.index.nlevels} levels "
                f"{list(X.index.names)}, but sktime's pd-multiindex panel format "
                "has 2: (instance, time). For hierarchical data, combine the "
                "instance levels into one first (for instance with "
                "X.index = pd.MultiIndex.from_arrays([X.index.droplevel(-1)"
                ".to_flat_index(), X.index.get_level_values(-1)]))."
            )
        # pd-multiindex: level 0 is the instance, the last level the time.
        missing = pd.isna(X.index.get_level_values(0))
        if missing.any():
            # groupby would drop those rows, and their instance with them.
            raise ValueError(
                f"X's instance level has missing labels (row "
                f"{int(np.argmax(missing))} of X): every row of a pd-multiindex "
                "frame must name its instance."
            )
        _check_time_increasing(X.index)
        groups = X.groupby(level=0, sort=False)
        return [_frame_values(g) for _, g in groups]
    if len(X) and X.dtypes.eq(object).all() and isinstance(X.iat[0, 0], pd.Series):
        # nested_univ: each cell is a Series over time.
        for i, row in enumerate(X.values):
            lengths = [len(cell) for cell in row]
            if len(set(lengths)) > 1:
                raise ValueError(
                    f"Instance {i} of X (sktime's nested_univ format) has "
                    f"features of different lengths {lengths}: the features of "
                    "one instance must cover the same timesteps. Truncate or "
                    "resample them to one length first."
                )
        return [np.column_stack([cell.to_numpy() for cell in row]) for row in X.values]
    if len(X) and any(_is_array_like(v) for v in X.iloc[0]):
        raise ValueError(
            "X is a DataFrame whose cells hold arrays. As sequences, give a "
            "list with one (n_timesteps, n_features) array per row, such as "
            "[np.column_stack(list(row)) for row in X.itertuples(index=False)], "
            "or sktime's nested_univ format, whose cells are pd.Series."
        )
    return _frame_values(X)


def _frame_values(frame):
    """The values of a frame as an array: pandas' missing values (pd.NA of
    nullable dtypes) become NaN, which the checks then name, where a plain
    ``to_numpy`` would give objects that fail as "not numeric"."""
    if all(is_numeric_dtype(t) and not is_bool_dtype(t) for t in frame.dtypes):
        return frame.to_numpy(dtype=np.float64, na_value=np.nan)
    return frame.to_numpy()


def _is_panel_frame(X):
    """Whether ``X`` is a DataFrame in one of sktime's panel formats, whose
    columns are features (pd-multiindex, nested_univ); a plain 2-D frame's
    columns are timesteps."""
    if not isinstance(X, pd.DataFrame):
        return False
    if isinstance(X.index, pd.MultiIndex):
        return True
    return bool(
        len(X) and X.dtypes.eq(object).all() and isinstance(X.iat[0, 0], pd.Series)
    )


def _timestep_labels(X):
    """The column labels of a plain 2-D DataFrame, or None.

    They name timesteps, which are read in column order: labels that are all
    strings or all integers (``pd.DataFrame(array)`` gives 0, 1, ...) are
    kept, so that reordered columns can be caught.
    """
    if not isinstance(X, pd.DataFrame) or _is_panel_frame(X):
        return None
    labels = list(X.columns)
    if not labels or not X.columns.is_unique:
        return None
    if all(isinstance(c, str) for c in labels):
        return np.asarray(labels, dtype=object)
    if all(isinstance(c, int | np.integer) and not isinstance(c, bool) for c in labels):
        return np.asarray([int(c) for c in labels], dtype=object)
    return None


def column_names(X):
    """The column names that ``fit`` records for ``X``, validated (sklearn's
    error for names of mixed types), without touching any estimator: fit
    records them only once it has succeeded."""
    from sklearn.utils.validation import _get_feature_names

    named = _named_frame(X)
    features = None if named is None else _get_feature_names(named)
    return features, _timestep_labels(X)


def _named_frame(X):
    """The frame whose columns name the features of ``X``: X itself for an
    sktime panel frame, the first frame of a list of frames (sktime's
    df-list, whose frames must then agree), None for anything else."""
    if _is_panel_frame(X):
        return X
    if not (
        isinstance(X, list | tuple)
        and X
        and all(isinstance(frame, pd.DataFrame) for frame in X)
    ):
        return None
    first = list(X[0].columns)
    for i, frame in enumerate(X):
        if list(frame.columns) != first:
            raise ValueError(
                f"X is a list of DataFrames (sktime's df-list format) whose "
                f"frames name different columns: X[{i}] has "
                f"{list(frame.columns)[:5]}, X[0] has {first[:5]}. Their "
                "columns are the features of each sequence: give every frame "
                "the same columns in the same order."
            )
    return X[0]


def record_column_names(estimator, names):
    """Set what :func:`column_names` returned on a fitted ``estimator``, as
    sklearn's ``_check_feature_names(reset=True)`` sets its own."""
    features, timesteps = names
    if features is not None:
        estimator.feature_names_in_ = features
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    estimator._timestep_names_in = timesteps


def check_column_names(estimator, X, *, reset):
    """Record (``reset=True``, in fit) or check the column names of ``X``.

    The columns of an sktime panel frame are features: their names become
    ``feature_names_in_``, checked at predict time by scikit-learn's own
    rules (a warning when names appear or disappear, an error when they
    differ or come in another order). The columns of a plain 2-D frame are
    timesteps, not features (``n_features_in_`` is 1): their labels are kept
    in ``_timestep_names_in`` and a frame whose columns come back in another
    order is an error, since its sequences would be read in that order. A
    2-D frame may have more or fewer columns than in fit (longer or shorter
    sequences); the labels both frames have must then keep their order.
    """
    from sklearn.utils.validation import _check_feature_names

    if reset:
        record_column_names(estimator, column_names(X))
        return
    panel = _is_panel_frame(X)
    named = _named_frame(X)
    timesteps = _timestep_labels(X)
    # Features: sklearn's warnings and errors (names absent from a 2-D
    # frame or an array give its "does not have valid feature names"). With
    # no names on either side it has nothing to say: skip its call, a
    # twentieth of a single-sequence predict's own overhead.
    if named is not None or hasattr(estimator, "feature_names_in_"):
        _check_feature_names(estimator, named, reset=False)
    fitted = getattr(estimator, "_timestep_names_in", None)
    name = type(estimator).__name__
    if fitted is None:
        if timesteps is not None and isinstance(timesteps[0], str):
            # sklearn's warning the other way round: named columns now,
            # none in fit, so nothing says they come in the fit's order.
            warnings.warn(
                f"X has column names, but {name} was fitted without them: the "
                "order of its columns (timesteps) cannot be checked.",
                UserWarning,
                stacklevel=caller_stacklevel(),
            )
        return
    if timesteps is None:
        if isinstance(fitted[0], str) and not panel:
            # As sklearn warns for features; integer labels, which
            # pd.DataFrame(array) gives, name nothing and are not missed.
            warnings.warn(
                f"X does not have valid column names, but {name} was fitted on "
                "a 2-D DataFrame whose columns (timesteps) have names: their "
                "order cannot be checked.",
                UserWarning,
                stacklevel=caller_stacklevel(),
            )
        return
    if len(fitted) == len(timesteps):
        if (fitted == timesteps).all():
            return
        fitted_set, seen = set(fitted), set(timesteps)
        if fitted_set != seen:
            unseen = [c for c in timesteps if c not in fitted_set][:5]
            missing = [c for c in fitted if c not in seen][:5]
            raise ValueError(
                "The feature names should match those that were passed during "
                f"fit.\nColumn names unseen at fit time: {unseen}; seen at fit "
                f"time, yet now missing: {missing}. The columns of a 2-D "
                "DataFrame are the timesteps of univariate sequences, and "
                f"these are not the timesteps {name} was fitted on. Pass the "
                "columns of fit (X[fitted_columns]), or a NumPy array if the "
                "labels differ on purpose."
            )
        detail = "Column names must be in the same order as they were in fit."
    else:
        # Sequences of another length: the shared labels keep their order.
        position = {c: i for i, c in enumerate(fitted)}
        shared = [position[c] for c in timesteps if c in position]
        if all(a < b for a, b in itertools.pairwise(shared)):
            return
        detail = (
            "The columns that were also passed during fit come in another "
            "order than in fit."
        )
    raise ValueError(
        "The feature names should match those that were passed during fit.\n"
        f"{detail} The columns of a 2-D DataFrame are the timesteps of "
        f"univariate sequences, read in column order, so {name} would read "
        "them in a different order than it was trained on. Select the "
        "columns in their fit order, for instance X[fitted_columns]."
    )


def _check_time_increasing(index):
    """Raise unless the time level increases strictly within every instance.

    The rows of an instance are read in row order, so rows out of time order
    would silently be read as another sequence.
    """
    instances = index.get_level_values(0)
    codes = pd.factorize(instances)[0]
    # The rows of each instance together, in row order within the instance.
    order = np.argsort(codes, kind="stable")
    times = index.get_level_values(-1)[order]
    same = codes[order][1:] == codes[order][:-1]
    bad = np.flatnonzero(same & ~np.asarray(times[1:] > times[:-1]))
    if bad.size:
        k = bad[0]
        instance, before, after = (
            _python(v) for v in (instances[order[k]], times[k], times[k + 1])
        )
        raise ValueError(
            f"The time level of the pd-multiindex X must be strictly increasing "
            f"within each instance, but instance {instance!r} has time "
            f"{after!r} after {before!r}. "
            + (
                "Aggregate the duplicate rows first, for instance with "
                "X.groupby(level=[0, 1]).mean()."
                if after == before
                else "Sort the rows of each instance by time, keeping the order "
                "of the instances (the order of y and of the predictions)."
            )
        )


def _python(value):
    """A numpy scalar as the Python value, for readable error messages."""
    return value.item() if isinstance(value, np.generic) else value
