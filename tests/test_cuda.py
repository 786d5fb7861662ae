"""CUDA behaviour; skipped (see conftest.py) where no GPU is present."""

import pickle
import subprocess
import sys
import warnings
from functools import partial

import numpy as np
import pytest
import torch
from _helpers import sequence_data
from sklearn.base import clone

from sklearn_rnn import LSTMClassifier, LSTMRegressor

pytestmark = pytest.mark.cuda


data = partial(sequence_data, LSTMRegressor, n=64, m=12, p=3, noise=0)


@pytest.fixture(autouse=True)
def float32_kernels(monkeypatch):
    """Full float32 in cuDNN, as on the CPU.

    By default PyTorch lets cuDNN compute in TF32 on Ampere and later GPUs,
    which rounds inputs to a 10-bit mantissa (on an H200, a bare LSTM's
    outputs moved 6e-5 and a default regressor's predictions 7e-4; a small
    Conv1d did not move): predictions then differ from the CPU's, which says
    nothing about moving a model between devices. The tolerances below are
    those of float32.
    """
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)


def run_without_gpu(code, out):
    """Run ``code`` in a fresh interpreter that sees no GPU; ``out`` is its
    ``sys.argv[1]``."""
    env = {"CUDA_VISIBLE_DEVICES": "", "PATH": "", "PYTHONPATH": ":".join(sys.path)}
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env)


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "auto"])
def test_fit_and_predict_on_cuda(device):
    X, y = data()
    reg = LSTMRegressor(hidden_size=16, max_iter=30, random_state=0, device=device)
    reg.fit(X, y)
    assert reg.net_.device.startswith("cuda")
    assert next(reg.net_.module_.parameters()).is_cuda
    assert reg.score(X, y) > 0.8


def test_variable_length_on_cuda_matches_alone():
    rng = np.random.RandomState(0)
    seqs = [rng.normal(size=(rng.randint(3, 12), 2)) for _ in range(20)]
    y = np.array([s[-1, 0] > 0 for s in seqs])
    clf = LSTMClassifier(hidden_size=8, max_iter=5, random_state=0, device="cuda")
    clf.fit(seqs, y)
    batched = clf.predict_proba(seqs)
    alone = np.concatenate([clf.predict_proba([s]) for s in seqs])
    np.testing.assert_allclose(alone, batched, rtol=1e-4, atol=1e-5)


def test_cuda_model_unpickles_on_a_machine_without_cuda(tmp_path):
    X, y = data()
    reg = LSTMRegressor(hidden_size=8, max_iter=5, random_state=0, device="cuda")
    reg.fit(X, y)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(reg))
    np.save(tmp_path / "X.npy", X)
    expected = reg.predict(X)
    # A fresh interpreter that cannot see any GPU.
    code = (
        "import pickle, numpy as np, torch, sys\n"
        "assert not torch.cuda.is_available()\n"
        f"reg = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        f"X = np.load({str(tmp_path / 'X.npy')!r})\n"
        "assert reg.net_.device == 'cpu'\n"
        "np.save(sys.argv[1], reg.predict(X))\n"
    )
    out = tmp_path / "pred.npy"
    run_without_gpu(code, out)
    np.testing.assert_allclose(np.load(out), expected, rtol=1e-4, atol=1e-5)


def test_same_seed_same_cuda_predictions():
    X, y = data()
    regs = [
        LSTMRegressor(hidden_size=8, max_iter=5, random_state=0, device="cuda").fit(
            X, y
        )
        for _ in range(2)
    ]
    assert all(next(r.net_.module_.parameters()).is_cuda for r in regs)
    np.testing.assert_allclose(regs[0].predict(X), regs[1].predict(X), rtol=1e-5)


