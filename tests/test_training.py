"""Training semantics: early stopping, LR reduction, clipping, seeds, warm start."""

import copy
import math
import re
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from _helpers import ESTIMATORS, TinyLSTM, fast, interrupt_at, outputs, sequence_data
from sklearn.exceptions import ConvergenceWarning
from skorch.history import History
from skorch.utils import noop

from sklearn_rnn import LSTMClassifier, LSTMRegressor
from sklearn_rnn._modules import N_CROPS, _crop_lengths
from sklearn_rnn._skorch import Plateau, SequenceDataset


def regression_data(**kwargs):
    return sequence_data(LSTMRegressor, **kwargs)


def classification_data(**kwargs):
    return sequence_data(LSTMClassifier, **kwargs)


def test_regressor_learns_and_unscales_targets():
    X, y = regression_data(n=300)
    y_big = 1000 * y + 5e4
    reg = LSTMRegressor(hidden_size=16, random_state=0).fit(X, y_big)
    assert reg.score(X, y_big) > 0.9
    assert abs(reg.predict(X).mean() - 5e4) < 500


def test_regressor_multi_output():
    X, y = regression_data(n=200)
    Y = np.column_stack([y, -2 * y])
    reg = fast(LSTMRegressor, max_iter=60).fit(X, Y)
    assert reg.predict(X).shape == (200, 2)
    assert reg.score(X, Y) > 0.8
    assert reg.predict(X).shape == (200, 2)
    assert fast(LSTMRegressor).fit(X, Y[:, :1]).predict(X).shape == (200, 1)


def test_classifier_labels_and_probabilities():
    X, y = classification_data()
    clf = fast(LSTMClassifier, max_iter=40).fit(X, y)
    assert list(clf.classes_) == ["down", "up"]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    assert clf.score(X, y) > 0.9


def test_classifier_multiclass_integer_labels():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 8, 1))
    y = np.digitize(X[:, -2:, 0].sum(axis=1), [-0.7, 0.7]) * 10  # 0, 10, 20
    clf = fast(LSTMClassifier, max_iter=60).fit(X, y)
    assert list(clf.classes_) == [0, 10, 20]
    assert clf.predict_proba(X).shape == (150, 3)
    assert clf.score(X, y) > 0.8


def test_class_weight_favours_the_weighted_class():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 6, 1))
    # A noisy, imbalanced problem: weighting must raise minority recall.
    y = (X[:, -1, 0] + rng.normal(size=200) > 1.3).astype(int)
    recalls = []
    for class_weight in [None, "balanced", {0: 1.0, 1: 10.0}]:
        clf = fast(LSTMClassifier, max_iter=30, class_weight=class_weight)
        pred = clf.fit(X, y).predict(X)
        recalls.append((pred[y == 1] == 1).mean())
    assert recalls[1] > recalls[0]
    assert recalls[2] > recalls[0]


def test_label_smoothing_bounds_the_confidence():
    """Smoothed targets: the loss has a floor above 0, probabilities below 1."""
    X, y = classification_data(n=60, noise=0.0)
    params = dict(max_iter=60, learning_rate_init=0.02, alpha=0.0)
    sharp = fast(LSTMClassifier, label_smoothing=0.0, **params).fit(X, y)
    smooth = fast(LSTMClassifier, label_smoothing=0.4, **params).fit(X, y)
    assert sharp.score(X, y) == smooth.score(X, y) == 1.0
    # With 2 classes and smoothing 0.4, the best probability is 0.8.
    assert smooth.predict_proba(X).max() < 0.85 < sharp.predict_proba(X).max()
    assert min(smooth.loss_curve_) > 0.45 > min(sharp.loss_curve_)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_fitted_attributes(Estimator):
    X, y = sequence_data(Estimator)
    est = fast(Estimator, max_iter=7, early_stopping=False).fit(X, y)
    assert est.n_iter_ == len(est.loss_curve_) == 7
    assert est.validation_scores_ is None
    assert est.best_loss_ == min(est.loss_curve_)
    assert est.n_features_in_ == 2
    assert isinstance(est.net_.module_, torch.nn.Module)
    est = fast(Estimator, max_iter=7, early_stopping=True).fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_
    assert all(-1 <= s <= 1 for s in est.validation_scores_)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_early_stopping_restores_the_best_weights(Estimator, monkeypatch):
    X, y = sequence_data(Estimator, n=200, noise=2.0)
    # A large rate: the tiny network learns, then overfits, within 60 epochs.
    est = fast(
        Estimator,
        max_iter=60,
        early_stopping=True,
        n_iter_no_change=3,
        learning_rate_init=0.01,
    )
    held_out = spy_held_out_rows(est, monkeypatch)
    est.fit(X, y)
    valid_losses = est.net_.history[:, "valid_loss"]
    assert est.n_iter_ < 60  # it stopped early
    assert est.best_loss_ == min(valid_losses)
    assert valid_losses[-1] > est.best_loss_  # the last epoch was not the best
    # The restored weights reproduce the best validation loss.
    valid = held_out[0]
    assert len(valid) == 20  # validation_fraction=0.1
    if Estimator is LSTMRegressor:  # the regressor holds out the last rows
        np.testing.assert_array_equal(valid, np.arange(180, 200))
    assert math.isclose(_loss(est, X, y, valid), est.best_loss_, rel_tol=1e-4)
    # MLPClassifier's names: the score of the restored epoch, the last loss.
    best = int(np.argmin(valid_losses))
    assert est.best_validation_score_ == est.validation_scores_[best]
    if Estimator is LSTMRegressor:  # accuracies of 20 samples may tie
        assert est.best_validation_score_ != est.validation_scores_[-1]
    assert est.loss_ == est.loss_curve_[-1]


