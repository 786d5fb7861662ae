"""The eight causes of silently wrong results found by a fuzzing audit.

Each test failed before its fix: it shows the wrong result, not just an error.
"""

import numpy as np
import pandas as pd
import pytest
from _helpers import (
    ESTIMATORS,
    fast,
    interrupt_at,
    outputs,
    sequence_data,
    training_result,
)
from sklearn.metrics import r2_score

from sklearn_rnn import (
    LSTMClassifier,
    LSTMRegressor,
    SlidingWindowTransformer,
    make_windows,
)
from sklearn_rnn._validation import check_sequences

# -- 1. features with a tiny spread --------------------------------------------


@pytest.mark.parametrize("unit", [1e-8, 1e-12, 1e-20])
def test_features_in_tiny_units_are_standardised(unit):
    X, _ = sequence_data(LSTMRegressor, n=120)
    sequences = check_sequences(X * unit)
    mean, std = sequences.moments(np.arange(len(X)))
    reference_mean, reference_std = check_sequences(X).moments(np.arange(len(X)))
    np.testing.assert_allclose(std, reference_std * unit, rtol=1e-5)
    np.testing.assert_allclose(mean, reference_mean * unit, rtol=1e-4, atol=1e-6 * unit)


@pytest.mark.parametrize("Estimator", [LSTMClassifier, LSTMRegressor])
def test_units_of_x_do_not_change_the_model(Estimator):
    """The docs promise that X needs no scaling."""
    X, y = sequence_data(Estimator, n=100)
    small = fast(Estimator, max_iter=20).fit(X * 1e-9, y)
    plain = fast(Estimator, max_iter=20).fit(X, y)
    np.testing.assert_allclose(
        small.loss_curve_, plain.loss_curve_, rtol=1e-3, atol=1e-5
    )


def test_only_a_truly_constant_feature_keeps_scale_one():
    X = np.zeros((4, 3, 3))
    X[..., 0] = 1e6  # constant, large
    X[..., 1] = np.arange(12.0).reshape(4, 3) * 1e-30  # tiny spread, not constant
    X[..., 2] = 0.1  # constant, not exactly representable
    _, std = check_sequences(X).moments(np.arange(4))
    assert std[0] == 1.0
    assert std[2] == 1.0
    assert 0 < std[1] < 1e-28


def test_forecaster_exogenous_x_in_tiny_units_is_used():
    from sklearn_rnn import RNNForecaster

    rng = np.random.RandomState(0)
    n = 80
    x = rng.normal(size=n)
    index = pd.period_range("2000-01", periods=n, freq="M")
    y = pd.DataFrame({"y": np.r_[0.0, x[:-1]]}, index=index)  # y follows x
    X = pd.DataFrame({"x": x}, index=index)
    reg = LSTMRegressor(hidden_size=4, max_iter=3, random_state=0, device="cpu")
    plain = RNNForecaster(3, estimator=reg, calibration_fraction=0).fit(y, X=X, fh=[1])
    tiny = RNNForecaster(3, estimator=reg, calibration_fraction=0).fit(
        y, X=X * 1e-9, fh=[1]
    )
    np.testing.assert_allclose(
        tiny.regressors_[0].loss_curve_, plain.regressors_[0].loss_curve_, rtol=1e-3
    )


# -- 2. targets with a tiny spread -----------------------------------------------


@pytest.mark.parametrize("unit", [1e-13, 1e-30])
def test_targets_in_tiny_units_are_standardised(unit):
    X, y = sequence_data(LSTMRegressor, n=100)
    plain = fast(LSTMRegressor, max_iter=20).fit(X, y)
    small = fast(LSTMRegressor, max_iter=20).fit(X, y * unit)
    np.testing.assert_allclose(small.predict(X) / unit, plain.predict(X), rtol=1e-3)
    assert r2_score(y * unit, small.predict(X)) == pytest.approx(
        r2_score(y, plain.predict(X)), abs=1e-4
    )


# -- 4. huge targets -----------------------------------------------------------


