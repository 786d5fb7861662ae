"""module=: a user's torch module inside the estimators."""

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch
from _helpers import ESTIMATORS, TinyLSTM, outputs, sequence_data
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sklearn_rnn import LSTMClassifier, LSTMRegressor
from sklearn_rnn._modules import N_CROPS, CustomNetwork


def custom(Estimator, **params):
    defaults = dict(module=TinyLSTM, max_iter=5, random_state=0, device="cpu")
    return Estimator(**{**defaults, **params})


class Recording(TinyLSTM):
    """TinyLSTM that keeps what each forward call received."""

    calls = []

    def forward(self, x, lengths):
        Recording.calls.append((x.detach().clone(), lengths))
        return super().forward(x, lengths)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_custom_module_fits_and_predicts(Estimator):
    X, y = sequence_data(Estimator, n=120)
    est = custom(Estimator, module__width=16, max_iter=40, learning_rate_init=0.01)
    est.fit(X, y)
    module = est.net_.module_
    assert isinstance(module, CustomNetwork)
    assert isinstance(module.module, TinyLSTM)
    assert module.module.rnn.hidden_size == 16  # built from module__width
    assert module.module.out.out_features == (2 if Estimator is LSTMClassifier else 1)
    assert est.patch_size_ == 1
    # It learned (train score well above chance / a constant).
    assert est.score(X, y) > (0.8 if Estimator is LSTMClassifier else 0.5)
    assert outputs(est, X).shape[0] == 120
    # Standardised inputs: the wrapper holds the training moments.
    np.testing.assert_allclose(
        module.x_mean.numpy(), X.reshape(-1, 2).mean(axis=0), atol=1e-5
    )
    # Same random_state, same model; pickles round-trip.
    again = custom(Estimator, module__width=16, max_iter=40, learning_rate_init=0.01)
    np.testing.assert_array_equal(outputs(again.fit(X, y), X), outputs(est, X))
    np.testing.assert_array_equal(
        outputs(pickle.loads(pickle.dumps(est)), X), outputs(est, X)
    )


def test_module_params_are_estimator_params():
    est = custom(LSTMClassifier, module__width=7)
    assert est.get_params()["module__width"] == 7
    twin = clone(est)
    assert twin.get_params()["module__width"] == 7
    assert twin.module is TinyLSTM
    # A module__ parameter that the constructor did not get can be set.
    bare = custom(LSTMClassifier).set_params(module__width=3, max_iter=2)
    assert bare.get_params()["module__width"] == 3
    assert bare.max_iter == 2
    # A shallow copy's set_params leaves the original alone, as for any
    # other parameter.
    copy.copy(bare).set_params(module__width=9)
    assert bare.get_params()["module__width"] == 3
    assert "module__width=7" in repr(est)
    # A typo is refused where it is made, as a plain signature refuses one
    # (it was carried into repr, get_params and clones until fit).
    with pytest.raises(TypeError, match=r"unexpected keyword.*'width'.*module__"):
        LSTMClassifier(module=TinyLSTM, width=3)
    with pytest.raises(ValueError, match="Invalid parameter 'hiden_size'"):
        LSTMClassifier().set_params(hiden_size=3)
    # Only the name of the signature's ** passes (sklearn's checks give
    # every name of the signature); fit refuses it.
    odd = LSTMClassifier(module=TinyLSTM, module_params=3)
    X, y = sequence_data(LSTMClassifier, n=20)
    with pytest.raises(TypeError, match=r"unexpected parameter.*'module_params'"):
        odd.fit(X, y)


def test_grid_search_over_a_module_parameter():
    X, y = sequence_data(LSTMClassifier, n=60)
    search = GridSearchCV(
        custom(LSTMClassifier, max_iter=2), {"module__width": [2, 5]}, cv=2
    ).fit(X, y)
    assert [p["module__width"] for p in search.cv_results_["params"]] == [2, 5]
    best = search.best_estimator_.net_.module_.module
    assert best.rnn.hidden_size == search.best_params_["module__width"]


