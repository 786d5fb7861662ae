"""The estimators inside scikit-learn and sktime tooling."""

import pickle
from functools import partial

import joblib
import numpy as np
import pytest
from _helpers import ESTIMATORS, fast, outputs, sequence_data
from sklearn.base import clone
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TimeSeriesSplit,
    cross_val_score,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_rnn import (
    LSTMClassifier,
    LSTMRegressor,
    LSTMTagger,
    SlidingWindowTransformer,
)

data = partial(sequence_data, n=60, m=8, noise=0, labels="int")


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_clone_gives_an_unfitted_copy_with_the_same_parameters(Estimator):
    X, y = data(Estimator)
    est = fast(Estimator, cell="gru", hidden_size=5).fit(X, y)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert not hasattr(copy, "net_")


@pytest.mark.parametrize("params", [{}, {"random_crop": 0.5}])  # voting, too
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_pickle_and_joblib_round_trips(Estimator, params, tmp_path):
    X, y = data(Estimator)
    est = fast(Estimator, early_stopping=True, **params).fit(X, y)
    expected = outputs(est, X)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(outputs(restored, X), expected)
    joblib.dump(est, tmp_path / "model.joblib")
    np.testing.assert_array_equal(
        outputs(joblib.load(tmp_path / "model.joblib"), X), expected
    )
    # The held-out data is not stored with the model.
    assert len(pickle.dumps(est)) < 200_000
    assert restored.net_.train_split is None
    # The weights are pickled once, through torch (which maps a network
    # trained on CUDA to the CPU where no GPU is visible): skorch's module
    # and criterion parameters are the fitted objects again, not copies.
    assert restored.net_.module is restored.net_.module_
    assert restored.net_.criterion is restored.net_.criterion_


def test_a_pickle_from_a_gpu_unpickles_on_the_cpu(monkeypatch):
    """Where the device a network was pickled on is missing, skorch maps it
    to the CPU; ``net_.device`` is then "cpu", as after sklearn_rnn.load.
    (tests/test_cuda.py does it for real, from a GPU.)"""
    import torch
    from skorch.exceptions import DeviceWarning

    X, y = data(LSTMRegressor)
    est = fast(LSTMRegressor).fit(X, y)
    expected = est.predict(X)
    est.net_.device = "cuda"  # as a fit on a GPU leaves it
    pickled = pickle.dumps(est)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(DeviceWarning):
        restored = pickle.loads(pickled)
    assert restored.net_.device == "cpu"
    np.testing.assert_array_equal(restored.predict(X), expected)


@pytest.mark.parametrize("Estimator", [LSTMClassifier, LSTMRegressor, LSTMTagger])
def test_numpy_scalars_build_the_network(Estimator):
    """A grid from np.arange gives np.int64, which the parameter checks
    accept as integers: torch's layers must get Python values."""
    X, y = data(Estimator if Estimator is not LSTMTagger else LSTMClassifier)
    params = dict(
        hidden_size=np.int64(4),
        num_layers=np.int64(1),
        bidirectional=np.bool_(True),
        max_iter=1,
        random_state=0,
        device="cpu",
    )
    if Estimator is LSTMTagger:
        y = np.where(X[..., 0] > 0, "up", "down")  # a label per timestep
    else:
        params["conv_channels"] = (np.int64(2), np.int64(3))
    est = Estimator(**params).fit(X, y)
    assert est.net_.module_.rnn.hidden_size == 4


def test_pickle_holds_the_weights_once():
    """Weights and the optimizer's two Adam moments: three copies' worth,
    where skorch alone pickles the module instance a fourth time."""
    import io

    import torch

    X, y = data(LSTMRegressor)
    est = fast(LSTMRegressor, hidden_size=64).fit(X, y)
    weights = io.BytesIO()
    torch.save(est.net_.module_.state_dict(), weights)
    assert len(pickle.dumps(est)) < 3.5 * len(weights.getvalue())


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_unpickled_model_can_keep_training(Estimator):
    X, y = data(Estimator)
    est = pickle.loads(pickle.dumps(fast(Estimator, warm_start=True).fit(X, y)))
    before = outputs(est, X)
    est.fit(X, y)
    assert not np.allclose(outputs(est, X), before)


def test_pipeline_with_a_scaler_on_univariate_sequences():
    X, y = data(LSTMClassifier, p=1)
    X2 = 50 + 10 * X[:, :, 0]  # 2-D: univariate sequences
    pipe = make_pipeline(StandardScaler(), fast(LSTMClassifier, max_iter=30))
    assert pipe.fit(X2, y).score(X2, y) > 0.8


def test_grid_search_over_architecture_and_learning_rate():
    X, y = data(LSTMClassifier)
    grid = GridSearchCV(
        fast(LSTMClassifier, max_iter=3),
        {
            "hidden_size": [4, 8],
            "cell": ["lstm", "gru"],
            "learning_rate_init": [1e-3, 1e-2],
        },
        cv=StratifiedKFold(2),
    )
    grid.fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert len(scores) == 8
    assert np.isfinite(scores).all()
    # The candidates differ, so the parameters reached the fitted networks.
    assert len(set(np.round(scores, 6))) > 1


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_cross_val_score(Estimator):
    X, y = data(Estimator, n=90)
    scores = cross_val_score(fast(Estimator, max_iter=80), X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.mean() > 0.5


@pytest.mark.slow
def test_sliding_window_pipeline_with_time_series_grid_search():
    """Row-aligned feature table -> windows -> LSTM, tuned under TimeSeriesSplit."""
    rng = np.random.RandomState(0)
    t = np.arange(300)
    table = np.column_stack([np.sin(t / 5), rng.normal(size=300)])
    # The target at row t needs the last 4 rows of the second (random)
    # feature: a window of 2 rows cannot know it. (From 2 rows of the sine,
    # the first feature, its past could be worked out.)
    y = table[:, 1] + np.r_[np.zeros(3), table[:-3, 1]]
    pipe = Pipeline(
        [
            ("windows", SlidingWindowTransformer(window_length=2)),
            ("lstm", fast(LSTMRegressor, max_iter=40, hidden_size=16)),
        ]
    )
    grid = GridSearchCV(
        pipe,
        {"windows__window_length": [2, 6]},
        cv=TimeSeriesSplit(n_splits=3),
    )
    grid.fit(table, y)
    assert grid.best_params_ == {"windows__window_length": 6}
    assert grid.score(table, y) > 0.9
    assert grid.predict(table).shape == (300,)


def test_regressor_in_sktime_make_reduction():
    from sktime.datasets import load_airline
    from sktime.forecasting.compose import make_reduction
    from sktime.performance_metrics.forecasting import (
        mean_absolute_percentage_error,
    )

    y = np.log(load_airline())
    train, test = y.iloc[:-12], y.iloc[-12:]
    forecaster = make_reduction(
        fast(LSTMRegressor, max_iter=100, hidden_size=16),
        window_length=13,
        strategy="recursive",
    )
    forecaster.fit(train)
    pred = forecaster.predict(fh=np.arange(1, 13))
    assert pred.index.equals(test.index)
    # On the log scale, a seasonal-naive forecast errs by about 1.4 %.
    assert mean_absolute_percentage_error(test, pred) < 0.03