@pytest.mark.parametrize("value", [1e155, -1e200, 1e39])
def test_targets_beyond_float32_are_an_error(value):
    X, y = sequence_data(LSTMRegressor, n=20)
    y = y.copy()
    y[7] = value
    with pytest.raises(
        ValueError, match=r"Input y contains .* \(sample 7\).*Rescale y"
    ):
        fast(LSTMRegressor).fit(X, y)


def test_targets_near_the_float32_limit_give_finite_predictions():
    X, y = sequence_data(LSTMRegressor, n=40)
    reg = fast(LSTMRegressor).fit(X, y * 1e37)
    assert np.isfinite(reg.predict(X)).all()


# -- 7. windows that float32 cannot hold -------------------------------------------


@pytest.mark.parametrize(
    "series",
    [
        np.array([1.0, 2.0, 1e39, 4.0, 5.0]),
        np.array([1, 2, 2**24 + 1, 4, 5], dtype=np.int64),
        pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0], "b": [1, 2, 3, 4, 2**30]}),
    ],
)
def test_make_windows_refuses_a_lossy_float32_cast(series):
    with pytest.raises(ValueError, match=r"dtype=np.float64"):
        make_windows(series, 2)
    X, _ = make_windows(series, 2, dtype=np.float64)
    values = np.asarray(series, dtype=np.float64)
    values = values if values.ndim == 2 else values[:, None]
    np.testing.assert_array_equal(X[-1], values[-3:-1])


def test_make_windows_keeps_nan_and_infinity():
    # (A row that is NaN in every column is refused: see test_windowing.)
    series = np.column_stack([[1.0, np.nan, np.inf, 4.0], [1.0, 2.0, 3.0, 4.0]])
    X, y = make_windows(series, 2)
    assert np.isnan(X[0, 1, 0])
    assert np.isinf(y[0])


@pytest.mark.parametrize(
    "table", [np.array([[1.0], [1e39], [3.0]]), np.array([[1], [2**25 + 1], [3]])]
)
def test_sliding_window_transformer_refuses_a_lossy_float32_cast(table):
    with pytest.raises(ValueError, match=r"SlidingWindowTransformer\(dtype=np.float64"):
        SlidingWindowTransformer(2).fit_transform(table)
    Xt = SlidingWindowTransformer(2, dtype=np.float64).fit_transform(table)
    assert Xt.dtype == np.float64
    np.testing.assert_array_equal(Xt[1, :, 0], table[:2, 0])


BIG = 2**25 + 1  # float32 rounds it


@pytest.mark.parametrize(
    "table",
    [
        # validate_data would make these float64 before a check of the result
        pd.DataFrame({"id": [BIG, BIG + 2, BIG + 4], "x": [0.5, 1.5, 2.5]}),
        # (With a second column: a row missing in every column is refused.)
        pd.DataFrame({"id": pd.array([BIG, None, 3], dtype="Int64"), "x": [1.0] * 3}),
        np.array([[BIG], [2], [3]], dtype=object),
    ],
    ids=["mixed frame", "nullable with NA", "object array"],
)
def test_the_float32_check_sees_integers_in_every_container(table):
    with pytest.raises(ValueError, match=r"the integer 3355443\d, beyond 2\*\*24"):
        SlidingWindowTransformer(2).fit_transform(table)
    series = table.iloc[:, 0] if isinstance(table, pd.DataFrame) else table
    with pytest.raises(ValueError, match=r"series holds the integer 3355443\d"):
        make_windows(series, 1, target=None)
    exact = SlidingWindowTransformer(2, dtype=np.float64).fit_transform(table)
    assert exact[0, 1, 0] == BIG