def test_variable_lengths_reach_the_module():
    """lengths reach the module (None when all are full), and the steps
    past a sequence's length are zero, not NaN."""
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(n, 2)) for n in [3, 8, 5, 8] * 10]
    y = np.tile([0, 1], 20)
    est = custom(LSTMClassifier, module=Recording, max_iter=1, batch_size=40)
    Recording.calls.clear()
    est.fit(X, y)
    x, lengths = Recording.calls[0]
    assert x.shape == (40, 8, 2)
    assert sorted(set(lengths.tolist())) == [3, 5, 8]
    assert lengths.dtype == torch.int64
    assert torch.isfinite(x).all()
    padding = torch.arange(8)[None, :] >= lengths[:, None]
    assert (x[padding] == 0).all()
    Recording.calls.clear()
    est.predict(np.stack([X[1], X[3]]))
    assert Recording.calls[0][1] is None  # all full length
    # Each sequence's prediction does not depend on what it is batched with.
    alone = [est.predict_proba([seq]) for seq in X[:4]]
    np.testing.assert_allclose(
        np.concatenate(alone), est.predict_proba(X[:4]), rtol=1e-5, atol=1e-6
    )


class WrongShape(TinyLSTM):
    def forward(self, x, lengths):
        return super().forward(x, lengths)[:, None]  # (batch, 1, n_outputs)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"module": TinyLSTM(2, 2)}, TypeError, "not an instance.*module=TinyLSTM"),
        ({"module": torch.nn.Linear(2, 2).forward}, TypeError, "Module subclass"),
        (
            {"module": WrongShape},
            ValueError,
            r"shape \(batch, n_outputs\) = \(\d+, 2\)",
        ),
        ({"module": None, "module__width": 3}, ValueError, "but module=None"),
        ({"module__n_features": 3}, ValueError, "passes n_features"),
        ({"module__depth": 3}, TypeError, "could not be built.*depth"),
    ],
)
def test_bad_modules_are_rejected_with_a_remedy(params, error, match):
    X, y = sequence_data(LSTMClassifier, n=20)
    est = custom(LSTMClassifier, **params)
    with pytest.raises(error, match=match):
        est.fit(X, y)
    assert not hasattr(est, "net_")


def test_built_in_network_parameters_are_ignored_with_a_warning():
    X, y = sequence_data(LSTMRegressor, n=20)
    with pytest.warns(UserWarning, match=r"hidden_size=8.*ignored.*module__") as got:
        custom(LSTMRegressor, hidden_size=8, max_iter=1).fit(X, y)
    assert {w.filename for w in got if "ignored" in str(w.message)} == {__file__}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        custom(LSTMRegressor, max_iter=1).fit(X, y)  # defaults: no warning


def test_a_custom_module_is_not_saved_in_the_safe_format(tmp_path):
    """Loading a module class would mean importing code: save refuses it."""
    pytest.importorskip("safetensors")
    X, y = sequence_data(LSTMRegressor, n=20)
    reg = custom(LSTMRegressor, max_iter=1).fit(X, y)
    with pytest.raises(TypeError, match="custom module="):
        reg.save(tmp_path / "reg.safetensors")


def test_a_custom_module_exports_to_onnx(tmp_path):
    """The graph holds the wrapper's standardisation and the user's module."""
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    X, y = sequence_data(LSTMClassifier, n=40, m=9, p=3)
    clf = custom(LSTMClassifier).fit(X, y)
    path = clf.to_onnx(tmp_path / "custom.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for steps in (9, 5):
        Xs = X[:, :steps].astype(np.float32)
        proba = session.run(None, {"x": Xs})[0]
        np.testing.assert_allclose(proba, clf.predict_proba(Xs), atol=1e-5)


def test_random_crop_applies_to_a_custom_module():
    """random_crop is training, not architecture: the module trains on
    windows and predicts from windows of the same length (N_CROPS of each
    sequence, voting)."""
    X, y = sequence_data(LSTMClassifier, n=40, m=10)
    est = custom(LSTMClassifier, module=Recording, random_crop=0.5, max_iter=1)
    Recording.calls.clear()
    est.fit(X, y)
    assert {x.shape[1] for x, _ in Recording.calls} == {5}
    Recording.calls.clear()
    est.predict(X)
    assert [x.shape[:2] for x, _ in Recording.calls] == [(40 * N_CROPS, 5)]
