"""partial_fit: MLPClassifier's contract, one epoch per call."""

import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import ESTIMATORS, fast, interrupt_at, outputs, sequence_data
from numpy.testing import assert_array_equal
from skorch.callbacks import Callback

from sklearn_rnn import LSTMClassifier, LSTMRegressor


def partial_fit(est, X, y, **kwargs):
    if isinstance(est, LSTMClassifier) and not hasattr(est, "classes_"):
        kwargs.setdefault("classes", np.unique(y))
    return est.partial_fit(X, y, **kwargs)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_each_call_is_one_epoch_and_the_loss_falls(Estimator):
    X, y = sequence_data(Estimator, n=96)
    est = fast(Estimator, learning_rate_init=0.01)
    for call in range(1, 11):
        partial_fit(est, X, y)
        assert est.n_iter_ == call
        assert len(est.loss_curve_) == call
    assert est.loss_curve_[-1] < 0.8 * est.loss_curve_[0]
    assert est.validation_scores_ is None
    assert est.best_loss_ == min(est.loss_curve_)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_the_optimizer_state_carries_over(Estimator):
    X, y = sequence_data(Estimator, n=64)
    est = fast(Estimator, batch_size=16)
    partial_fit(est, X, y)
    net = est.net_
    partial_fit(est, X[:32], y[:32])
    assert est.net_ is net
    steps = {int(s["step"]) for s in net.optimizer_.state.values()}
    assert steps == {64 // 16 + 32 // 16}  # Adam counted the steps of both


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_changed_optimizer_settings_take_effect_at_the_next_call(Estimator):
    # The net of the first call was built with them: reused, it kept Adam,
    # the old learning rate and the clipping, silently.
    X, y = sequence_data(Estimator, n=64)
    est = fast(Estimator, batch_size=16)
    partial_fit(est, X, y)
    net = est.net_
    est.set_params(solver="sgd", learning_rate_init=1e-4, clip_grad_norm=None)
    partial_fit(est, X, y)
    assert est.net_ is not net
    assert isinstance(est.net_.optimizer_, torch.optim.SGD)
    assert est.net_.optimizer_.param_groups[0]["lr"] == 1e-4
    assert est.net_.clip_grad_norm is None
    # The history goes on, and so does the minibatch size of the first call.
    assert est.n_iter_ == len(est.loss_curve_) == 2
    assert est.net_.batch_size == 16
    net = est.net_
    partial_fit(est, X, y)  # unchanged since: the same optimizer goes on
    assert est.net_ is net
    assert est.n_iter_ == 3
    # Each call's epoch records the rate it trained with, as fit's do (and
    # the verbose table shows it).
    first = fast(Estimator).learning_rate_init
    assert est.net_.history[:, "lr"] == [first, 1e-4, 1e-4]


def test_verbose_partial_fit_shows_the_learning_rate(capsys):
    X, y = sequence_data(LSTMRegressor, n=20)
    fast(LSTMRegressor, verbose=1, learning_rate_init=3e-3).partial_fit(X, y)
    header, _, row = capsys.readouterr().out.splitlines()[:3]
    assert header.split() == ["epoch", "lr", "train_loss", "dur"]
    assert row.split()[1] == "3.0e-03"


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_the_first_call_fixes_the_scaling(Estimator):
    X, y = sequence_data(Estimator, n=40)
    est = partial_fit(fast(Estimator), X, y)
    x_mean = est.net_.module_.x_mean.clone()
    y_mean = getattr(est, "_y_mean", None)
    y_shifted = y + 10 if Estimator is LSTMRegressor else y
    partial_fit(est, 5 * X + 3, y_shifted)
    assert est.net_.module_.x_mean.equal(x_mean)
    if y_mean is not None:
        assert_array_equal(est._y_mean, y_mean)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_same_seed_same_calls_same_model(Estimator):
    X, y = sequence_data(Estimator, n=40)
    params = dict(dropout=0.2, random_crop=0.7)  # both draw from torch
    a, b = fast(Estimator, **params), fast(Estimator, **params)
    for est in (a, b):
        for _ in range(2):
            partial_fit(est, X, y)
    assert_array_equal(outputs(a, X), outputs(b, X))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_fit_after_partial_fit_starts_afresh(Estimator):
    X, y = sequence_data(Estimator, n=40)
    est = fast(Estimator)
    partial_fit(est, X, y)
    partial_fit(est, X, y)
    est.fit(X, y)
    fresh = fast(Estimator).fit(X, y)
    assert est.loss_curve_ == fresh.loss_curve_
    assert_array_equal(outputs(est, X), outputs(fresh, X))
    # partial_fit after fit continues from the fitted weights.
    partial_fit(est, X, y)
    assert est.n_iter_ == fresh.n_iter_ + 1
    assert est.loss_curve_[:-1] == fresh.loss_curve_


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_other_features_per_timestep_are_rejected(Estimator):
    X, y = sequence_data(Estimator, n=20, p=2)
    est = partial_fit(fast(Estimator), X, y)
    with pytest.raises(ValueError, match="feature"):
        est.partial_fit(X[:, :, :1], y)


def test_classes_are_needed_first_and_fixed_after():
    X, y = sequence_data(LSTMClassifier, n=30)
    with pytest.raises(ValueError, match="classes must be passed"):
        fast(LSTMClassifier).partial_fit(X, y)
    clf = fast(LSTMClassifier)
    # y of a call need not hold every class.
    clf.partial_fit(X, y, classes=["down", "up", "flat"])
    assert_array_equal(clf.classes_, ["down", "flat", "up"])
    assert clf.predict_proba(X).shape == (30, 3)
    assert set(clf.predict(X)) <= {"down", "flat", "up"}
    with pytest.raises(ValueError, match="not the same as on last call"):
        clf.partial_fit(X, y, classes=["down", "up"])
    with pytest.raises(ValueError, match=r"labels \['sideways'\]"):
        clf.partial_fit(X, np.where(y == "up", "sideways", y))
    clf.partial_fit(X[y == "up"], y[y == "up"])  # one class in a call
    assert clf.n_iter_ == 2


def test_regressor_keeps_its_outputs():
    X, y = sequence_data(LSTMRegressor, n=30)
    reg = fast(LSTMRegressor).partial_fit(X, y)
    assert reg.predict(X).shape == (30,)
    with pytest.raises(ValueError, match="outputs"):
        reg.partial_fit(X, np.column_stack([y, y]))


def test_targets_far_outside_the_first_scaling_are_refused_before_training():
    """Their float32 squared errors overflowed, and the call reported a
    divergence that no learning rate or clipping could help."""
    X, y = sequence_data(LSTMRegressor, n=20)
    for first, later in ((y, y * 1e25), (y * 1e-20, y)):
        reg = fast(LSTMRegressor).partial_fit(X, first)
        before = (reg.n_iter_, outputs(reg, X))
        with pytest.raises(ValueError, match="keeps the target scaling of its first"):
            reg.partial_fit(X, later)
        assert reg.n_iter_ == before[0]
        assert_array_equal(outputs(reg, X), before[1])
    warm = fast(LSTMRegressor, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match=r"scales from the mean.*\(mean "):
        warm.fit(X, y * 1e25)


def test_partial_fit_takes_sample_weight():
    X, y = sequence_data(LSTMRegressor, n=40)
    weights = np.random.RandomState(1).randint(0, 3, size=40).astype(float)
    keep = weights > 0
    a = fast(LSTMRegressor).partial_fit(X, y, sample_weight=weights)
    b = fast(LSTMRegressor).partial_fit(X[keep], y[keep], sample_weight=weights[keep])
    assert a.loss_curve_ == b.loss_curve_


def test_a_saved_partial_fit_loads_and_trains_on(tmp_path):
    import sklearn_rnn

    X, y = sequence_data(LSTMClassifier, n=40)
    clf = fast(LSTMClassifier)
    for _ in range(2):
        clf.partial_fit(X, y, classes=["down", "up"])
    loaded = sklearn_rnn.load(clf.save(tmp_path / "model.safetensors"))
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    loaded.partial_fit(X, y)  # a new optimizer, the same weights and classes
    assert loaded.n_iter_ == 3
    assert_array_equal(loaded.classes_, ["down", "up"])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_diverging_call_raises_and_keeps_the_weights(Estimator):
    """A step that overflows leaves a finite epoch loss (each batch's loss
    is taken before its step) but weights that predict NaN: the call must
    raise and put the weights back, and training can go on."""
    X, y = sequence_data(Estimator, n=16)
    est = fast(Estimator, batch_size=16).fit(X, y)
    before = outputs(est, X)
    # After fit, partial_fit starts an optimizer with the new rate.
    est.set_params(learning_rate_init=1e30)
    with pytest.raises(ValueError, match=r"diverged.*outputs are not finite"):
        partial_fit(est, X, y)
    assert_array_equal(outputs(est, X), before)
    est.set_params(learning_rate_init=1e-3)
    assert np.isfinite(outputs(partial_fit(est, X, y), X)).all()


def test_a_failed_call_keeps_the_minibatch_size_of_the_first():
    # It was resolved again, from the chunk of the call after the failure.
    X, y = sequence_data(LSTMRegressor, n=704)
    est = fast(LSTMRegressor)
    partial_fit(est, X, y)  # batch_size="auto": 704 // 32 = 22
    assert est.net_.batch_size == 22
    est.set_params(learning_rate_init=1e30)
    with pytest.raises(ValueError, match=r"diverged"):
        partial_fit(est, X[:64], y[:64])
    est.set_params(learning_rate_init=1e-3)
    partial_fit(est, X[:64], y[:64])  # alone, 64 sequences would give 16
    assert est.net_.batch_size == 22


class FailsOnThirdEpoch(Callback):
    """Raises at the end of the third epoch its net trains."""

    def initialize(self):
        self.epochs = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs += 1
        if self.epochs == 3:
            raise RuntimeError("the third epoch fails")


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_failed_call_adds_no_epoch(Estimator):
    """The epoch of a call that fails is not counted by the calls after it:
    n_iter_ and loss_curve_ grow by one per successful call."""
    X, y = sequence_data(Estimator, n=16)
    est = fast(Estimator, batch_size=16, callbacks=[FailsOnThirdEpoch()])
    for _ in range(2):
        partial_fit(est, X, y)
    curve = list(est.loss_curve_)
    with pytest.raises(RuntimeError, match="third epoch"):
        partial_fit(est, X, y)
    assert est.n_iter_ == 2
    assert list(est.loss_curve_) == curve
    # The next call starts a new optimizer (and a new copy of the callback).
    partial_fit(est, X, y)
    assert est.n_iter_ == 3
    assert list(est.loss_curve_[:2]) == curve


def test_ctrl_c_before_the_first_batch_leaves_the_estimator_as_it_was(monkeypatch):
    """As for fit: no batch done, nothing changes, not even the history."""
    X, y = sequence_data(LSTMRegressor, n=16)
    est = fast(LSTMRegressor, batch_size=8, max_iter=2).fit(X, y)
    before = (est.n_iter_, list(est.loss_curve_), len(est.net_.history))
    predictions = outputs(est, X)
    interrupt_at(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt, match="before its first batch"):
        partial_fit(est, X, y)
    assert (est.n_iter_, list(est.loss_curve_), len(est.net_.history)) == before
    assert not est.interrupted_
    assert_array_equal(outputs(est, X), predictions)
    partial_fit(est, X, y)
    assert est.n_iter_ == 3


def test_one_class_is_refused_as_fit_refuses_it():
    X, y = sequence_data(LSTMClassifier, n=16)
    est = fast(LSTMClassifier)
    with pytest.raises(ValueError, match=r"at least 2 class labels, got \['up'\]"):
        est.partial_fit(X, np.full(len(X), "up"), classes=["up", "up"])
    assert not hasattr(est, "classes_")
    est.partial_fit(X, y, classes=["down", "up"])  # a valid first call after it
    assert est.n_iter_ == 1


def test_a_failed_first_call_leaves_no_classes():
    X, y = sequence_data(LSTMClassifier, n=16)
    est = fast(LSTMClassifier)
    with pytest.raises(ValueError, match="classes"):
        est.partial_fit(X, y, classes=["a", "b"])  # y's labels are not these
    assert not hasattr(est, "classes_")
    with pytest.raises(ValueError, match="classes"):
        est.partial_fit(X, y)  # the first call must name them again


def test_a_failed_first_call_records_no_feature_names():
    X, y = sequence_data(LSTMRegressor, n=16, m=6)
    frame = pd.DataFrame(
        X.reshape(-1, 2),
        index=pd.MultiIndex.from_product([range(16), range(6)]),
        columns=["f1", "f2"],
    )
    est = fast(LSTMRegressor)
    with pytest.raises(ValueError, match="NaN"):
        est.partial_fit(frame, np.r_[np.nan, y[1:]])
    assert not hasattr(est, "feature_names_in_")
    with pytest.raises(TypeError, match="string names"):  # unreadable names
        est.partial_fit(frame.set_axis([0, "b"], axis=1), y)
    assert not hasattr(est, "net_")
    est.partial_fit(frame, y)
    assert est.feature_names_in_.tolist() == ["f1", "f2"]


def test_warm_start_checks_feature_names_as_partial_fit_does():
    """A warm fit trains the fitted network on the fitted columns: others
    in another order, or renamed, are refused, and the names are kept."""
    X, y = sequence_data(LSTMRegressor, n=16, m=6)
    frame = pd.DataFrame(
        X.reshape(-1, 2),
        index=pd.MultiIndex.from_product([range(16), range(6)]),
        columns=["f1", "f2"],
    )
    est = fast(LSTMRegressor, warm_start=True, max_iter=1).fit(frame, y)
    for other in (frame[["f2", "f1"]], frame.set_axis(["f1", "z"], axis=1)):
        with pytest.raises(ValueError, match="feature names should match"):
            est.fit(other, y)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        est.fit(X, y)
    assert est.feature_names_in_.tolist() == ["f1", "f2"]
    est.predict(frame)