def test_windows_read_object_columns_of_numbers():
    """As the estimators read them; strings or booleans among them are not
    numbers."""
    numbers = pd.DataFrame({"a": pd.Series([1, 2.5, 3], dtype=object)})
    windows = SlidingWindowTransformer(2).fit_transform(numbers)
    np.testing.assert_array_equal(windows[:, -1, 0], [1, 2.5, 3])
    np.testing.assert_array_equal(make_windows(numbers, 1)[1], [2.5, 3])
    for mixed in (["x", 2], [True, 2]):
        frame = pd.DataFrame({"a": pd.Series(mixed, dtype=object)})
        with pytest.raises(ValueError, match=r"the column\(s\) \['a'\] are not"):
            SlidingWindowTransformer(2).fit_transform(frame)


def test_windows_refuse_non_numeric_columns_by_name():
    dates = pd.DataFrame({"when": pd.date_range("2020", periods=3), "x": [1.0, 2, 3]})
    with pytest.raises(
        ValueError, match=r"X must be numeric; the column\(s\) \['when'\]"
    ):
        SlidingWindowTransformer(2).fit_transform(dates)
    with pytest.raises(ValueError, match=r"the column\(s\) \['a'\]"):
        SlidingWindowTransformer(2).fit_transform(pd.DataFrame({"a": ["x", "y"]}))


# -- 8. NaN in lists -----------------------------------------------------------------


@pytest.mark.parametrize("ragged", [False, True])
def test_a_list_follows_one_rule_for_nan(ragged):
    rng = np.random.RandomState(0)
    seqs = [rng.normal(size=(5, 2)) for _ in range(3)]
    seqs[1][0] = np.nan  # a first row of NaN
    if ragged:
        seqs[2] = seqs[2][:4]
    message = r"Sequence 1 of X contains NaN \(timestep 0\)"
    with pytest.raises(ValueError, match=message):
        check_sequences(seqs)


# -- 3. Ctrl-C ---------------------------------------------------------------------


def test_ctrl_c_stops_a_loop_of_fits(monkeypatch):
    """The fit ends with the best weights, records it, and re-raises."""
    X, y = sequence_data(LSTMRegressor, n=60)
    calls = interrupt_at(monkeypatch, 10)
    fitted = []

    def fit_several():
        for seed in range(3):
            fitted.append(fast(LSTMRegressor, random_state=seed, batch_size=8))
            fitted[-1].fit(X, y)

    with pytest.raises(KeyboardInterrupt):
        fit_several()
    assert len(fitted) == 1
    assert calls["n"] == 10
    assert fitted[0].interrupted_
    assert np.isfinite(fitted[0].predict(X)).all()


def test_an_uninterrupted_fit_records_it():
    X, y = sequence_data(LSTMRegressor, n=30)
    assert not fast(LSTMRegressor).fit(X, y).interrupted_


def test_ctrl_c_stops_a_grid_search(monkeypatch):
    from sklearn.model_selection import GridSearchCV

    X, y = sequence_data(LSTMRegressor, n=60)
    calls = interrupt_at(monkeypatch, 3)
    search = GridSearchCV(fast(LSTMRegressor), {"hidden_size": [2, 4]}, cv=2)
    with pytest.raises(KeyboardInterrupt):
        search.fit(X, y)
    assert calls["n"] == 3  # no other candidate or fold trained
    assert not hasattr(search, "cv_results_")


def test_ctrl_c_stops_the_forecaster_before_its_final_fit(monkeypatch):
    from sklearn_rnn import RNNForecaster

    y = pd.Series(np.sin(np.arange(60) / 3), index=pd.RangeIndex(60))
    calls = interrupt_at(monkeypatch, 2)  # in the calibration fit
    forecaster = RNNForecaster(3, estimator=fast(LSTMRegressor))
    with pytest.raises(KeyboardInterrupt):
        forecaster.fit(y, fh=[1])
    assert calls["n"] == 2
    assert not forecaster.is_fitted


# -- 5. threads and torch's global generator -----------------------------------------