def test_mlp_attributes_without_early_stopping_and_after_partial_fit():
    X, y = sequence_data(LSTMRegressor, n=40)
    est = fast(LSTMRegressor, max_iter=3).fit(X, y)
    assert est.best_validation_score_ is None
    assert est.loss_ == est.loss_curve_[-1]
    est.partial_fit(X, y)
    assert len(est.loss_curve_) == 4
    assert est.loss_ == est.loss_curve_[-1]


def test_restored_weights_have_the_lowest_loss_even_below_tol(monkeypatch):
    # tol=10: no epoch after the first "improves"; the schedule still sees
    # plateaus, but the weights restored are those of the lowest loss.
    X, y = regression_data(n=200)
    # A large rate, so that the network learns before the rate has shrunk.
    est = fast(LSTMRegressor, max_iter=40, early_stopping=True, learning_rate_init=0.01)
    held_out = spy_held_out_rows(est, monkeypatch)
    est.set_params(n_iter_no_change=2, tol=10.0).fit(X, y)
    valid_losses = est.net_.history[:, "valid_loss"]
    assert np.argmin(valid_losses) > 0  # the best epoch is not the first
    assert est.best_loss_ == min(valid_losses)
    (valid,) = held_out
    assert math.isclose(_loss(est, X, y, valid), est.best_loss_, rel_tol=1e-4)


def spy_held_out_rows(est, monkeypatch):
    """A list that receives the validation rows of ``est``'s next fit."""
    held_out = []
    split = est._validation_split

    def spy(targets, rng):
        train, valid = split(targets, rng)
        held_out.append(valid)
        return train, valid

    monkeypatch.setattr(est, "_validation_split", spy)
    return held_out


def _encoded(est, y):
    if isinstance(est, LSTMClassifier):
        return np.searchsorted(est.classes_, y)
    return (y - est._y_mean) / est._y_scale


def _loss(est, X, y, rows):
    out = torch.from_numpy(est._forward(X[rows]))
    target = torch.as_tensor(_encoded(est, y)[rows])
    if isinstance(est, LSTMClassifier):
        return torch.nn.functional.cross_entropy(
            out, target, label_smoothing=est.label_smoothing
        ).item()
    return torch.nn.functional.mse_loss(out[:, 0], target.float()).item()


def test_classifier_validation_split_is_stratified():
    y = np.array([0] * 80 + [1] * 20)
    clf = fast(LSTMClassifier, validation_fraction=0.2)
    train, valid = clf._validation_split(y, np.random.RandomState(0))
    assert len(valid) == 20
    assert (y[valid] == 1).sum() == 4
    assert set(train).isdisjoint(valid)
    # A class seen once stays in training; the others are split stratified.
    y = np.array([0] * 40 + [1] * 40 + [2])
    train, valid = clf._validation_split(y, np.random.RandomState(0))
    assert 80 in train
    assert np.bincount(y[valid]).tolist() == [8, 8]
    # Too few samples to hold out one of each class.
    with pytest.raises(ValueError, match="stratified"):
        fast(LSTMClassifier, early_stopping=True).fit(np.zeros((4, 3, 1)), [0, 0, 1, 1])


@pytest.mark.parametrize(
    ("fraction", "y", "remedy"),
    [
        (0.95, [0, 1] * 10, "use a smaller validation_fraction, or set"),
        (0.05, [0, 1] * 10, r"use validation_fraction >= 0\.051, or set"),
        (0.1, [0, 1, 2], "every class has a single sample, so none can be held"),
    ],
)
def test_a_stratified_split_that_fails_says_which_way_to_go(fraction, y, remedy):
    X = np.zeros((len(y), 3, 1))
    clf = fast(LSTMClassifier, early_stopping=True, validation_fraction=fraction)
    with pytest.raises(ValueError, match=remedy):
        clf.fit(X, y)


def test_the_validation_fraction_a_failed_split_advises_works():
    """0.33, the advice before, held out 100 of 303 samples of 101 classes."""
    y = np.arange(303) % 101
    clf = LSTMClassifier(early_stopping=True, validation_fraction=0.1)
    with pytest.raises(ValueError, match="use validation_fraction >= ") as error:
        clf._validation_split(y, np.random.RandomState(0))
    advised = float(re.search(r">= ([\d.]+),", str(error.value)).group(1))
    assert advised == 0.331
    clf.set_params(validation_fraction=advised)
    train, valid = clf._validation_split(y, np.random.RandomState(0))
    assert set(y[valid]) == set(y[train]) == set(y)


def test_regression_early_stopping_needs_two_held_out_samples():
    """R² of one sample is undefined, and its mean predicts it exactly."""
    X, y = regression_data(n=10)
    with pytest.raises(ValueError, match=r"hold out 1 of the 10 samples.*>= 0\.101"):
        fast(LSTMRegressor, early_stopping=True).fit(X, y)
    reg = fast(LSTMRegressor, early_stopping=True, validation_fraction=0.2).fit(X, y)
    assert np.isfinite(reg.validation_scores_).all()


def test_early_stopping_auto_depends_on_the_sample_count():
    assert not LSTMRegressor()._early_stopping_on(999)
    assert LSTMRegressor()._early_stopping_on(1000)
    assert not LSTMRegressor(early_stopping=False)._early_stopping_on(10**6)


def test_early_stopping_auto_trains_without_it_when_the_split_fails():
    # 1000 samples of 400 classes: 100 held-out samples cannot stratify.
    X = np.random.RandomState(0).normal(size=(1000, 2, 1)).astype(np.float32)
    y = np.arange(1000) % 400
    clf = fast(LSTMClassifier, hidden_size=2, max_iter=1).fit(X, y)
    assert clf.validation_scores_ is None
    assert "valid_loss" not in clf.net_.history[-1]
    with pytest.raises(ValueError, match="could not hold out a stratified"):
        fast(LSTMClassifier, hidden_size=2, max_iter=1, early_stopping=True).fit(X, y)