@pytest.mark.parametrize("name", ["tagger", "transcriber"])
def test_sequence_outputs_on_cuda(name):
    """Per-timestep losses (cross-entropy, CTC) and validation scores on CUDA,
    with ragged sequences and early stopping."""
    from sklearn_rnn import LSTMTagger, LSTMTranscriber

    rng = np.random.RandomState(0)
    X = [rng.normal(size=(rng.randint(6, 15), 2)) for _ in range(40)]
    if name == "tagger":
        est, y = LSTMTagger, [np.where(x[:, 0] > 0, "up", "down") for x in X]
    else:
        est, y = LSTMTranscriber, [["up" if x[0, 0] > 0 else "down"] for x in X]
    model = est(
        hidden_size=8, max_iter=3, early_stopping=True, random_state=0, device="cuda"
    ).fit(X, y)
    assert next(model.net_.module_.parameters()).is_cuda
    assert np.isfinite(model.loss_curve_).all()
    assert len(model.validation_scores_) == model.n_iter_
    restored = pickle.loads(pickle.dumps(model))
    with warnings.catch_warnings():
        # cuDNN warns when it must copy recurrent weights that are not in one
        # block, as weights unpickled onto the GPU were.
        warnings.filterwarnings("error", "RNN module weights", UserWarning)
        for a, b in zip(model.predict(X), restored.predict(X), strict=True):
            np.testing.assert_array_equal(a, b)


def test_cuda_model_saved_safely_loads_without_cuda(tmp_path):
    """save() on a CUDA model; sklearn_rnn.load in an interpreter without a
    GPU (CPU, with a warning) and here (back on CUDA)."""
    import sklearn_rnn

    X, y = data()
    reg = LSTMRegressor(hidden_size=8, max_iter=5, random_state=0, device="cuda")
    reg.fit(X, y)
    path = reg.save(tmp_path / "model.safetensors")
    np.save(tmp_path / "X.npy", X)
    expected = reg.predict(X)
    here = sklearn_rnn.load(path)
    assert next(here.net_.module_.parameters()).is_cuda
    np.testing.assert_array_equal(here.predict(X), expected)
    code = (
        "import warnings, numpy as np, torch, sys, sklearn_rnn\n"
        "assert not torch.cuda.is_available()\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        f"    reg = sklearn_rnn.load({str(path)!r})\n"
        "assert any('CUDA is not available' in str(w.message) for w in caught)\n"
        f"X = np.load({str(tmp_path / 'X.npy')!r})\n"
        "assert reg.net_.device == 'cpu'\n"
        "np.save(sys.argv[1], reg.predict(X))\n"
    )
    out = tmp_path / "pred.npy"
    run_without_gpu(code, out)
    np.testing.assert_allclose(np.load(out), expected, rtol=1e-4, atol=1e-5)


def test_sample_weight_and_partial_fit_on_cuda():
    """Weights, class weights and the partial_fit criterion on the device."""
    X, y = data()
    labels = np.where(y > 0, "up", "down")
    weights = np.random.RandomState(1).randint(0, 3, size=len(y)).astype(float)
    clf = LSTMClassifier(
        hidden_size=8,
        max_iter=5,
        random_state=0,
        device="cuda",
        class_weight="balanced",
        early_stopping=True,
    ).fit(X, labels, sample_weight=weights)
    assert len(clf.validation_scores_) == clf.n_iter_
    # Without sample weights the class weights live in the criterion, which
    # skorch moves to the device; the constant baseline of the "did not learn"
    # warning is computed on the CPU, before that move.
    unweighted = clone(clf).set_params(early_stopping=False).fit(X, labels)
    assert unweighted.predict(X).shape == (len(X),)
    partial = LSTMClassifier(
        hidden_size=8, random_state=0, device="cuda", class_weight="balanced"
    )
    for _ in range(3):
        partial.partial_fit(X, labels, classes=["down", "up"], sample_weight=weights)
    partial.partial_fit(X, labels)  # the class weights' tensor on the device
    assert partial.n_iter_ == 4
    assert partial.predict_proba(X).shape == (len(X), 2)
