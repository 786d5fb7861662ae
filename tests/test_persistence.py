"""Export to ONNX: the graph computes what predict and predict_proba return."""

import warnings

import numpy as np
import pytest
from _helpers import fast, sequence_data

from sklearn_rnn import LSTMClassifier, LSTMRegressor, LSTMTagger, LSTMTranscriber

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def run_graph(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": X.astype(np.float32)})[0]


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_onnx_classifier_matches_predict_proba(tmp_path, cell, bidirectional):
    X, y = sequence_data(LSTMClassifier, n=80, m=12, p=3)
    clf = fast(LSTMClassifier, cell=cell, bidirectional=bidirectional).fit(X, y)
    path = clf.to_onnx(tmp_path / "clf.onnx")
    np.testing.assert_allclose(run_graph(path, X), clf.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_onnx_regressor_matches_predict(tmp_path, cell, bidirectional):
    X, y = sequence_data(LSTMRegressor, n=80, m=12, p=3)
    y = 100 * y + 7  # the graph unscales the targets
    reg = fast(LSTMRegressor, cell=cell, bidirectional=bidirectional).fit(X, y)
    path = reg.to_onnx(tmp_path / "reg.onnx")
    out = run_graph(path, X)
    assert out.shape == (80, 1)
    np.testing.assert_allclose(out[:, 0], reg.predict(X), rtol=1e-5, atol=1e-4)


def test_onnx_export_silences_only_the_known_warnings(tmp_path, monkeypatch):
    """torch's notices of its legacy exporter are silenced; any other
    warning of the export (a trace that may be wrong) reaches the user."""
    import torch

    X, y = sequence_data(LSTMRegressor, n=20, m=16, p=2)
    # The default stem, an even kernel, a dilated stem.
    for params in ({}, {"kernel_size": 4}, {"kernel_size": 3, "patch_size": 8}):
        reg = fast(LSTMRegressor, max_iter=1, **params).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            reg.to_onnx(tmp_path / "quiet.onnx")
    export = torch.onnx.export

    def warning_export(*args, **kwargs):
        warnings.warn(
            "this trace might be wrong", torch.jit.TracerWarning, stacklevel=2
        )
        return export(*args, **kwargs)

    monkeypatch.setattr(torch.onnx, "export", warning_export)
    with pytest.warns(torch.jit.TracerWarning, match="might be wrong"):
        reg.to_onnx(tmp_path / "loud.onnx")


@pytest.mark.parametrize("patch_size", [3, 14])  # 14: a dilated stem
def test_onnx_batch_and_time_axes_are_dynamic(tmp_path, patch_size):
    """Other batch sizes and lengths than the export's, patching included."""
    X, y = sequence_data(LSTMRegressor, n=80, m=40, p=2)
    y = np.column_stack([y, -y])  # two outputs
    reg = fast(LSTMRegressor, patch_size=patch_size).fit(X, y)
    path = reg.to_onnx(tmp_path / "reg.onnx")
    for rows, steps in [(1, 40), (17, 40), (5, 13), (3, 61)]:
        Xs = np.random.RandomState(rows).normal(size=(rows, steps, 2))
        np.testing.assert_allclose(
            run_graph(path, Xs), reg.predict(Xs), rtol=1e-5, atol=1e-5
        )


def test_onnx_graph_of_an_int_readout_reads_the_last_steps(tmp_path):
    """readout=3: the export traces at least 3 steps, and the graph reads
    the last 3 of any length."""
    X, _ = sequence_data(LSTMRegressor, n=40, m=8, p=2)
    # np.int64, as a grid over np.arange gives: still traced over 3 steps.
    reg = fast(LSTMRegressor, conv_channels=None, readout=np.int64(3), patch_size=1)
    reg.fit(X, X[:, -3:, 0])
    path = reg.to_onnx(tmp_path / "reg.onnx")
    for steps in (8, 3, 20):
        Xs = np.random.RandomState(steps).normal(size=(4, steps, 2))
        np.testing.assert_allclose(
            run_graph(path, Xs), reg.predict(Xs), rtol=1e-5, atol=1e-5
        )


def test_onnx_graph_votes_over_crops_at_any_length(tmp_path):
    """With random_crop < 1 the graph averages over windows of the given
    fraction of each input's own length, as predict does."""
    X, y = sequence_data(LSTMClassifier, n=60, m=24, p=2)
    clf = fast(LSTMClassifier, random_crop=0.6, patch_size=2).fit(X, y)
    path = clf.to_onnx(tmp_path / "clf.onnx")
    for rows, steps in [(60, 24), (3, 11), (1, 40)]:
        Xs = np.random.RandomState(steps).normal(size=(rows, steps, 2))
        np.testing.assert_allclose(
            run_graph(path, Xs), clf.predict_proba(Xs), atol=1e-5
        )


def test_onnx_sequences_of_different_lengths_run_one_at_a_time(tmp_path):
    X, y = sequence_data(LSTMClassifier, n=60, m=10, p=2)
    ragged = [X[i, : 4 + i % 7] for i in range(len(X))]
    clf = fast(LSTMClassifier).fit(ragged, y)
    path = clf.to_onnx(tmp_path / "clf.onnx")
    one_by_one = np.vstack([run_graph(path, seq[None]) for seq in ragged])
    np.testing.assert_allclose(one_by_one, clf.predict_proba(ragged), atol=1e-5)


@pytest.mark.parametrize("Estimator", [LSTMClassifier, LSTMRegressor])
def test_onnx_graph_gives_nan_for_a_nan_padded_sequence(tmp_path, Estimator):
    """The graph cannot read padding as such; onnxruntime's operators would
    turn it into finite, wrong outputs, so the graph says NaN instead."""
    X, y = sequence_data(Estimator, n=30, m=70, p=2)
    est = fast(Estimator).fit(X, y)
    padded = X[:3].copy()
    padded[0, 50:] = np.nan
    out = run_graph(est.to_onnx(tmp_path / "model.onnx"), padded)
    assert np.isnan(out[0]).all()
    expected = (
        est.predict_proba(X[1:3])
        if Estimator is LSTMClassifier
        else (est.predict(X[1:3]))
    )
    np.testing.assert_allclose(out[1:].reshape(expected.shape), expected, atol=1e-5)


def test_to_onnx_needs_a_fitted_estimator(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LSTMRegressor().to_onnx(tmp_path / "reg.onnx")


@pytest.mark.parametrize("Estimator", [LSTMTagger, LSTMTranscriber])
def test_estimators_without_an_onnx_export_have_no_to_onnx(Estimator):
    """hasattr tells, as for any method that sklearn's available_if hides."""
    assert not hasattr(Estimator(), "to_onnx")
    with pytest.raises(AttributeError, match="to_onnx") as caught:
        Estimator().to_onnx("model.onnx")
    assert "no ONNX export" in str(caught.value.__cause__)
    assert hasattr(LSTMClassifier(), "to_onnx")