def test_learning_rate_is_reduced_on_plateau_only_when_adaptive():
    X, y = regression_data(n=60)
    kwargs = dict(
        max_iter=40,
        n_iter_no_change=2,
        tol=10.0,
        early_stopping=False,
        learning_rate_init=1e-3,
    )
    # tol=10: after the first epoch nothing counts as an improvement, so
    # every 2 epochs make a plateau, which divides the learning rate by 5
    # twice; the third stops training, since neither division helped.
    adaptive = fast(LSTMRegressor, **kwargs).fit(X, y)
    lr = adaptive.net_.optimizer_.param_groups[0]["lr"]
    assert math.isclose(lr, 1e-3 * 0.2**2)
    assert adaptive.n_iter_ == 1 + 2 * 3
    constant = fast(LSTMRegressor, learning_rate="constant", **kwargs).fit(X, y)
    assert constant.net_.optimizer_.param_groups[0]["lr"] == 1e-3
    assert constant.n_iter_ == 1 + 2


def test_convergence_warning_only_when_max_iter_ends_training():
    X, y = regression_data(n=60)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        fast(LSTMRegressor, max_iter=3, early_stopping=False).fit(X, y)
    # A plateau that ends training at max_iter is convergence, not a cut.
    stopped = fast(
        LSTMRegressor,
        max_iter=3,
        learning_rate="constant",
        n_iter_no_change=2,
        tol=10.0,
        early_stopping=False,
    )
    with warnings.catch_warnings():
        # (With tol=10 the network has not learned yet: that warning may come.)
        warnings.filterwarnings(
            "error", ".*maximum number of epochs", category=ConvergenceWarning
        )
        assert stopped.fit(X, y).n_iter_ == 3


def test_convergence_warning_suggests_early_stopping_only_when_off():
    X, y = regression_data(n=60)
    with pytest.warns(ConvergenceWarning) as record:
        fast(LSTMRegressor, max_iter=2, early_stopping=False).fit(X, y)
    assert "or early_stopping=True" in str(record[0].message)
    with pytest.warns(ConvergenceWarning) as record:
        fast(LSTMRegressor, max_iter=2, early_stopping=True).fit(X, y)
    assert str(record[0].message).endswith("Consider increasing max_iter.")


def test_gradient_norm_is_clipped():
    X, y = regression_data(n=64)
    reg = fast(LSTMRegressor, max_iter=1, clip_grad_norm=0.05).fit(X, 100 * y)
    net = reg.net_
    batch = SequenceDataset(_sequences(X), torch.from_numpy(y[:, None] * 100.0).float())
    net.train_step_single(batch.get_batch(np.arange(32)))
    grads = [p.grad for p in net.module_.parameters() if p.grad is not None]
    assert torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])) <= 0.0501


def _sequences(X):
    from sklearn_rnn._validation import check_sequences

    return check_sequences(X)


def test_alpha_shrinks_the_weights():
    X, y = regression_data()
    norms = []
    for alpha in [0.0, 0.5]:
        reg = fast(LSTMRegressor, alpha=alpha, max_iter=20).fit(X, y)
        norms.append(sum(p.norm() ** 2 for p in reg.net_.module_.parameters()))
    assert norms[1] < 0.8 * norms[0]


def test_non_finite_loss_stops_with_a_remedy():
    X, y = regression_data(n=64)
    reg = fast(LSTMRegressor, solver="sgd", learning_rate_init=1e6, clip_grad_norm=None)
    with pytest.raises(ValueError, match=r"Lower learning_rate_init.*clip_grad_norm"):
        reg.fit(X, 1000 * y)
    assert not hasattr(reg, "net_")


