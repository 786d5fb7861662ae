"""callbacks=: the user's skorch callbacks beside the estimator's own."""

import joblib
import numpy as np
import pytest
from _helpers import ESTIMATORS, fast, outputs, sequence_data
from numpy.testing import assert_array_equal
from sklearn.base import clone
from skorch.callbacks import Callback, Checkpoint, EarlyStopping, EpochScoring

from sklearn_rnn import LSTMClassifier, LSTMRegressor


class EpochRecorder(Callback):
    """Records the training loss and learning rate of every epoch."""

    def initialize(self):
        self.losses, self.rates = [], []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.losses.append(net.history[-1, "train_loss"])
        self.rates.append(net.optimizer_.param_groups[0]["lr"])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_custom_callback_sees_every_epoch(Estimator):
    X, y = sequence_data(Estimator, n=60)
    recorder = EpochRecorder()
    est = fast(Estimator, callbacks=[("recorder", recorder)]).fit(X, y)
    fitted = dict(est.net_.callbacks_)["recorder"]
    assert len(fitted.losses) == est.n_iter_
    assert fitted.losses == est.loss_curve_
    # The estimator's own callbacks still run: the plateau recorded the rates.
    assert fitted.rates == est.net_.history[:, "lr"]
    # The parameter is copied, not trained: fit leaves it as it was.
    assert not hasattr(recorder, "losses")


def test_callbacks_follow_partial_fit_and_early_stopping():
    X, y = sequence_data(LSTMClassifier, n=60)
    clf = fast(LSTMClassifier, callbacks=[EpochRecorder])  # a class works too
    for _ in range(3):
        clf.partial_fit(X, y, classes=["down", "up"])
    assert len(dict(clf.net_.callbacks_)["EpochRecorder"].losses) == clf.n_iter_ == 3
    clf = fast(LSTMClassifier, early_stopping=True, callbacks=[EpochRecorder()])
    clf.fit(X, y)
    assert len(dict(clf.net_.callbacks_)["EpochRecorder"].losses) == clf.n_iter_


def test_callbacks_set_between_partial_fit_calls_take_effect():
    """The net built by the first call kept its callbacks: set_params
    (callbacks=...) between calls was ignored until an optimizer setting
    changed too."""
    X, y = sequence_data(LSTMClassifier, n=60)
    clf = fast(LSTMClassifier).partial_fit(X, y, classes=["down", "up"])
    clf.set_params(callbacks=[("recorder", EpochRecorder())])
    clf.partial_fit(X, y)
    assert len(dict(clf.net_.callbacks_)["recorder"].losses) == 1
    # The same callback objects again: the net, and its callbacks, go on.
    clf.set_params(callbacks=clf.callbacks).partial_fit(X, y)
    assert len(dict(clf.net_.callbacks_)["recorder"].losses) == 2
    assert clf.n_iter_ == len(clf.loss_curve_) == 3
    # A list changed in place is a change too.
    clf.callbacks.append(("other", EpochRecorder()))
    clf.partial_fit(X, y)
    assert len(dict(clf.net_.callbacks_)["other"].losses) == 1


def test_checkpoint_saves_and_restores(tmp_path):
    X, y = sequence_data(LSTMRegressor, n=60)
    checkpoint = Checkpoint(dirname=str(tmp_path), monitor=None)  # every epoch
    trained = fast(LSTMRegressor, callbacks=[checkpoint]).fit(X, y)
    assert (tmp_path / "params.pt").exists()
    other = fast(LSTMRegressor, random_state=1, max_iter=1).fit(X, y)
    assert not np.array_equal(other.predict(X), trained.predict(X))
    other.net_.load_params(checkpoint=checkpoint)
    assert_array_equal(other.predict(X), trained.predict(X))
    assert other.net_.history[:, "train_loss"] == trained.loss_curve_


def test_estimators_with_callbacks_clone_and_refit():
    X, y = sequence_data(LSTMClassifier, n=40)
    clf = fast(LSTMClassifier, callbacks=[("recorder", EpochRecorder())])
    before = joblib.hash(clf.get_params())
    clf.fit(X, y)
    assert joblib.hash(clf.get_params()) == before
    twin = clone(clf).fit(X, y)
    assert_array_equal(outputs(twin, X), outputs(clf, X))
    clf.fit(X, y)  # a second fit starts the callback afresh
    assert len(dict(clf.net_.callbacks_)["recorder"].losses) == clf.n_iter_


@pytest.mark.parametrize(
    ("callbacks", "error", "match"),
    [
        ([("plateau", EpochRecorder())], ValueError, "'plateau'.*another name"),
        ([("print_log", EpochRecorder())], ValueError, "'print_log'"),
        ([lambda net: None], TypeError, r"callbacks\[0\].*not a skorch callback"),
        ([("a", 3)], TypeError, "not a skorch callback"),
        # A scorer writing a column that the estimator reads back: it made
        # validation_scores_ negative MSEs.
        (
            [("mse", EpochScoring("neg_mean_squared_error", name="valid_r2"))],
            ValueError,
            r"records its score as 'valid_r2'.*name='my_valid_r2'",
        ),
        (
            [EpochScoring("r2", name="valid_loss", lower_is_better=False)],
            ValueError,
            r"'valid_loss', a column of the history",
        ),
    ],
    ids=["ours", "skorch-default", "function", "number", "score", "loss"],
)
def test_bad_callbacks_are_rejected(callbacks, error, match):
    X, y = sequence_data(LSTMRegressor, n=20)
    with pytest.raises(error, match=match):
        fast(LSTMRegressor, callbacks=callbacks).fit(X, y)


def test_a_scoring_callback_under_its_own_name_is_recorded():
    X, y = sequence_data(LSTMRegressor, n=40)
    scorer = EpochScoring("neg_mean_squared_error", name="valid_mse")
    reg = fast(LSTMRegressor, early_stopping=True, callbacks=[scorer]).fit(X, y)
    assert len(reg.net_.history[:, "valid_mse"]) == reg.n_iter_
    # The estimator's own column keeps R².
    assert reg.validation_scores_ == reg.net_.history[:, "valid_r2"]


def test_save_names_the_callbacks_parameter(tmp_path):
    X, y = sequence_data(LSTMRegressor, n=20)
    reg = fast(LSTMRegressor, callbacks=[EpochRecorder()]).fit(X, y)
    with pytest.raises(TypeError, match="parameter 'callbacks'"):
        reg.save(tmp_path / "model.safetensors")
    reg.set_params(callbacks=None).save(tmp_path / "model.safetensors")


def test_skorchs_early_stopping_ends_fit_normally():
    """skorch's EarlyStopping stops with a KeyboardInterrupt of its own, which
    must not pass for a Ctrl-C (re-raised, interrupted_=True)."""
    X, y = sequence_data(LSTMRegressor, n=40)
    stop = EarlyStopping(monitor="train_loss", patience=2, threshold=10.0)
    reg = fast(LSTMRegressor, max_iter=50, callbacks=[stop]).fit(X, y)
    assert not reg.interrupted_
    assert reg.n_iter_ == 3  # no improvement by 10 after the first epoch