def test_threaded_fits_leave_the_global_generator_and_reproduce(monkeypatch):
    """Two fits overlap in threads, the first ending while the second trains
    (with random crops, which draw from each fit's private generator)."""
    import threading

    import torch

    from sklearn_rnn._skorch import SequenceDataset

    X, y = sequence_data(LSTMRegressor, n=40)
    expected = {
        s: fast(LSTMRegressor, random_state=s, random_crop=0.5).fit(X, y).predict(X)
        for s in (0, 1)
    }
    both_training = threading.Barrier(2, timeout=60)
    first_done = threading.Event()
    original = SequenceDataset.get_batch
    started = set()

    def get_batch(self, positions):
        name = threading.current_thread().name
        if name not in started:
            started.add(name)
            both_training.wait()
            if name == "second":
                first_done.wait(timeout=60)
        return original(self, positions)

    monkeypatch.setattr(SequenceDataset, "get_batch", get_batch)
    before = torch.random.get_rng_state()
    predictions, errors = {}, []

    def fit(seed):
        try:
            predictions[seed] = (
                fast(LSTMRegressor, random_state=seed, random_crop=0.5)
                .fit(X, y)
                .predict(X)
            )
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            if seed == 0:
                first_done.set()

    threads = [
        threading.Thread(target=fit, args=(seed,), name=name)
        for seed, name in [(0, "first"), (1, "second")]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert torch.equal(torch.random.get_rng_state(), before)
    for seed in (0, 1):
        np.testing.assert_array_equal(predictions[seed], expected[seed])


def test_threaded_fits_with_dropout_leave_the_global_generator():
    from concurrent.futures import ThreadPoolExecutor

    import torch

    X, y = sequence_data(LSTMRegressor, n=40)

    def fit(seed):
        reg = fast(LSTMRegressor, random_state=seed, dropout=0.3, fc_size=4)
        return reg.fit(X, y).predict(X)

    expected = [fit(seed) for seed in range(3)]
    before = torch.random.get_rng_state()
    with ThreadPoolExecutor(3) as pool:
        predictions = list(pool.map(fit, range(3)))
    assert torch.equal(torch.random.get_rng_state(), before)
    for got, want in zip(predictions, expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_fit_without_random_state_beside_a_seeded_dropout_fit():
    """An unseeded fit in another thread drew its initial weights and
    shuffles from the global generator while the seeded fit had it seeded
    for dropout: both changed the seeded fit's result."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from skorch.callbacks import Callback

    X, y = sequence_data(LSTMRegressor, n=40)
    training, starting = threading.Event(), threading.Event()

    class LetTheOtherStart(Callback):
        def __deepcopy__(self, memo):
            return self  # the estimator copies its callbacks; events cannot be

        def on_epoch_end(self, net, **kwargs):
            if not training.is_set():
                training.set()
                assert starting.wait(60)
                time.sleep(0.5)  # the other fit reaches its random draws

    def seeded(callbacks=None):
        reg = fast(LSTMRegressor, random_state=0, dropout=0.3, fc_size=4)
        return reg.set_params(callbacks=callbacks).fit(X, y).predict(X)

    def unseeded():
        assert training.wait(60)
        starting.set()
        return fast(LSTMRegressor, random_state=None).fit(X, y).predict(X)

    expected = seeded()
    with ThreadPoolExecutor(2) as pool:
        got = pool.submit(seeded, [LetTheOtherStart()])
        other = pool.submit(unseeded)
        np.testing.assert_array_equal(got.result(timeout=120), expected)
        assert np.isfinite(other.result(timeout=120)).all()


# -- 6. a learning rate far too high ---------------------------------------------------


@pytest.mark.parametrize(
    ("Estimator", "learning_rate_init", "fails"),
    [
        (LSTMClassifier, 10.0, False),
        (LSTMClassifier, 1e6, False),
        (LSTMRegressor, 10.0, False),
        # The squared error overflows: the head reads the stem's unbounded
        # ReLU features, which such steps blow up.
        (LSTMRegressor, 1e6, True),
    ],
)
def test_a_learning_rate_far_too_high_warns(Estimator, learning_rate_init, fails):
    """A warning that nothing was learnt or, where the loss overflows, an
    error; both name learning_rate_init, and nothing is left half-fitted."""
    from sklearn.exceptions import ConvergenceWarning

    X, y = sequence_data(Estimator, n=100)
    estimator = fast(Estimator, max_iter=10, learning_rate_init=learning_rate_init)
    if fails:
        with pytest.raises(ValueError, match=r"diverged.*Lower learning_rate_init"):
            estimator.fit(X, y)
        assert not hasattr(estimator, "net_")
        return
    with pytest.warns(
        ConvergenceWarning, match="did not learn.*lower learning_rate_init"
    ):
        estimator.fit(X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_fit_whose_last_step_overflows_raises(Estimator):
    """One batch, one epoch: the loss is finite (taken before the step) and
    the weights are not. Nothing is left fitted."""
    X, y = sequence_data(Estimator, n=16)
    estimator = fast(Estimator, batch_size=16, max_iter=1, learning_rate_init=1e30)
    with pytest.raises(ValueError, match=r"diverged.*outputs are not finite"):
        estimator.fit(X, y)
    assert not hasattr(estimator, "net_")


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_inputs_that_overflow_the_network_raise_at_predict(Estimator):
    """Finite, but far outside the training data's range: float32 overflows
    inside the network, and NaN must not come back as a prediction."""
    X, y = sequence_data(Estimator, n=20)
    est = fast(Estimator).fit(X, y)
    wild = X[:3].copy()
    wild[2] *= 1e38
    with pytest.raises(ValueError, match=r"outputs for sequence 2 of X are not"):
        est.predict(wild)
    assert np.isfinite(outputs(est, X[:2])).all()


@pytest.mark.parametrize("weights", [[np.nan], [-1.0], [0, 0], ["heavy"]])
def test_class_weight_values_are_checked(weights):
    X, y = sequence_data(LSTMClassifier, n=16)
    class_weight = dict(zip(np.unique(y), weights, strict=False))
    with pytest.raises(ValueError, match="class_weight must map labels to finite"):
        fast(LSTMClassifier, class_weight=class_weight).fit(X, y)


def test_a_good_learning_rate_does_not_warn_that_nothing_was_learnt():
    import warnings

    X, y = sequence_data(LSTMRegressor, n=100)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fast(LSTMRegressor, max_iter=10, learning_rate_init=0.01).fit(X, y)
    assert not [w for w in caught if "did not learn" in str(w.message)]


@pytest.mark.parametrize(
    ("baseline", "expected"),
    [
        # Below the first epoch's loss, and not beaten: the baseline is named.
        (1.0, "9.2e+06, no lower than that of a constant prediction (1; after"),
        # Above it: the first epoch is the bound the loss did not beat.
        (5e11, "3e+11, no lower than after its first epoch (2e+11): the"),
    ],
)
def test_the_did_not_learn_warning_names_the_bound_not_beaten(baseline, expected):
    """A loss of 9.2e6 is lower than a first epoch's 2e11: the warning must
    not say otherwise when the constant prediction is the bound."""
    from sklearn.exceptions import ConvergenceWarning

    last = 9.2e6 if baseline == 1.0 else 3e11
    result = training_result([2e11, 5e11, last])
    with pytest.warns(ConvergenceWarning, match="did not learn") as caught:
        fast(LSTMRegressor)._warn_if_not_converged(result, baseline, early=False)
    assert expected in str(caught[0].message)


def test_an_infinite_validation_loss_is_an_error():
    """Held-out samples whose outputs overflow made the plateaus compare
    infinities: the rate was cut, no epoch was kept, and fit returned. (Their
    own standardisation overflows too: the outputs are NaN, and the score of
    the held-out samples must not fail on them first.)"""
    X, y = sequence_data(LSTMRegressor, n=40)
    X[-1] *= 1e36  # the regressor holds out the last samples
    reg = fast(LSTMRegressor, early_stopping=True)
    with pytest.raises(ValueError, match=r"validation loss is (inf|nan) at epoch 1"):
        reg.fit(X, y)
    assert not hasattr(reg, "net_")