def test_failed_warm_start_leaves_the_model_intact():
    X, y = regression_data(n=64)
    reg = fast(LSTMRegressor, warm_start=True).fit(X, y)
    before = reg.predict(X)
    reg.set_params(solver="sgd", learning_rate_init=1e6, clip_grad_norm=None)
    with pytest.raises(ValueError, match="diverged"):
        reg.fit(X, 1000 * y)
    np.testing.assert_array_equal(reg.predict(X), before)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_warm_start_continues_training(Estimator):
    X, y = sequence_data(Estimator)
    est = fast(Estimator, max_iter=5, warm_start=True).fit(X, y)
    first_curve = est.loss_curve_
    est.set_params(max_iter=3).fit(X, y)
    assert est.loss_curve_[0] < first_curve[0]
    # The curve is the last fit's, as n_iter_ counts it (documented).
    assert est.n_iter_ == len(est.loss_curve_) == 3
    cold = fast(Estimator, max_iter=5).fit(X, y).fit(X, y)
    assert cold.loss_curve_ == first_curve
    with pytest.raises(ValueError, match="warm_start=True needs the same features"):
        est.fit(X[:, :, :1], y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_warm_start_and_partial_fit_refuse_a_changed_network(Estimator):
    """Both train the fitted network further: a parameter built into it that
    changed since would be silently ignored. They raise, naming it, and
    leave the model as it was; a new fit (warm_start=False) takes it."""
    X, y = sequence_data(Estimator)
    est = fast(Estimator, warm_start=True).fit(X, y)
    before = outputs(est, X)
    est.set_params(hidden_size=16, learning_rate_init=0.01)  # one is built in
    match = r"hidden_size \(built with 8, now 16\) changed since it was built"
    with pytest.raises(
        ValueError, match="warm_start=True trains the fitted .*" + match
    ):
        est.fit(X, y)
    with pytest.raises(
        ValueError,
        match="partial_fit trains the fitted .*" + match + r"\. Call fit with",
    ):
        est.partial_fit(X, y)
    np.testing.assert_array_equal(outputs(est, X), before)
    est.set_params(hidden_size=8).fit(X, y)  # set back: trains further
    est.set_params(warm_start=False, hidden_size=16).fit(X, y)
    assert est.net_.module_.rnn.hidden_size == 16
    est.set_params(warm_start=True).fit(X, y)  # built with 16 now


def test_a_refused_warm_start_leaves_the_column_names():
    import pandas as pd

    X, y = sequence_data(LSTMRegressor, n=20, m=4, p=1)
    named = pd.DataFrame(X[:, :, 0], columns=[f"t{i}" for i in range(4)])
    reg = fast(LSTMRegressor, warm_start=True).fit(named, y)
    renamed = named.set_axis([f"u{i}" for i in range(4)], axis=1)
    with pytest.raises(ValueError, match="hidden_size"):
        reg.set_params(hidden_size=16).fit(renamed, y)
    reg.predict(named)  # the names of the fit that built the network
    with pytest.raises(ValueError, match="feature names should match"):
        reg.predict(renamed)


def test_a_failed_fit_keeps_the_column_names_of_the_fitted_model():
    import pandas as pd

    X, y = sequence_data(LSTMClassifier, n=20, m=4, p=1)
    named = pd.DataFrame(X[:, :, 0], columns=[f"t{i}" for i in range(4)])
    clf = fast(LSTMClassifier).fit(named, y)
    renamed = named.set_axis([f"u{i}" for i in range(4)], axis=1)
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(renamed, np.full(len(y), y[0]))  # one class: refused
    clf.predict(named)  # still the names of the fitted model
    with pytest.raises(ValueError, match="feature names should match"):
        clf.predict(renamed)
    clf.fit(X, y)  # a successful fit on an array forgets the names
    clf.predict(renamed)


def test_a_custom_modules_own_parameters_are_its_network():
    """With module=, module__<name> parameters build the network; the
    built-in network's sizes are unused and may change."""
    X, y = sequence_data(LSTMRegressor)
    reg = fast(LSTMRegressor, module=TinyLSTM, module__width=4, warm_start=True)
    reg.fit(X, y)
    with pytest.warns(UserWarning, match="replaces: they are ignored"):
        reg.set_params(hidden_size=32).fit(X, y)
    with pytest.raises(ValueError, match=r"module__width \(built with 4, now 5\)"):
        reg.set_params(module__width=5).fit(X, y)
    # Left at the constructor's default when built, then set to that value:
    # the same network, which warm_start and partial_fit keep training.
    scaled = fast(LSTMRegressor, module=ScaledLSTM, warm_start=True).fit(X, y)
    scaled.set_params(module__width=4).fit(X, y)
    scaled.partial_fit(X, y)
    with pytest.raises(ValueError, match=r"module__width \(built with 4, now 6\)"):
        scaled.set_params(module__width=6).fit(X, y)
    # Another kind of network is reported as such, without the parameters
    # of the other; an array parameter is compared by value.
    reg.set_params(module=ScaledLSTM, module__width=4)
    with pytest.raises(
        ValueError, match=r"but module \(built with <class [^;]*\) changed"
    ):
        reg.fit(X, y)
    reg.set_params(module__scale=np.ones(3), warm_start=False).fit(X, y)
    reg.set_params(warm_start=True, module__scale=np.ones(3)).fit(X, y)
    with pytest.raises(ValueError, match=r"module__scale \(built with array"):
        reg.set_params(module__scale=np.zeros(3)).fit(X, y)


class ScaledLSTM(TinyLSTM):
    """A module with an array among its constructor's arguments."""

    def __init__(self, n_features, n_outputs, width=4, scale=None):
        super().__init__(n_features, n_outputs, width)
        self.scale = scale


def test_a_model_pickled_before_the_network_was_recorded_is_trusted():
    X, y = sequence_data(LSTMRegressor)
    reg = fast(LSTMRegressor, warm_start=True).fit(X, y)
    del reg._built_with_  # as in a pickle of an earlier version
    reg.fit(X, y)
    assert not hasattr(reg, "_built_with_")


@pytest.mark.parametrize(
    ("class_weight", "expected"),
    [
        ({"a": 2.0}, [2.0, 1.0, 1.0]),
        ({"c": 3.0}, [1.0, 1.0, 3.0]),
        # Balanced over the classes present: 20 "b" and 10 "c" of 30 rows.
        ("balanced", [1.0, 30 / (2 * 20), 30 / (2 * 10)]),
    ],
)
def test_warm_start_class_weight_on_part_of_the_classes(class_weight, expected):
    X, _ = classification_data(n=60)
    y = np.array(["a", "b", "c"] * 20)
    clf = fast(LSTMClassifier, max_iter=3, warm_start=True, class_weight=class_weight)
    clf.fit(X, y)
    twin = copy.deepcopy(clf).set_params(class_weight=None)
    plain = copy.deepcopy(twin)
    part = np.sort(np.r_[np.flatnonzero(y == "b"), np.flatnonzero(y == "c")[:10]])
    clf.fit(X[part], y[part])  # no "a" in this fit
    # The class weights are those of the sample weights they stand for.
    per_class = dict(zip("abc", expected, strict=True))
    weights = [per_class[c] for c in y[part]]
    twin.fit(X[part], y[part], sample_weight=weights)
    np.testing.assert_allclose(clf.loss_curve_, twin.loss_curve_, rtol=1e-6)
    if len(set(weights)) > 1:  # and they do weigh
        plain.fit(X[part], y[part])
        assert not np.allclose(clf.loss_curve_, plain.loss_curve_)
    with pytest.raises(ValueError, match=r"labels \['d'\] that are not in the classes"):
        clf.set_params(class_weight={"d": 2.0}).fit(X[part], y[part])


def test_warm_start_rejects_new_classes():
    X, y = classification_data()
    clf = fast(LSTMClassifier, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="new labels"):
        clf.fit(X, np.where(y == "up", "up", "sideways"))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_random_state_reproducible_without_global_seeding(Estimator):
    X, y = sequence_data(Estimator)
    torch_state = torch.get_rng_state()
    numpy_state = np.random.get_state()[1].copy()  # noqa: NPY002
    a = fast(Estimator, dropout=0.3, num_layers=2, early_stopping=True).fit(X, y)
    assert torch.equal(torch.get_rng_state(), torch_state)
    global_state = np.random.get_state()[1]  # noqa: NPY002
    np.testing.assert_array_equal(global_state, numpy_state)
    b = fast(Estimator, dropout=0.3, num_layers=2, early_stopping=True).fit(X, y)
    c = fast(Estimator, dropout=0.3, num_layers=2, early_stopping=True, random_state=1)
    c.fit(X, y)
    a, b, c = (outputs(e, X) for e in (a, b, c))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_random_crop_is_seeded_and_only_trains_on_windows(Estimator):
    """Crops draw from the seeded generator (same seed, same model; the
    global generator untouched), change training, and never prediction."""
    X, y = sequence_data(Estimator, m=12)
    ragged = [x[: 6 + i % 7] for i, x in enumerate(X)]  # ragged batches too
    for data in (X, ragged):
        torch_state = torch.get_rng_state()
        a = fast(Estimator, random_crop=0.5).fit(data, y)
        assert torch.equal(torch.get_rng_state(), torch_state)
        b = fast(Estimator, random_crop=0.5).fit(data, y)
        c = fast(Estimator, random_crop=0.5, random_state=1).fit(data, y)
        whole = fast(Estimator).fit(data, y)
        a, b, c, whole = (outputs(e, data) for e in (a, b, c, whole))
        np.testing.assert_array_equal(a, b)
        assert not np.allclose(a, c)
        assert not np.allclose(a, whole)


def test_random_crop_trains_and_votes_on_windows_of_the_given_length():
    """Training sees one window of ceil(0.3 * 20) = 6 steps per sequence;
    prediction sees N_CROPS windows of 6 steps of each, in one batch."""
    X, y = sequence_data(LSTMClassifier, n=20, m=20, p=1)
    seen = []
    clf = fast(LSTMClassifier, random_crop=0.3, max_iter=1, patch_size=1)
    clf.fit(X, y)
    module = clf.net_.module_
    handle = module.rnn.register_forward_pre_hook(
        lambda m, args: seen.append(tuple(args[0].shape[:2]))
    )
    try:
        module.train()
        module(torch.as_tensor(X, dtype=torch.float32))
        module.eval()
        module(torch.as_tensor(X, dtype=torch.float32))
    finally:
        handle.remove()
    assert seen == [(20, 6), (20 * N_CROPS, 6)]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_random_crop_predicts_the_mean_over_evenly_spaced_windows(Estimator):
    """Prediction averages the network's outputs over N_CROPS windows of the
    training length, from the first step to the last possible one."""
    X, y = sequence_data(Estimator, n=30, m=21, p=2)
    est = fast(Estimator, random_crop=0.5, patch_size=1).fit(X, y)
    module = est.net_.module_.eval()
    x = torch.as_tensor(X, dtype=torch.float32)
    keep = 11  # ceil(0.5 * 21)
    starts = [k * (21 - keep) // (N_CROPS - 1) for k in range(N_CROPS)]
    with torch.no_grad():
        voted = module(x)
        inputs = module._inputs(x, None)  # standardised before cropping
        windows = [module._forward(inputs[:, s : s + keep], None) for s in starts]
        again = module(x)
    torch.testing.assert_close(voted, torch.stack(windows).mean(0))
    torch.testing.assert_close(voted, again, rtol=0, atol=0)  # deterministic
    # Windows as long as the sequence: the whole-sequence prediction.
    module.random_crop = 0.99  # ceil(0.99 * 21) = 21
    with torch.no_grad():
        torch.testing.assert_close(module(x), module._forward(inputs, None))


def test_auto_crop_reads_sequences_of_up_to_64_steps_whole():
    """random_crop="auto": windows of 80 % of each sequence, of at least 64
    steps; shorter sequences train and predict as without cropping."""
    x = torch.zeros(4, 200, 1)
    _, keep = _crop_lengths(x, torch.tensor([10, 64, 80, 200]), 0.8, 64)
    assert keep.tolist() == [10, 64, 64, 160]
    X, y = sequence_data(LSTMClassifier, m=30)
    auto = fast(LSTMClassifier).fit(X, y)
    assert auto.random_crop == "auto"
    module = auto.net_.module_
    assert (module.random_crop, module.min_crop) == (0.8, 64)
    whole = fast(LSTMClassifier, random_crop=1.0).fit(X, y)
    np.testing.assert_array_equal(outputs(auto, X), outputs(whole, X))
    # A batch that holds a longer sequence votes; the short ones' windows
    # are whole, and their predictions those of a batch that does not.
    longer = [*X[:3], np.tile(X[0], (3, 1))]  # 90 steps: windows of 72
    np.testing.assert_allclose(
        auto.predict_proba(longer)[:3], auto.predict_proba(X[:3]), rtol=1e-6
    )
    with pytest.raises(ValueError, match="random_crop"):
        fast(LSTMClassifier, random_crop="half").fit(X, y)


def test_regressor_reads_whole_sequences_unless_told_to_crop():
    """A window keeps a class, not a regression target: LSTMRegressor's
    default reads long sequences whole; "auto" gives it the classifier's
    windows."""
    X, y = regression_data(n=40, m=90)
    default = fast(LSTMRegressor).fit(X, y)
    assert default.random_crop == 1.0
    assert default.net_.module_.random_crop == 1.0
    auto = fast(LSTMRegressor, random_crop="auto").fit(X, y)
    module = auto.net_.module_
    assert (module.random_crop, module.min_crop) == (0.8, 64)
    assert not np.allclose(outputs(default, X), outputs(auto, X))


def test_verbose_prints_a_table_and_a_progress_bar(capsys):
    X, y = regression_data(n=40)
    fast(LSTMRegressor, max_iter=2).fit(X, y)
    assert capsys.readouterr().out == ""
    fast(LSTMRegressor, max_iter=2, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out
    assert out.count("\n") >= 4
    # Plateaus at every epoch after the first (tol=10): two divisions of
    # the rate, then a stop, since neither smaller rate improved the loss.
    # Every epoch has its row, the one that stops training included, and
    # each message follows the row of its epoch.
    fast(
        LSTMRegressor,
        max_iter=50,
        n_iter_no_change=1,
        tol=10.0,
        learning_rate_init=1e-3,
        verbose=1,
    ).fit(X, y)
    lines = capsys.readouterr().out.splitlines()[2:]  # below the header
    rows = [line.split() for line in [lines[0], *lines[1::2]]]
    assert [row[0] for row in rows] == ["1", "2", "3", "4"]
    lr = ["1.0e-03", "1.0e-03", "2.0e-04", "4.0e-05"]
    assert [row[1] for row in rows] == lr
    plateau = "train_loss did not improve by more than tol=10 for 1 epoch(s)"
    assert lines[2::2] == [
        *(f"{plateau}: learning rate divided by 5, to {rate}." for rate in lr[2:]),
        f"Stopping: {plateau}; the last 2 divisions of the learning rate "
        "brought no improvement.",
    ]


def _plateau_rates(losses, patience=2, adaptive=True):
    """Feed Plateau one monitored loss per epoch, as skorch would; return
    the learning rate of each epoch run, and whether training stopped."""
    net = SimpleNamespace(
        lr=1.0,
        optimizer_=SimpleNamespace(param_groups=[{"lr": 1.0}]),
        history=History(),
    )
    plateau = Plateau("train_loss", patience, 0.1, adaptive, False, sink=noop)
    plateau.on_train_begin(net)
    rates = []
    for loss in losses:
        rates.append(net.optimizer_.param_groups[0]["lr"])
        net.history.new_epoch()
        net.history.record("train_loss", loss)
        plateau.on_epoch_end(net)
        try:
            plateau.on_epoch_logged(net)
        except KeyboardInterrupt:  # skorch's signal to end training
            return rates, True
    return rates, False


def test_plateau_divides_the_rate_while_each_division_helps():
    """Each plateau divides the rate by 5 as long as the previous division
    was followed by an improvement, down to 1e-3 of the initial rate: four
    divisions, then the fifth plateau stops."""
    # A new level after each division, then a plateau of 2 epochs.
    losses = [loss for level in range(9, 0, -1) for loss in (level, level, level)]
    rates, stopped = _plateau_rates(losses)
    assert stopped
    assert sorted(set(rates), reverse=True) == pytest.approx(
        [1.0, 0.2, 0.04, 0.008, 0.0016]
    )
    assert len(rates) == 15  # five levels of three epochs


def test_plateau_stops_when_two_divisions_bring_no_improvement():
    """Two divisions of the rate in a row, each followed by ``patience``
    epochs without an improvement by more than tol, end training: still
    smaller rates would mostly repeat the loss. One such division does not
    (on a noisy loss a smaller rate sometimes helps after one that did
    not), and an improvement restarts the count."""
    # 3.95 is no improvement on 4 by more than tol=0.1.
    rates, stopped = _plateau_rates([5, 4, 4, 4, 3.95, 4, 4, 4])
    assert stopped
    assert rates == pytest.approx([1.0, 1.0, 1.0, 1.0, 0.2, 0.2, 0.04, 0.04])
    # 3.5 after two divisions is: two more divisions follow.
    losses = [5, 4, 4, 4, 4, 4, 3.5, 3.5, 3.5, 3.5, 3.5]
    rates, stopped = _plateau_rates(losses)
    assert not stopped
    expected = [1.0, 1.0, 1.0, 1.0, 0.2, 0.2, 0.04, 0.04, 0.04, 0.008, 0.008]
    assert rates == pytest.approx(expected)
    # "constant" stops at the first plateau.
    rates, stopped = _plateau_rates([5, 4, 4, 4], adaptive=False)
    assert (rates, stopped) == ([1.0, 1.0, 1.0, 1.0], True)


def _rendered(out):
    """The lines a terminal shows for ``out``: a carriage return goes back
    to the start of the line, and text overwrites what was there."""
    lines = []
    for line in out.split("\n"):
        shown = ""
        for part in line.split("\r"):
            shown = part + shown[len(part) :]
        lines.append(shown.rstrip())
    return [line for line in lines if line]


@pytest.mark.parametrize("verbose", [1, 2])
@pytest.mark.parametrize(
    ("Estimator", "column"),
    [(LSTMClassifier, "valid_acc"), (LSTMRegressor, "valid_r2")],
)
def test_verbose_output_is_plain_text_when_not_a_terminal(
    capsys, Estimator, column, verbose
):
    """Captured output (as in a log file) has no ANSI codes and no progress
    bar redrawn with carriage returns; the score column names its metric."""
    X, y = sequence_data(Estimator, n=60)
    est = fast(Estimator, max_iter=3, early_stopping=True, verbose=verbose)
    est.fit(X, y)
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert "\r" not in out
    lines = out.splitlines()
    header = lines[0].split()
    # skorch sorts the columns by name.
    valid = sorted([column, "valid_loss"])
    assert header == ["epoch", "lr", "train_loss", *valid, "dur"]
    assert set(lines[1]) == {"-", " "}
    rows = [line.split() for line in lines[2:5]]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    for row in rows:
        assert len(row) == len(header)
        float(row[2]), float(row[3]), float(row[4])  # plain numbers
    # The fitted attribute keeps its name, with the printed values.
    at = header.index(column)
    np.testing.assert_allclose(
        est.validation_scores_, [float(row[at]) for row in rows], atol=1e-4
    )


def test_verbose_2_on_a_terminal_erases_the_bar_before_each_row(capsys, monkeypatch):
    """On a terminal the best values are coloured and a progress bar runs
    during each epoch; once the carriage returns are rendered, only the
    table remains: the bar never shares a line with a row."""
    monkeypatch.setattr("sklearn_rnn._skorch._on_terminal", lambda: True)
    X, y = regression_data(n=60)
    fast(LSTMRegressor, max_iter=3, early_stopping=True, verbose=2).fit(X, y)
    out = capsys.readouterr().out
    assert "\x1b[" in out  # colours
    assert out.count("it/s]") >= 3  # a bar (tqdm's rate) in every epoch
    lines = _rendered(out)
    assert lines[0].split() == [
        "epoch",
        "lr",
        "train_loss",
        "valid_loss",
        "valid_r2",
        "dur",
    ]
    rows = [line.split() for line in lines[2:5]]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert all(len(row) == 6 for row in rows)
    assert all(line.startswith("Restored the weights") for line in lines[5:])


def test_predict_is_batched_and_does_not_track_gradients(monkeypatch):
    X, y = regression_data(n=50)
    reg = fast(LSTMRegressor).fit(X, y)
    monkeypatch.setattr("sklearn_rnn._base._PREDICT_BATCH", 7)
    seen = []
    hook = reg.net_.module_.register_forward_hook(
        lambda module, args, out: seen.append((len(out), torch.is_inference(out)))
    )
    chunked = reg.predict(X)
    hook.remove()
    assert [n for n, _ in seen] == [7] * 7 + [1]
    assert all(inference for _, inference in seen)
    monkeypatch.setattr("sklearn_rnn._base._PREDICT_BATCH", 1024)
    np.testing.assert_allclose(chunked, reg.predict(X), rtol=1e-5, atol=1e-6)


def test_keyboard_interrupt_keeps_a_usable_model(monkeypatch):
    """Ctrl-C during fit ends training cleanly with the best weights so far."""
    X, y = regression_data(n=200)
    interrupt_at(monkeypatch, 3 * 9 + 2)  # 7 train + 2 valid batches per epoch
    reg = fast(LSTMRegressor, max_iter=50, batch_size=26, early_stopping=True)
    with pytest.raises(KeyboardInterrupt) as caught:
        reg.fit(X, y)
    best = 1 + int(np.argmin(reg.net_.history[:3, "valid_loss"]))
    assert f"weights of epoch {best}, its lowest validation loss" in str(caught.value)
    assert reg.interrupted_
    assert reg.n_iter_ == 4  # three full epochs and the interrupted one
    assert len(reg.validation_scores_) == 3
    assert reg.best_loss_ == min(reg.net_.history[:3, "valid_loss"])
    assert np.isfinite(reg.predict(X)).all()


def test_keyboard_interrupt_while_the_score_is_computed(monkeypatch):
    """Ctrl-C between skorch's validation loss and the score after it: the
    epoch has a loss but no score, which failed with KeyError, unfitted."""
    from sklearn_rnn import _skorch

    calls = {"n": 0}

    def r2_score(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # epoch 2's score
            raise KeyboardInterrupt
        return 0.5

    monkeypatch.setattr(_skorch, "r2_score", r2_score)
    X, y = regression_data(n=40)
    reg = fast(LSTMRegressor, max_iter=4, early_stopping=True)
    with pytest.raises(KeyboardInterrupt, match="weights of epoch 1"):
        reg.fit(X, y)
    assert reg.interrupted_
    assert reg.validation_scores_ == [0.5]
    assert reg.best_loss_ == reg.net_.history[0, "valid_loss"]


def test_ctrl_c_before_the_first_batch_of_partial_fit_forgets_the_classes(
    monkeypatch,
):
    X, y = sequence_data(LSTMClassifier, n=20, labels="int")
    interrupt_at(monkeypatch, 1)
    clf = fast(LSTMClassifier)
    with pytest.raises(KeyboardInterrupt, match="before its first batch"):
        clf.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(clf, "classes_")
    monkeypatch.undo()
    clf.partial_fit(X, np.where(y == 1, 2, 0), classes=[0, 2])
    assert list(clf.classes_) == [0, 2]


def test_keyboard_interrupt_in_the_first_epoch_keeps_the_current_weights(monkeypatch):
    """A long first epoch interrupted by Ctrl-C still leaves a usable model."""
    X, y = regression_data(n=200)
    interrupt_at(monkeypatch, 4)
    reg = fast(LSTMRegressor, max_iter=50, batch_size=10, early_stopping=True)
    with pytest.raises(KeyboardInterrupt, match="weights it had reached in epoch 1"):
        reg.fit(X, y)
    assert reg.n_iter_ == 1
    assert reg.best_loss_ == reg.loss_curve_[0]  # mean of the 3 batches done
    assert reg.validation_scores_ is None
    assert np.isfinite(reg.predict(X)).all()


def test_keyboard_interrupt_without_a_held_out_set_keeps_the_last_weights(
    monkeypatch,
):
    """Nothing is restored: the message must not name an earlier epoch."""
    X, y = regression_data(n=40)
    kept = fast(LSTMRegressor, max_iter=2, batch_size=8).fit(X, y)
    interrupt_at(monkeypatch, 2 * 5 + 3)  # 5 batches per epoch, 2 done
    reg = fast(LSTMRegressor, max_iter=10, batch_size=8)
    with pytest.raises(KeyboardInterrupt, match="weights it had reached in epoch 3"):
        reg.fit(X, y)
    assert reg.n_iter_ == 3
    assert not np.allclose(reg.predict(X), kept.predict(X))  # not epoch 2's


def test_skorch_still_has_the_private_names_we_rely_on():
    """_skorch.py overrides NeuralNet._set_training and calls
    PrintLog._yield_keys_formatted: a skorch release without them must fail
    here, not in a user's fit."""
    from skorch import NeuralNet
    from skorch.callbacks import PrintLog

    assert callable(NeuralNet._set_training)
    assert callable(PrintLog._yield_keys_formatted)
    import inspect

    assert list(inspect.signature(NeuralNet._set_training).parameters) == [
        "self",
        "training",
    ]


def test_verbose_table_and_training_mode_switching_work(capsys):
    X, y = regression_data(n=40)
    reg = fast(LSTMRegressor, max_iter=2, verbose=1, dropout=0.5, fc_size=4).fit(X, y)
    assert "train_loss" in capsys.readouterr().out
    assert not reg.net_.module_.training  # left in eval mode after training


def test_sequence_dataset_items_are_single_samples():
    from sklearn_rnn._validation import check_sequences

    seqs = check_sequences([np.ones((3, 2)), np.ones((5, 2))])
    targets = torch.tensor([0.5, 1.5])
    dataset = SequenceDataset(seqs, targets, np.array([1, 0]))
    x, target = dataset[0]
    assert len(dataset) == 2
    assert x.shape == (5, 2)  # the observed steps of sequence 1
    assert target.item() == 1.5
    x, target = dataset[1]
    assert x.shape == (3, 2)
    assert target.item() == 0.5


def _epoch_batches(lengths, batch_size, seed=0, index=None):
    """The rows of each training batch of one epoch, in the order drawn."""
    from sklearn_rnn._skorch import BatchIterator

    seqs = _sequences([np.ones((n, 1)) for n in lengths])
    targets = torch.zeros(len(lengths) if index is None else len(index))
    dataset = SequenceDataset(seqs, targets, index)
    drawn = []
    original = dataset.get_batch
    dataset.get_batch = lambda positions: drawn.append(dataset.index[positions])
    iterator = BatchIterator(
        dataset, batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed)
    )
    for _ in iterator:
        pass
    dataset.get_batch = original
    return drawn


def test_ragged_batches_hold_sequences_of_similar_lengths():
    # A batch costs its longest sequence times its size: shuffled batches of
    # lengths 1 to 256 would compute about 1.9 times the observed steps.
    lengths = np.arange(1, 257)
    batches = _epoch_batches(lengths, 16)
    rows = np.concatenate(batches)
    assert sorted(rows.tolist()) == list(range(256))  # each sample once
    padded = sum(lengths[b].max() * len(b) for b in batches)
    assert padded / lengths.sum() < 1.3
    # Still random: another seed draws other batches, in another order.
    other = _epoch_batches(lengths, 16, seed=1)
    assert {tuple(b) for b in other} != {tuple(b) for b in batches}
    # Batches are drawn from groups of four sorted by length, not from the
    # data sorted as a whole: a batch spans more than 16 consecutive lengths.
    assert max(np.ptp(lengths[b]) for b in batches) > 16
    # A validation split's positions index the rows they stand for.
    index = np.arange(0, 256, 2)
    batches = _epoch_batches(lengths, 8, index=index)
    assert sorted(np.concatenate(batches).tolist()) == index.tolist()
    assert sum(lengths[b].max() * len(b) for b in batches) / lengths[index].sum() < 1.3


def test_equal_lengths_are_shuffled_as_one_permutation():
    # Sequences of one length are not grouped: the batches are consecutive
    # slices of one random permutation, as before grouping existed.
    batches = _epoch_batches([5] * 40, 16, seed=3)
    order = torch.randperm(40, generator=torch.Generator().manual_seed(3)).numpy()
    expected = [np.sort(order[lo : lo + 16]) for lo in (0, 16, 32)]
    assert [b.tolist() for b in batches] == [b.tolist() for b in expected]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_rows_of_one_length_beside_a_longer_one_keep_their_batches(early_stopping):
    # The training rows share one length, but X also holds a longer
    # sequence of weight 0: the fit is still exactly the fit without it.
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(6, 2)) for _ in range(30)]
    X[7] = rng.normal(size=(9, 2))
    y = rng.normal(size=30)
    w = np.ones(30)
    w[7] = 0
    params = dict(max_iter=3, batch_size=4, early_stopping=early_stopping)
    weighted = fast(LSTMRegressor, **params).fit(X, y, sample_weight=w)
    keep = np.arange(30) != 7
    without = fast(LSTMRegressor, **params).fit(
        [x for x, k in zip(X, keep, strict=True) if k], y[keep]
    )
    assert weighted.loss_curve_ == without.loss_curve_
    np.testing.assert_array_equal(weighted.predict(X[:7]), without.predict(X[:7]))


def test_ragged_predictions_run_in_passes_of_similar_lengths(monkeypatch):
    # Over the budget of padded steps, sequences of different lengths are
    # predicted in order of length, and the outputs come back in X's order.
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(m, 2)) for m in rng.randint(2, 40, size=30)]
    X[5] = X[5] * 1e38  # overflows: its error must name it, wherever it runs
    clf = fast(LSTMClassifier, max_iter=2).fit(X[6:], np.arange(24) % 2)
    whole = clf.predict_proba(X[6:])
    monkeypatch.setattr("sklearn_rnn._base._PREDICT_STEPS", 60)
    seen = []
    hook = clf.net_.module_.register_forward_hook(
        lambda module, args, out: seen.append(args)
    )
    passes = clf.predict_proba(X[6:])
    hook.remove()
    np.testing.assert_allclose(passes, whole, rtol=1e-5, atol=1e-6)
    assert len(seen) > 1
    for x, _ in seen:
        # At most 60 padded steps, or one sequence longer than that.
        assert len(x) * x.shape[1] <= 60 or len(x) == 1
    # The passes go from the shortest sequences to the longest.
    longest = [int(lengths.max()) for _, lengths in seen if lengths is not None]
    assert longest == sorted(longest)
    with pytest.raises(ValueError, match=r"outputs for sequence 5 of X are not"):
        clf.predict(X)
