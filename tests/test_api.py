"""The rest of the sklearn API: log-probabilities, layout warnings, messages."""

import warnings

import numpy as np
import pytest
from _helpers import ESTIMATORS, fast, sequence_data
from sklearn.exceptions import ConvergenceWarning

from sklearn_rnn import LSTMClassifier


def test_predict_log_proba_is_the_log_of_predict_proba():
    X, y = sequence_data(LSTMClassifier)
    clf = fast(LSTMClassifier).fit(X, y)
    log_proba = clf.predict_log_proba(X)
    assert log_proba.shape == (len(X), 2)
    np.testing.assert_allclose(np.exp(log_proba), clf.predict_proba(X), rtol=1e-10)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_sktime_layout_warns_with_the_transpose(Estimator):
    """sktime's numpy3D (N, P, M) passed as is: 150 'features' of 1 step."""
    X, y = sequence_data(Estimator, n=30, m=150, p=1)
    sktime_layout = X.transpose(0, 2, 1)
    with pytest.warns(UserWarning, match=r"X.transpose\(0, 2, 1\)") as record:
        fast(Estimator, max_iter=1).fit(sktime_layout, y)
    assert record[0].filename == __file__  # points at the caller's line


@pytest.mark.parametrize(("m", "p"), [(150, 1), (10, 24), (5, 15), (20, 40)])
def test_plausible_shapes_do_not_warn(m, p):
    X, y = sequence_data(LSTMClassifier, n=30, m=m, p=p)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=1
        fast(LSTMClassifier, max_iter=1).fit(X, y)


def test_one_hot_sequences_do_not_warn():
    """8 characters one-hot encoded over 37 symbols: many more features than
    steps, but an encoding, not a transposed series. The same shape with
    measured values warns."""
    rng = np.random.default_rng(0)
    X = np.eye(37)[rng.integers(37, size=(30, 8))]
    y = np.arange(30) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=1
        fast(LSTMClassifier, max_iter=1).fit(X, y)
        ragged = [x[: 3 + i % 6] for i, x in enumerate(X)]  # NaN-padded inside
        fast(LSTMClassifier, max_iter=1).fit(ragged, y)
    with pytest.warns(UserWarning, match="numpy3D"):
        fast(LSTMClassifier, max_iter=1).fit(X + rng.normal(size=X.shape), y)


def test_single_class_error_shows_a_python_value():
    X, _ = sequence_data(LSTMClassifier, n=10)
    with pytest.raises(ValueError, match=r"only one class: 0\.0\.$"):
        fast(LSTMClassifier).fit(X, np.zeros(10))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_max_iter_warning_points_at_the_callers_line(Estimator):
    X, y = sequence_data(Estimator, n=30)
    with pytest.warns(ConvergenceWarning, match="max_iter=1") as caught:
        fast(Estimator, max_iter=1).fit(X, y)
    assert {w.filename for w in caught} == {__file__}


def test_the_core_import_leaves_sktime_to_the_forecaster():
    """sktime takes about a second to import: only RNNForecaster needs it."""
    import subprocess
    import sys

    code = (
        "import sys, sklearn_rnn\n"
        "assert 'sktime' not in sys.modules\n"
        "assert 'RNNForecaster' in dir(sklearn_rnn)\n"
        "from sklearn_rnn import RNNForecaster\n"
        "assert RNNForecaster.__module__.startswith('sklearn_rnn.forecasting')\n"
        "assert sklearn_rnn.RNNForecaster is RNNForecaster\n"
        "assert sklearn_rnn.forecasting.RNNForecaster is RNNForecaster\n"
        "try:\n"
        "    sklearn_rnn.Nothing\n"
        "except AttributeError as error:\n"
        "    assert 'Nothing' in str(error)\n"
        "else:\n"
        "    raise AssertionError\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
