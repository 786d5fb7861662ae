"""Property-based tests: what any input gives, and batch independence.

Over random shapes, dtypes, NaN/inf placement, ragged lists, pandas inputs
and label types, every input must give either a clear ``ValueError`` or
``TypeError`` raised by this library or by scikit-learn, or finite
predictions of the right shape. And a sequence's prediction must not depend
on the other sequences of its batch.

The hypothesis profile is fixed (derandomized, a bounded number of
examples, no deadline) so that the suite is reproducible and its cost is
bounded: 25 s in one process with one torch thread on the (shared)
development machine, fitted models included.
"""

import traceback
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import fast, sequence_data
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklearn_rnn import LSTMClassifier, LSTMRegressor

PROFILE = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
N_FEATURES = 2

DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8, bool, object]
SPECIALS = [
    "none",
    "nan_cell",
    "nan_row_start",
    "nan_row_end",
    "nan_sequence",
    "inf",
    "huge",
]
FORMS = ["3d", "2d", "list", "ragged", "frame", "multiindex", "tensor"]


def _raised_here(exc):
    """Whether ``exc`` was raised by this library or by scikit-learn."""
    frames = traceback.extract_tb(exc.__traceback__)
    origin = Path(frames[-1].filename).parts
    return "sklearn_rnn" in origin or "sklearn" in origin


def _check_outcome(call, n_rows=None, n_columns=None):
    """``call()`` raises a clear error or returns finite (n_rows, ...) output.

    Returns None after an error, else the result of ``call()``.
    """
    error = None
    try:
        out = call()
    except (ValueError, TypeError) as exc:
        error = exc
    event(f"error: {str(error)[:40]}" if error is not None else "result")
    if error is not None:
        assert _raised_here(error), f"unclear error: {error!r}"
        assert len(str(error)) > 20
        return None
    if n_rows is None:
        return out
    out = np.asarray(out)
    assert out.shape[0] == n_rows
    if n_columns is not None:
        assert out.shape[1:] == (n_columns,)
    if out.dtype.kind == "f":
        assert np.isfinite(out).all()
    return out


@st.composite
def sequence_inputs(draw, min_n=1, max_n=5, max_m=6, specials=tuple(SPECIALS)):
    """``(X, n_sequences)`` in one of the accepted (or nearly) forms."""
    n = draw(st.integers(min_n, max_n))
    m = draw(st.integers(1, max_m))
    p = draw(st.sampled_from([N_FEATURES, N_FEATURES, 1, 3]))
    values = draw(
        arrays(np.float64, (n, m, p), elements=st.floats(-100, 100, width=32))
    )
    special = draw(st.sampled_from(specials))
    i, t = draw(st.integers(0, n - 1)), draw(st.integers(0, m - 1))
    if special == "nan_cell":
        values[i, t, 0] = np.nan
    elif special == "nan_row_start":
        values[i, :t] = np.nan
    elif special == "nan_row_end":
        values[i, t + 1 :] = np.nan
    elif special == "nan_sequence":
        values[i] = np.nan
    elif special == "inf":
        values[i, t, -1] = draw(st.sampled_from([np.inf, -np.inf]))
    elif special == "huge":
        values[i, t, 0] = draw(st.sampled_from([1e39, -1e300, 3e38]))
    dtype = draw(st.sampled_from(DTYPES))
    if np.dtype(dtype).kind in "iub" and not np.isfinite(values).all():
        dtype = np.float64  # integers cannot hold NaN or infinity
    with np.errstate(over="ignore", invalid="ignore"):
        values = values.astype(dtype)
    form = draw(st.sampled_from(FORMS))
    if form == "2d" or (form == "frame" and p == 1):
        X = values[:, :, 0]
        X = pd.DataFrame(X) if form == "frame" else X
    elif form == "list":
        X = list(values)
    elif form == "ragged":
        lengths = draw(st.lists(st.integers(1, m), min_size=n, max_size=n))
        X = [v[:length] for v, length in zip(values, lengths, strict=True)]
    elif form in ("frame", "multiindex"):
        index = pd.MultiIndex.from_product([range(n), range(m)])
        X = pd.DataFrame(values.reshape(n * m, p), index=index)
    elif form == "tensor" and values.dtype.kind == "f":
        X = torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32))
    else:
        X = values
    return X, n


@pytest.fixture(scope="module")
def fitted():
    models = {}
    for Estimator in (LSTMClassifier, LSTMRegressor):
        X, y = sequence_data(Estimator, n=30, m=5, p=N_FEATURES)
        models[Estimator] = fast(Estimator, hidden_size=4, max_iter=2).fit(X, y)
    return models


@settings(PROFILE, max_examples=300)
@given(data=sequence_inputs())
def test_predict_gives_a_clear_error_or_finite_predictions(fitted, data):
    X, n = data
    clf, reg = fitted[LSTMClassifier], fitted[LSTMRegressor]
    proba = _check_outcome(lambda: clf.predict_proba(X), n, len(clf.classes_))
    if proba is not None:
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
        assert set(clf.predict(X)) <= set(clf.classes_)
    _check_outcome(lambda: reg.predict(X), n, None)


LABELS = {
    "int": lambda v: (v > 0).astype(int),
    "str": lambda v: np.where(v > 0, "up", "down"),
    "bool": lambda v: v > 0,
    "float": lambda v: v,
    "multiclass": lambda v: np.digitize(v, [-1, 0, 1]),
    "2d": lambda v: np.column_stack([v, -v]),
    "object": lambda v: np.array(["up" if x > 0 else 3 for x in v], dtype=object),
}


@settings(PROFILE, max_examples=60)
@given(
    # Mostly valid sequences, so that most fits get as far as the labels.
    data=sequence_inputs(min_n=4, max_n=12, max_m=4, specials=["none"] * 6 + SPECIALS),
    kind=st.sampled_from(sorted(LABELS)),
    special=st.sampled_from(["none", "nan", "inf", "huge"]),
    Estimator=st.sampled_from([LSTMClassifier, LSTMRegressor]),
)
def test_fit_gives_a_clear_error_or_a_usable_model(data, kind, special, Estimator):
    X, n = data
    target = LABELS[kind](np.linspace(-2, 2, n))
    if special != "none" and target.dtype.kind == "f":
        target = target.copy()
        target.flat[0] = {"nan": np.nan, "inf": np.inf, "huge": 1e200}[special]
    estimator = fast(Estimator, hidden_size=2, max_iter=2)
    model = _check_outcome(lambda: estimator.fit(X, target))
    if model is not None:  # fitted: it predicts its training input
        _check_outcome(lambda: estimator.predict(X), n, None)


@settings(PROFILE, max_examples=100)
@given(
    lengths=st.lists(st.integers(1, 9), min_size=2, max_size=8),
    seed=st.integers(0, 2**16),
    position=st.integers(0, 7),
)
def test_a_prediction_does_not_depend_on_the_rest_of_the_batch(
    fitted, lengths, seed, position
):
    rng = np.random.RandomState(seed)
    sequences = [rng.normal(size=(m, N_FEATURES)) for m in lengths]
    position %= len(sequences)
    for model in fitted.values():
        predict = getattr(model, "predict_proba", model.predict)
        in_batch = predict(sequences)[position]
        alone = predict([sequences[position]])[0]
        np.testing.assert_allclose(in_batch, alone, rtol=1e-5, atol=1e-6)
