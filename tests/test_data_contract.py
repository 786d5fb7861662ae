"""The data contract: input forms, padding, lengths, and bad input."""

import warnings
from functools import partial

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from _helpers import ESTIMATORS, fast, outputs, sequence_data
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_rnn import LSTMClassifier, LSTMRegressor
from sklearn_rnn._validation import check_sequences

make_data = partial(sequence_data, LSTMClassifier, n=40, m=8, noise=0, labels="int")


def targets_for(Estimator, X):
    y = (X[:, -3:, 0].sum(axis=1) > 0).astype(int)
    return y if Estimator is LSTMClassifier else X[:, -3:, 0].sum(axis=1)


def ragged(seed=0, n=12, p=2, lengths=(3, 9)):
    rng = np.random.RandomState(seed)
    return [rng.normal(size=(rng.randint(*lengths), p)) for _ in range(n)]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_input_forms_give_the_same_predictions(Estimator):
    X, _ = make_data(p=1)
    est = fast(Estimator).fit(X, targets_for(Estimator, X))
    expected = outputs(est, X)
    two_d = X[:, :, 0]
    for form in [
        two_d,
        pd.DataFrame(two_d),
        list(X),
        [row for row in two_d],
        X.astype(np.float32),
        two_d.tolist(),
    ]:
        np.testing.assert_allclose(outputs(est, form), expected, rtol=1e-5)
    assert est.n_features_in_ == 1


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_reversed_float32_views_are_accepted(Estimator):
    """Negative strides, which torch.from_numpy refuses, are copied away."""
    X, _ = make_data()
    Xf = X.astype(np.float32)
    est = fast(Estimator, max_iter=1).fit(Xf, targets_for(Estimator, X))
    for view in [Xf[:, ::-1], Xf[::-1], np.flip(Xf, axis=1), Xf[::-2, :, ::-1]]:
        expected = outputs(est, np.ascontiguousarray(view))
        np.testing.assert_array_equal(outputs(est, view), expected)
    univariate = fast(Estimator, max_iter=1).fit(Xf[:, :, 0], targets_for(Estimator, X))
    view = Xf[:, ::-1, 0]
    expected = outputs(univariate, np.ascontiguousarray(view))
    np.testing.assert_array_equal(outputs(univariate, view), expected)


def test_contiguous_float32_batches_are_not_copied():
    """Predict on float32 data passes views of it to torch (a hot path)."""
    Xf = make_data()[0].astype(np.float32)
    x, _ = check_sequences(Xf).batch(slice(0, 1))
    assert np.shares_memory(x, Xf)
    univariate = np.ascontiguousarray(Xf[:, :, 0])
    x, _ = check_sequences(univariate).batch(slice(0, 5))
    assert np.shares_memory(x, univariate)
    x, _ = check_sequences(Xf[:, ::-1]).batch(slice(0, 5))
    assert x.flags.c_contiguous
    np.testing.assert_array_equal(x, Xf[:5, ::-1])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_float64_and_float32_input_fit_the_same_model(Estimator):
    X, _ = make_data()
    y = targets_for(Estimator, X)
    a = fast(Estimator).fit(X, y)
    b = fast(Estimator).fit(X.astype(np.float32), y)
    np.testing.assert_allclose(outputs(a, X), outputs(b, X), rtol=1e-5)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"cell": "gru", "bidirectional": True},
        {"cell": "rnn", "num_layers": 2},
        {"patch_size": 3},
        {"patch_size": 2, "bidirectional": True},
        {"patch_size": 3, "conv_channels": None},
        {"patch_size": 2, "readout": "last", "num_layers": 2},
        {"conv_channels": None, "readout": "last"},
        {"random_crop": 0.6},  # voting over crops of each sequence's length
        {"random_crop": 0.5, "patch_size": 3, "bidirectional": True},
        {"patch_size": 4, "kernel_size": 2},  # a dilated stem (dilation 2)
        {"patch_size": 12},  # a dilated stem; every sequence in one patch
    ],
)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_prediction_does_not_depend_on_the_batch(Estimator, params):
    """Ragged batches: a short sequence alone == in a batch of long ones."""
    sequences = ragged()
    y = [s[-1, 0] > 0 for s in sequences] if Estimator is LSTMClassifier else None
    y = np.array(y if y is not None else [s[-1, 0] for s in sequences])
    est = fast(Estimator, **params).fit(sequences, y)
    batched = outputs(est, sequences)
    alone = np.concatenate([outputs(est, [s]) for s in sequences])
    np.testing.assert_allclose(alone, batched, rtol=1e-5, atol=1e-6)
    # The same sequences as a NaN-padded 3-D array, padded at the start or end.
    width = max(len(s) for s in sequences)
    for at_start in (True, False):
        padded = np.full((len(sequences), width, 2), np.nan)
        for i, s in enumerate(sequences):
            if at_start:
                padded[i, width - len(s) :] = s
            else:
                padded[i, : len(s)] = s
        np.testing.assert_allclose(outputs(est, padded), batched, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("patch_size", [1, 4])
def test_an_even_kernel_pads_as_same_without_torch_warning(patch_size):
    """torch's padding="same" warns that an even kernel copies the input;
    the stem pads it itself, in the same way. (torch warns once per
    process, so whether it does cannot be asserted here: that the
    convolution does not pad itself can.)"""
    from sklearn_rnn._modules import ConvStem, _pad_same

    stem = ConvStem(2, (8, 4), 4, patch_size)
    assert stem.conv1.padding != "same"
    same = torch.nn.Conv1d(2, stem.conv1.out_channels, 4, padding="same")
    same.load_state_dict(stem.conv1.state_dict())
    x = torch.randn(3, 16, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = stem.conv1(_pad_same(x.transpose(1, 2), stem.conv1))
        stem(x, torch.tensor([16, 9, 2]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = same(x.transpose(1, 2))
    torch.testing.assert_close(out, expected, rtol=0, atol=0)


@pytest.mark.parametrize(
    ("cell", "num_layers", "bidirectional"),
    [
        ("lstm", 1, False),
        ("gru", 2, False),
        ("rnn", 1, False),
        ("lstm", 2, True),
        ("gru", 1, True),
        ("rnn", 2, True),
    ],
)
def test_recurrent_layers_stop_at_each_sequence_end(cell, num_layers, bidirectional):
    """On the CPU, ragged batches run unpacked: one-way cells in one call,
    bidirectional ones as two one-way passes, the backward one over each
    sequence reversed within its length. Outputs, final states and the
    gradients of inputs and weights equal those of packed sequences, and
    NaN padding reaches none of them."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    from sklearn_rnn._modules import _recurrent_layers, _run_recurrent

    torch.manual_seed(0)
    rnn = _recurrent_layers(cell, 3, 5, num_layers, bidirectional, 0.0)
    lengths = torch.tensor([6, 2, 4, 1])
    x = torch.randn(4, 6, 3)
    x[torch.arange(6) >= lengths[:, None]] = torch.nan
    inside = (torch.arange(6) < lengths[:, None])[..., None]

    def run(fn):
        rnn.zero_grad()
        xi = x.clone().requires_grad_(True)
        out, last = fn(xi)
        out = out.masked_fill(~inside, 0.0)
        (out.square().sum() + last.sum()).backward()
        # NaN padding gets no gradient: exactly zero, not merely finite.
        assert (xi.grad.masked_fill(inside, 0.0) == 0).all()
        grads = [w.grad.clone() for w in rnn.parameters()]
        return [out, last, xi.grad, *grads]

    def packed(xi):
        seqs = pack_padded_sequence(
            xi.masked_fill(~inside, 0.0),
            lengths,
            batch_first=True,
            enforce_sorted=False,
        )
        out, state = rnn(seqs)
        h_n = state[0] if cell == "lstm" else state
        last = torch.cat([h_n[-2], h_n[-1]], 1) if bidirectional else h_n[-1]
        return pad_packed_sequence(out, batch_first=True, total_length=6)[0], last

    ours = run(lambda xi: _run_recurrent(rnn, xi, lengths))
    for got, expected in zip(ours, run(packed), strict=True):
        assert torch.isfinite(got).all()
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)


def test_unpacked_bidirectional_layers_keep_dropout_between_layers():
    """Dropout between the layers of a bidirectional cell acts while training
    only, and not on the last layer's outputs, as in nn.LSTM's own pass."""
    from sklearn_rnn._modules import _recurrent_layers, _run_recurrent

    torch.manual_seed(0)
    x, lengths = torch.randn(8, 6, 3), torch.tensor([6, 2, 4, 1] * 2)
    rnn = _recurrent_layers("lstm", 3, 5, 2, True, 0.5)
    (first, _), (second, _) = (_run_recurrent(rnn, x, lengths) for _ in range(2))
    assert not torch.allclose(first, second)
    inside = torch.arange(6) < lengths[:, None]
    assert (first[inside] != 0).all()  # no dropout after the last layer
    rnn.eval()
    (first, _), (second, _) = (_run_recurrent(rnn, x, lengths) for _ in range(2))
    torch.testing.assert_close(first, second)


def test_bidirectional_ragged_fits_in_threads_match_those_one_after_the_other():
    """The unpacked passes reuse a meta-device shell per thread; threads
    must not share one (functional_call swaps weights on it)."""
    from concurrent.futures import ThreadPoolExecutor

    X, y = sequence_data(LSTMRegressor, n=24, m=12)
    ragged = [x[: 4 + i % 9] for i, x in enumerate(X)]

    def fit_predict(seed):
        est = fast(LSTMRegressor, bidirectional=True, num_layers=2, random_state=seed)
        return est.fit(ragged, y).predict(ragged)

    expected = [fit_predict(seed) for seed in range(4)]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(fit_predict, range(4)))
    for got, want in zip(threaded, expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_hooks_on_bidirectional_layers_run_on_ragged_batches():
    """Hooks registered on the recurrent layers (pruning uses one) run: a
    bidirectional cell with hooks is packed rather than run through the
    unpacked passes, which call its weights, not the module."""
    from torch.nn.utils import prune

    from sklearn_rnn._modules import _recurrent_layers, _run_recurrent

    torch.manual_seed(0)
    x, lengths = torch.randn(4, 6, 3), torch.tensor([6, 2, 4, 1])
    rnn = _recurrent_layers("lstm", 3, 5, 1, True, 0.0)
    calls = []
    rnn.register_forward_pre_hook(lambda module, args: calls.append(1))
    _run_recurrent(rnn, x, lengths)
    assert calls == [1]
    prune.l1_unstructured(rnn, "weight_hh_l0", amount=0.5)
    for _ in range(2):  # a second step needs the pruned weight recomputed
        _, last = _run_recurrent(rnn, x, lengths)
        last.sum().backward()
    assert torch.isfinite(rnn.weight_hh_l0_orig.grad).all()


def test_padding_changes_nothing_but_length_does():
    """Padding is ignored, while the observed values matter."""
    rng = np.random.RandomState(1)
    X = rng.normal(size=(30, 6, 1))
    y = X[:, :, 0].sum(axis=1)
    reg = fast(LSTMRegressor, max_iter=20).fit(X, y)
    seq = X[:1]
    padded = np.concatenate([np.full((1, 4, 1), np.nan), seq], axis=1)
    np.testing.assert_allclose(reg.predict(padded), reg.predict(seq), rtol=1e-6)
    zero_padded = np.concatenate([np.zeros((1, 4, 1)), seq], axis=1)
    assert not np.allclose(reg.predict(zero_padded), reg.predict(seq))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
# Fitted on an array, predicting on named columns: sklearn's warning.
@pytest.mark.filterwarnings("ignore:X has feature names:UserWarning")
def test_sktime_panel_formats(Estimator):
    X, _ = make_data(n=10, m=5, p=2)
    est = fast(Estimator).fit(X, targets_for(Estimator, X))
    index = pd.MultiIndex.from_product([range(10), range(5)], names=["id", "t"])
    multiindex = pd.DataFrame(X.reshape(50, 2), index=index, columns=["a", "b"])
    nested = pd.DataFrame(
        {c: [pd.Series(X[i, :, j]) for i in range(10)] for j, c in enumerate("ab")}
    )
    expected = outputs(est, X)
    np.testing.assert_allclose(outputs(est, multiindex), expected, rtol=1e-5)
    np.testing.assert_allclose(outputs(est, nested), expected, rtol=1e-5)


def test_malformed_panels_and_ragged_arrays_get_a_remedy():
    """Errors in the terms of the format given, not NumPy's."""
    X, y = make_data(n=6, m=5, p=2)
    clf = fast(LSTMClassifier)
    multiindex, nested, _ = panel_frames(X, ["a", "b"])
    multiindex.iloc[7, 0] = np.nan
    with pytest.raises(ValueError, match="an instance of a panel DataFrame must be"):
        clf.fit(multiindex, y)
    nested.iat[0, 1] = nested.iat[0, 1].iloc[:4]
    with pytest.raises(ValueError, match=r"Instance 0 .* different lengths \[5, 4\]"):
        clf.fit(nested, y)
    ragged = [x[: 3 + i % 2] for i, x in enumerate(X)]
    as_object = np.empty(len(ragged), dtype=object)
    as_object[:] = ragged
    for wrapped in (as_object, pd.Series(ragged)):
        with pytest.raises(ValueError, match=r"Pass them as a list of arrays, list"):
            clf.fit(wrapped, y)
    clf.fit(ragged, y)


def test_containers_of_pandas_and_torch_values():
    """pd.NA is a missing value, not a non-number; nullable numbers, bfloat16
    tensors and frames are read as the arrays they hold; an unnamed instance
    of a panel is an error, not a dropped instance."""
    X, y = make_data(n=6, m=5, p=2)
    clf = fast(LSTMClassifier).fit(X, y)
    univariate = pd.DataFrame(X[:, :, 0]).astype("Float64")
    proba = fast(LSTMClassifier).fit(univariate, y).predict_proba(univariate)
    np.testing.assert_allclose(
        proba, fast(LSTMClassifier).fit(X[:, :, 0], y).predict_proba(X[:, :, 0])
    )
    univariate.iloc[1, 2] = pd.NA
    with pytest.raises(ValueError, match=r"contains NaN \(sequence 1, timestep 2\)"):
        fast(LSTMClassifier).fit(univariate, y)
    frames = [pd.DataFrame(x).astype("Float64") for x in X]
    np.testing.assert_allclose(clf.predict_proba(frames), clf.predict_proba(X))
    bf16 = torch.from_numpy(X).bfloat16()
    np.testing.assert_allclose(
        clf.predict_proba(bf16), clf.predict_proba(bf16.float().numpy())
    )
    multiindex, *_ = panel_frames(X, ["a", "b"])
    labels = multiindex.index.get_level_values(0).to_numpy(dtype=float)
    labels[5:10] = np.nan
    multiindex.index = pd.MultiIndex.from_arrays(
        [labels, multiindex.index.get_level_values(1)]
    )
    with pytest.raises(ValueError, match=r"instance level has missing labels \(row 5"):
        clf.predict(multiindex)
    with pytest.raises(TypeError, match="got a generator, which can be read only"):
        clf.predict(x for x in X)
    cells = pd.DataFrame({"a": list(X[:, :, 0]), "b": list(X[:, :, 1])})
    with pytest.raises(ValueError, match="DataFrame whose cells hold arrays"):
        clf.predict(cells)


def panel_frames(X, columns):
    """``X`` (N, M, P) as sktime's pd-multiindex, nested_univ and df-list."""
    n, m, p = X.shape
    index = pd.MultiIndex.from_product([range(n), range(m)], names=["id", "t"])
    multiindex = pd.DataFrame(X.reshape(n * m, p), index=index, columns=columns)
    nested = pd.DataFrame(
        {c: [pd.Series(X[i, :, j]) for i in range(n)] for j, c in enumerate(columns)}
    )
    frames = [pd.DataFrame(X[i], columns=columns) for i in range(n)]
    return multiindex, nested, frames


@pytest.mark.parametrize("form", ["pd-multiindex", "nested_univ", "df-list"])
def test_panel_frames_record_their_columns_as_feature_names(form):
    """The columns of a panel frame are features: sklearn's rules apply
    (also to a list of frames, which recorded none and took reordered
    columns silently)."""
    X, y = make_data(n=10, m=5, p=2)
    forms = ["pd-multiindex", "nested_univ", "df-list"]
    frames = dict(zip(forms, panel_frames(X, ["a", "b"]), strict=True))
    frame = frames[form]
    clf = fast(LSTMClassifier).fit(frame, y)
    assert clf.feature_names_in_.dtype == object
    np.testing.assert_array_equal(clf.feature_names_in_, ["a", "b"])
    assert clf.n_features_in_ == 2
    expected = clf.predict_proba(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.predict(frame)  # the same names: no warning
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-5)
    swapped = dict(zip(forms, panel_frames(X[:, :, ::-1], ["b", "a"]), strict=True))[
        form
    ]
    with pytest.raises(ValueError, match="must be in the same order as they were"):
        clf.predict(swapped)
    renamed = dict(zip(forms, panel_frames(X, ["a", "c"]), strict=True))[form]
    with pytest.raises(ValueError, match="Feature names unseen at fit time"):
        clf.predict(renamed)
    # Refitting on an array forgets the names; a frame then warns.
    clf.fit(X, y)
    assert not hasattr(clf, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names, but LSTMClassifier"):
        clf.predict(frame)


def test_a_list_of_frames_must_name_the_same_columns():
    X, y = make_data(n=10, m=5, p=2)
    frames = panel_frames(X, ["a", "b"])[2]
    frames[3] = frames[3][["b", "a"]]
    with pytest.raises(ValueError, match=r"X\[3\] has \['b', 'a'\], X\[0\] has"):
        fast(LSTMClassifier).fit(frames, y)


@pytest.mark.parametrize("named", [True, False])
def test_2d_frames_columns_are_timesteps_and_their_order_is_checked(named):
    """A 2-D frame's columns are timesteps (read in column order): they are
    not feature names, and columns in another order are an error, whether
    they are named or labelled 0, 1, ... by ``pd.DataFrame(array)``."""
    X, y = make_data(m=8, p=1)
    X = X[:, :, 0]
    columns = [f"t{i}" for i in range(8)] if named else None
    frame = pd.DataFrame(X, columns=columns)
    clf = fast(LSTMClassifier).fit(frame, y)
    assert not hasattr(clf, "feature_names_in_")
    assert clf.n_features_in_ == 1
    proba = clf.predict_proba(frame)
    reversed_columns = frame[frame.columns[::-1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tested below
        as_array = clf.predict_proba(reversed_columns.to_numpy())
    assert not np.allclose(as_array, proba, atol=1e-3)  # what the check prevents
    with pytest.raises(ValueError, match="same order as they were in fit") as info:
        clf.predict_proba(reversed_columns)
    assert "timesteps of univariate sequences" in str(info.value)
    # Shorter or longer sequences are valid, in the fit order.
    assert clf.predict(frame.iloc[:, 3:]).shape == (40,)
    shuffled = frame.iloc[:, [4, 3, 5, 6, 7]]
    with pytest.raises(ValueError, match="another order than in fit"):
        clf.predict(shuffled)
    if named:
        renamed = frame.rename(columns={"t0": "u0"})
        with pytest.raises(ValueError, match=r"unseen at fit time: \['u0'\]") as info:
            clf.predict(renamed)
        # Other labels, not another order: the message says so.
        assert "not the timesteps LSTMClassifier was fitted on" in str(info.value)
        assert "different order" not in str(info.value)
        with pytest.warns(UserWarning, match="does not have valid column names") as w:
            np.testing.assert_allclose(clf.predict_proba(X), proba, rtol=1e-5)
        assert w[0].filename == __file__  # points at the user's call
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # 0, 1, ... name nothing: no warning
            np.testing.assert_allclose(clf.predict_proba(X), proba, rtol=1e-5)


def test_2d_frame_with_column_names_after_a_fit_on_an_array_warns():
    """As sklearn warns "X has feature names, but ... was fitted without
    feature names": named timesteps, none in fit, so their order goes
    unchecked. Integer labels (``pd.DataFrame(array)``) name nothing."""
    X, y = make_data(m=8, p=1)
    X = X[:, :, 0]
    clf = fast(LSTMClassifier).fit(X, y)
    proba = clf.predict_proba(X)
    named = pd.DataFrame(X, columns=[f"t{i}" for i in range(8)])
    with pytest.warns(UserWarning, match="has column names, but LSTMClassifier") as w:
        np.testing.assert_allclose(clf.predict_proba(named), proba)
    assert w[0].filename == __file__  # points at the user's call
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.predict(pd.DataFrame(X))


def test_pd_multiindex_time_must_increase_within_each_instance():
    X = np.arange(12.0).reshape(3, 4, 1)
    index = pd.MultiIndex.from_product([["a", "b", "c"], range(4)])
    frame = pd.DataFrame(X.reshape(12, 1), index=index)
    # Instances are read in the order of their rows, not sorted.
    by_instance = pd.concat([frame.loc[["c"]], frame.loc[["a"]], frame.loc[["b"]]])
    np.testing.assert_array_equal(check_sequences(by_instance).data, X[[2, 0, 1]])
    # Rows of instances may interleave, as long as each one's time increases.
    interleaved = frame.iloc[[0, 4, 1, 5, 2, 6, 3, 7, 8, 9, 10, 11]]
    np.testing.assert_array_equal(check_sequences(interleaved).data, X)
    reversed_time = frame.iloc[[0, 1, 2, 3, 7, 6, 5, 4, 8, 9, 10, 11]]
    match = "strictly increasing within each instance, but instance 'b' has time 2 "
    with pytest.raises(ValueError, match=match + "after 3"):
        check_sequences(reversed_time)
    repeated_time = frame.iloc[[0, 1, 1, 2, 3]]
    with pytest.raises(
        ValueError, match=r"instance 'a' has time 1 after 1\. Aggregate"
    ):
        fast(LSTMClassifier).fit(repeated_time, [0])


def test_timesteps_may_differ_between_fit_and_predict():
    X, y = make_data(m=8)
    clf = fast(LSTMClassifier).fit(X, y)
    assert clf.predict(X[:, :5]).shape == (40,)
    assert clf.predict(np.concatenate([X, X], axis=1)).shape == (40,)


def test_patch_size_auto_bounds_the_recurrent_steps():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 150, 1))
    y = np.arange(20) % 2
    assert fast(LSTMClassifier, max_iter=1).fit(X, y).patch_size_ == 10
    assert fast(LSTMClassifier, max_iter=1).fit(X[:, :30], y).patch_size_ == 2
    assert fast(LSTMClassifier, max_iter=1).fit(X[:, :16], y).patch_size_ == 1
    assert fast(LSTMClassifier, max_iter=1, patch_size=7).fit(X, y).patch_size_ == 7


def recurrent_inputs(est, X, monkeypatch):
    """What the recurrent cell reads at predict time: (steps, width) per row."""
    from sklearn_rnn import _modules

    seen = []
    run = _modules._run_recurrent

    def spy(rnn, x, lengths):
        steps = [x.shape[1]] * len(x) if lengths is None else lengths.tolist()
        seen.extend((int(n), x.shape[2]) for n in steps)
        return run(rnn, x, lengths)

    monkeypatch.setattr(_modules, "_run_recurrent", spy)
    est.predict(X)
    return seen


@pytest.mark.parametrize("conv_channels", [5, (3, 5), None])
def test_recurrent_steps_and_width_follow_the_patches(conv_channels, monkeypatch):
    """Each patch is one recurrent step, whether the stem makes it or not."""
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(m, 2)) for m in (150, 95, 7)] * 4
    y = np.arange(12) % 2
    clf = fast(LSTMClassifier, max_iter=1, conv_channels=conv_channels)
    clf.set_params(random_crop=1.0).fit(X, y)  # prediction reads whole sequences
    assert clf.patch_size_ == 10
    # Without a stem: 2 features and their own standardisation per step.
    width = {5: 5, (3, 5): 5, None: 2 * 2 * 10}[conv_channels]
    # Padded at the start to whole patches: 150 -> 15, 95 -> 10, 7 -> 1 step.
    assert recurrent_inputs(clf, X[:3], monkeypatch) == [
        (15, width),
        (10, width),
        (1, width),
    ]


def test_the_stem_sees_every_timestep():
    """Changing one value inside a patch changes the prediction with the stem."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 40, 1))
    y = np.arange(20) % 2
    clf = fast(LSTMClassifier, max_iter=1, patch_size=8).fit(X, y)
    assert isinstance(clf.net_.module_.stem.conv1, torch.nn.Conv1d)
    for t in (0, 17, 39):
        moved = X[:1].copy()
        moved[0, t, 0] += 5.0
        assert not np.allclose(clf.predict_proba(moved), clf.predict_proba(X[:1]))


def test_the_stem_reads_scales_up_to_a_patch():
    """Scales 1, 2, 4... while the kernel spans at most a patch, sharing
    conv_channels; short patches keep scale 1 alone; an automatic patch
    is rounded up to a multiple of the coarsest scale."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 320, 1))
    y = np.arange(12) % 2
    clf = fast(LSTMClassifier, max_iter=1, conv_channels=8).fit(X, y)
    assert clf.patch_size_ == 20
    stem = clf.net_.module_.stem
    # Width 7: scale 2 spans 12 steps, scale 4 would span 24 > 20.
    assert "scales=(1, 2)" in repr(stem)
    assert [c.out_channels for c in [stem.conv1, *stem.coarse]] == [4, 4]
    # 2,240 steps: 16 patches of 140, but 140 is no multiple of scale 16.
    long = fast(LSTMClassifier, max_iter=1, conv_channels=8).fit(X.repeat(7, 1), y)
    assert long.patch_size_ == 144
    assert "scales=(1, 2, 4, 8, 16)" in repr(long.net_.module_.stem)
    # A patch given is kept: the scales are those that divide it.
    odd = fast(LSTMClassifier, max_iter=1, patch_size=140).fit(X.repeat(7, 1), y)
    assert odd.patch_size_ == 140
    assert "scales=(1, 2, 4)" in repr(odd.net_.module_.stem)
    # A pair: the first convolutions' channels are shared, the second's
    # are what the cell reads.
    pair = fast(LSTMClassifier, max_iter=1, conv_channels=(10, 6)).fit(X, y)
    stem = pair.net_.module_.stem
    assert [c.out_channels for c in [stem.conv1, *stem.coarse]] == [5, 5]
    assert (stem.conv2.in_channels, stem.conv2.out_channels) == (10, 6)
    assert pair.net_.module_.rnn.input_size == 6
    short = fast(LSTMClassifier, max_iter=1).fit(X[:, :100], y)  # patches of 7
    assert short.patch_size_ == 7
    assert len(short.net_.module_.stem.coarse) == 0
    assert short.net_.module_.stem.conv1.out_channels == 4


def test_the_automatic_patch_is_rounded_only_for_scales_the_stem_builds():
    """400 steps: 16 patches of 25. Scales 1 to 4 need 28; one channel
    builds scale 1 alone, which needs no rounding; an int readout of
    several steps keeps the 16 steps it reads, with the scales that divide
    25."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(4, 400, 1))
    y = rng.normal(size=(4, 16))
    default = fast(LSTMRegressor, max_iter=1).fit(X, y[:, 0])
    assert default.patch_size_ == 28
    assert "scales=(1, 2, 4)" in repr(default.net_.module_.stem)
    one = fast(LSTMRegressor, max_iter=1, conv_channels=1).fit(X, y[:, 0])
    assert one.patch_size_ == 25
    # readout=1 is "last": one step, which the rounding cannot cut short.
    one_step = fast(LSTMRegressor, max_iter=1, readout=1).fit(X, y[:, 0])
    assert one_step.patch_size_ == 28
    many = fast(LSTMRegressor, max_iter=1, readout=16, random_crop=1.0).fit(X, y)
    assert many.patch_size_ == 25
    assert "scales=(1,)" in repr(many.net_.module_.stem)
    assert many.predict(X).shape == (4, 16)


# Patches of 32: width 7 spans 24 steps at scale 4; width 4, 24 at scale 8.
@pytest.mark.parametrize(("kernel_size", "scales"), [(7, [1, 2, 4]), (4, [1, 2, 4, 8])])
def test_a_coarse_scale_convolves_the_means_of_its_steps(kernel_size, scales):
    """Scale d: the kernel over the means of d consecutive steps, padded
    as "same", then the maximum over each patch (p / d of its steps)."""
    from torch.nn.functional import avg_pool1d, conv1d, max_pool1d, pad

    from sklearn_rnn._modules import ConvStem

    torch.manual_seed(0)
    stem = ConvStem(3, (8, 5), kernel_size, patch_size=32)
    x = torch.randn(2, 3, 96)
    maxima = stem._first_maxima(x, 32)
    total = kernel_size - 1
    convs = [stem.conv1, *stem.coarse]
    for d, conv, got in zip(scales, convs, maxima, strict=True):
        means = pad(avg_pool1d(x, d), (total // 2, total - total // 2))
        expected = max_pool1d(conv1d(means, conv.weight, conv.bias), 32 // d)
        torch.testing.assert_close(got, expected)
        assert got.shape == (2, conv.out_channels, 3)


def test_own_standardisation_is_per_sequence_over_its_observed_steps():
    """The extra channels are each sequence's z-scores over its own steps,
    per feature: the same for a sequence at any amplitude and offset, in a
    batch of different lengths, with NaN past its end."""
    from sklearn_rnn._modules import _own_standardised

    rng = np.random.RandomState(0)
    a, b = rng.normal(size=(9, 2)), rng.normal(size=(5, 2))
    x = np.full((3, 9, 2), np.nan)
    x[0], x[1, :5], x[2, :5] = a, b, 1e-4 * b + 7.0
    lengths = torch.tensor([9, 5, 5])
    out = _own_standardised(torch.tensor(x), lengths).numpy()
    z = lambda v: (v - v.mean(0)) / v.std(0)  # noqa: E731
    np.testing.assert_allclose(out[0], z(a), atol=1e-9)
    np.testing.assert_allclose(out[1, :5], z(b), atol=1e-9)
    np.testing.assert_allclose(out[2, :5], z(b), atol=1e-6)
    full = _own_standardised(torch.tensor(x[:1]), None).numpy()
    np.testing.assert_allclose(full[0], z(a), atol=1e-9)
    # A constant sequence has no shape: zeros, not a division by zero.
    flat = _own_standardised(torch.full((1, 4, 1), 3.0), None)
    assert torch.equal(flat, torch.zeros(1, 4, 1))


@pytest.mark.parametrize("value", [3.1, -2.2, 5.0, 1e3])
@pytest.mark.parametrize("length", [7, 13, 33])
def test_a_constant_sequence_is_zero_whatever_its_batch(value, length):
    """float32 rounds a constant sequence's mean by a unit in its last place;
    divided by the residue's own spread, that was an own copy of order 1,
    which also changed with the padding of the batch."""
    from sklearn_rnn._modules import _own_standardised

    constant = torch.full((1, length, 1), value, dtype=torch.float32)
    padded = torch.zeros(2, 50, 1)
    padded[0, :length], padded[1] = value, torch.randn(50, 1)
    alone = _own_standardised(constant, None)
    in_batch = _own_standardised(padded, torch.tensor([length, 50]))[:1, :length]
    assert torch.equal(alone, torch.zeros_like(alone))
    assert torch.equal(in_batch, torch.zeros_like(in_batch))


@pytest.mark.parametrize("offset", [1e3, 3e4])
def test_a_small_swing_on_a_large_offset_is_standardised_alike_in_any_batch(offset):
    """A spread of 1e-5 of the offset is a shape (above the constant's
    threshold); its own standardisation rounded the offset's mean
    differently for each padding of the batch, by up to 1e-2."""
    from sklearn_rnn._modules import _own_standardised

    t = torch.arange(300, dtype=torch.float64)
    swing = (offset + offset * 1e-5 * torch.sin(t / 7)).float()[None, :, None]
    padded = torch.zeros(2, 1000, 1)
    padded[0, :300], padded[1] = swing[0], torch.randn(1000, 1)
    alone = _own_standardised(swing, None)
    in_batch = _own_standardised(padded, torch.tensor([300, 1000]))[:1, :300]
    assert alone.abs().max() > 1  # a shape, not the constant's zeros
    np.testing.assert_allclose(in_batch, alone, atol=1e-5)


@pytest.mark.parametrize(
    "values",
    [[0.0, 1e20, -1e20, 3e19], [3e38, 3.0001e38, 2.9999e38] * 3],
    ids=["spread", "offset"],
)
def test_an_overflowing_variance_is_not_a_flat_sequence(values):
    """float32 squares of 1e20 overflow: the own copy must carry NaN (which
    predict reports), not the zeros of a division by an infinite spread."""
    from sklearn_rnn._modules import _own_standardised

    x = torch.tensor(values, dtype=torch.float32)[None, :, None]
    assert torch.isnan(_own_standardised(x, None)).all()
    padded = torch.zeros(2, 20, 1)
    padded[0, : len(values)], padded[1] = x[0], torch.randn(20, 1)
    own = _own_standardised(padded, torch.tensor([len(values), 20]))
    assert torch.isnan(own[0, : len(values)]).all()
    assert torch.isfinite(own[1]).all()


def test_a_constant_sequence_is_predicted_alike_alone_and_in_a_batch():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(rng.randint(5, 60), 1)) for _ in range(40)]
    clf = fast(LSTMClassifier, max_iter=3).fit(X, np.arange(40) % 2)
    other = rng.normal(size=(50, 1))
    for value in [3.1, 2.0, 5.0, -2.2]:
        for length in [7, 13, 33]:
            constant = np.full((length, 1), value)
            alone = clf.predict_proba([constant])
            in_batch = clf.predict_proba([constant, other])[:1]
            np.testing.assert_allclose(in_batch, alone, atol=1e-7)


@pytest.mark.parametrize("instance_norm", [True, False])
def test_instance_norm_doubles_the_inputs(instance_norm):
    X = np.random.RandomState(0).normal(size=(12, 30, 3))
    clf = fast(LSTMClassifier, max_iter=1, instance_norm=instance_norm)
    clf.fit(X, np.arange(12) % 2)
    expected = 6 if instance_norm else 3
    assert clf.net_.module_.stem.conv1.in_channels == expected


@pytest.mark.parametrize(
    ("params", "width"),
    [
        ({}, 3 * 8 + 4),  # last state, mean and max of the outputs, stem mean
        ({"readout": "last"}, 8),
        ({"conv_channels": None}, 3 * 8),  # no stem, no stem mean
        ({"conv_channels": (4, 6)}, 3 * 8 + 6),  # the second convolution's mean
    ],
)
def test_the_pooled_readout_also_reads_the_stems_mean(params, width):
    X = np.random.RandomState(0).normal(size=(12, 30, 1))
    clf = fast(LSTMClassifier, max_iter=1, **params).fit(X, np.arange(12) % 2)
    assert clf.net_.module_.head[0].in_features == width


def test_an_int_readout_reads_each_group_of_outputs_at_its_step():
    """readout=k: the outputs of the last k steps, through one shared layer,
    give k groups of outputs; a sequence's prediction stays independent of
    its batch and of its padding."""
    rng = np.random.RandomState(0)
    sequences = [rng.normal(size=(n, 2)) for n in rng.randint(4, 12, size=40)]
    y = np.stack([s[-3:, 0] for s in sequences])  # each step's own value
    reg = fast(LSTMRegressor, conv_channels=None, readout=3, patch_size=1)
    reg.set_params(max_iter=150, learning_rate_init=1e-2).fit(sequences, y)
    assert reg.net_.module_.head[-1].out_features == 1  # one output per step
    assert reg.score(sequences, y) > 0.9
    alone = np.concatenate([reg.predict([s]) for s in sequences])
    np.testing.assert_allclose(alone, reg.predict(sequences), rtol=1e-5, atol=1e-6)
    # Step j of the last 3 gives output j: a change at the last step moves
    # the last output most.
    moved = [s.copy() for s in sequences[:5]]
    for s in moved:
        s[-1, 0] += 3
    change = np.abs(reg.predict(moved) - reg.predict(sequences[:5])).mean(axis=0)
    assert change[2] > 3 * max(change[0], change[1])


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"readout": 4}, "y has 3 outputs, not a multiple of 4"),
        ({"readout": 3, "random_crop": 0.5}, "Set random_crop=1.0"),
        ({"readout": 3, "patch_size": 2}, "a sequence has 2 .after patches of 2"),
    ],
)
def test_an_int_readout_that_cannot_be_read_is_refused(params, match):
    X = np.random.RandomState(0).normal(size=(10, 4, 2))
    reg = fast(LSTMRegressor, conv_channels=None, max_iter=1, **params)
    with pytest.raises(ValueError, match=match):
        reg.fit(X, X[:, -3:, 0])
    assert not hasattr(reg, "net_")
    with pytest.raises(InvalidParameterError, match="'readout' parameter"):
        fast(LSTMClassifier, readout=2).fit(X, np.arange(10) % 2)


_BEYOND_FLOAT32 = r"Input X contains a value of magnitude "


def _bad_inputs():
    X = np.random.RandomState(0).normal(size=(10, 6, 2))
    nan_inside = X.copy()
    nan_inside[3, 2, 0] = np.nan
    partial_nan_row = X.copy()
    partial_nan_row[1, 0, 1] = np.nan  # first row, but not all features NaN
    inf = X.copy()
    inf[2, 5, 1] = np.inf
    all_nan = X.copy()
    all_nan[4] = np.nan
    nan_2d = X[:, :, 0].copy()
    nan_2d[0, 0] = np.nan
    return [
        (nan_inside, "NaN inside the observed part of sequence 3"),
        (partial_nan_row, "NaN inside the observed part of sequence 1"),
        (inf, r"infinity \(sequence 2, timestep 5\). Replace or clip"),
        (inf[:, :, 1], r"infinity \(sequence 2, timestep 5\). Replace or clip"),
        ([X[0], inf[2]], r"Sequence 1 of X contains infinity \(timestep 5\). Replace"),
        (all_nan, "Sequence 4 of X contains only NaN"),
        (nan_2d, r"contains NaN \(sequence 0, timestep 0\). In a 2-D array"),
        (X[0, :, 0], "got a 1-D array.*Reshape your data"),
        (X[None], "got a 4-D array"),
        (X[:0], "0 sample"),
        (X[:0, :, 0], "0 sample"),
        (X[:, :0], "0 timestep"),
        (X[:, :, :0], "0 feature"),
        (X[:, :0, 0], r"0 timestep\(s\) \(shape=\(10, 0\)\)"),
        (X * 1e39, _BEYOND_FLOAT32 + r"1.76e\+39 \(sequence 0, timestep 0\)"),
        (X[:, :, 0] * 1e39, _BEYOND_FLOAT32),
        ([X[0, :4], X[1] * 1e39], _BEYOND_FLOAT32 + r".* \(sequence 1, timestep 0\)"),
        ([X[0], X[1, :3, :1]], "same number of features"),
        ([X[0], X[1, :0]], "at least one timestep"),
        (sp.csr_matrix(X[:, :, 0]), "Sparse data"),
        (X.astype(complex), "Complex data not supported"),
        (np.array([["a"] * 6] * 10), "could not convert"),
        (None, "got None"),
    ]


@pytest.mark.parametrize(("X", "match"), _bad_inputs())
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_X_is_rejected_and_nothing_is_fitted(Estimator, X, match):
    est = fast(Estimator)
    y = np.arange(10) % 2
    with pytest.raises((ValueError, TypeError), match=match):
        est.fit(X, y)
    assert not hasattr(est, "net_")
    assert not hasattr(est, "n_features_in_")


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_X_at_predict(Estimator):
    X, _ = make_data()
    with pytest.raises(NotFittedError):
        fast(Estimator).predict(X)
    est = fast(Estimator).fit(X, targets_for(Estimator, X))
    with pytest.raises(
        ValueError, match=r"X has 3 features per timestep.* expecting 2"
    ):
        est.predict(np.concatenate([X, X[:, :, :1]], axis=2))
    bad = X.copy()
    bad[0, 3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN inside the observed part"):
        est.predict(bad)
    huge = X.copy()
    huge[1, 2, 0] = -1e39  # finite in float64, infinite in float32
    with pytest.raises(ValueError, match=r"range of float32, \[-3.403e\+38"):
        est.predict(huge)


def test_values_beyond_float32_are_found_in_chunks_and_beside_padding(monkeypatch):
    monkeypatch.setattr("sklearn_rnn._validation._CHUNK_ELEMENTS", 50)
    X, _ = make_data(n=30, m=6, p=2)
    X[25, :2] = np.nan  # padding, in a chunk that is scanned
    check_sequences(X)
    X[25, 4, 1] = 1e300
    with pytest.raises(ValueError, match=r"1e\+300 \(sequence 25, timestep 4\)"):
        check_sequences(X)
    X[25, 4, 1] = 3e38  # within the range of float32
    assert check_sequences(X).lengths[25] == 4


@pytest.mark.parametrize(
    ("Estimator", "y", "match"),
    [
        (LSTMClassifier, np.zeros(10), "only one class"),
        (LSTMClassifier, np.linspace(0, 1, 10), "Unknown label type"),
        (LSTMClassifier, np.r_[np.nan, np.arange(9) % 2], "Input y contains NaN"),
        (LSTMRegressor, np.r_[np.nan, np.arange(9.0)], "Input y contains NaN"),
        (LSTMRegressor, np.r_[np.inf, np.arange(9.0)], "Input y contains infinity"),
        (LSTMClassifier, np.arange(9) % 2, "y has 9 targets, but X has 10 seq"),
        (LSTMRegressor, np.arange(11.0), "inconsistent numbers of samples"),
        (LSTMRegressor, np.zeros((10, 2, 2)), "Found array with dim 3"),
        (LSTMRegressor, None, "requires y to be passed"),
    ],
)
def test_bad_y_is_rejected_and_nothing_is_fitted(Estimator, y, match):
    X, _ = make_data(n=10)
    est = fast(Estimator)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    assert not hasattr(est, "net_")


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"cell": "transformer"}, InvalidParameterError, "'cell' parameter"),
        ({"device": "tpu"}, InvalidParameterError, "'device' parameter"),
        ({"hidden_size": 0}, InvalidParameterError, "'hidden_size' parameter"),
        ({"dropout": 1.5}, InvalidParameterError, "'dropout' parameter"),
        ({"conv_channels": 0}, InvalidParameterError, "'conv_channels'"),
        ({"conv_channels": (8,)}, InvalidParameterError, "tuple of two ints"),
        ({"conv_channels": (8, 0)}, InvalidParameterError, "tuple of two ints"),
        ({"conv_channels": (8, 2.5)}, InvalidParameterError, "tuple of two ints"),
        ({"conv_channels": (True, 8)}, InvalidParameterError, "tuple of two ints"),
        ({"conv_channels": [8, 8]}, InvalidParameterError, "'conv_channels'"),
        ({"kernel_size": 0}, InvalidParameterError, "'kernel_size' parameter"),
        ({"readout": "mean"}, InvalidParameterError, "'readout' parameter"),
        ({"instance_norm": "yes"}, InvalidParameterError, "'instance_norm'"),
        ({"label_smoothing": 1.0}, InvalidParameterError, "'label_smoothing'"),
        ({"early_stopping": "yes"}, InvalidParameterError, "'early_stopping'"),
        ({"class_weight": "even"}, InvalidParameterError, "'class_weight'"),
        ({"class_weight": {7: 2.0}}, ValueError, r"labels \[7\] that are not"),
    ],
)
def test_bad_parameters_are_rejected(params, error, match):
    X, y = make_data(n=10)
    clf = fast(LSTMClassifier, **params)
    with pytest.raises(error, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


def test_accelerator_requested_but_absent(monkeypatch):
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    X, y = make_data(n=10)
    with pytest.raises(ValueError, match="CUDA is not available"):
        fast(LSTMClassifier, device="cuda").fit(X, y)
    with pytest.raises(ValueError, match="CUDA is not available"):
        fast(LSTMClassifier, device="cuda:1").fit(X, y)
    assert fast(LSTMClassifier, device="auto").fit(X, y).net_.device == "cpu"
    monkeypatch.setattr("torch.backends.mps.is_available", lambda: False)
    with pytest.raises(ValueError, match="MPS is not available"):
        fast(LSTMClassifier, device="mps").fit(X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_large_inputs_are_scanned_in_chunks(Estimator, monkeypatch):
    """Validation reads big arrays chunk by chunk and still finds bad values."""
    monkeypatch.setattr("sklearn_rnn._validation._CHUNK_ELEMENTS", 50)
    X, _ = make_data(n=30, m=6, p=2)
    X[25, :2] = np.nan  # padding in a later chunk
    est = fast(Estimator).fit(X, np.arange(30) % 2)
    np.testing.assert_allclose(outputs(est, X[25:26]), outputs(est, [X[25, 2:]]))
    X[27, 3, 0] = np.nan
    with pytest.raises(ValueError, match="sequence 27"):
        est.predict(X)


def test_column_names_survive_save_and_load(tmp_path):
    pytest.importorskip("safetensors")
    import sklearn_rnn

    X, y = make_data(m=8, p=1)
    frame = pd.DataFrame(X[:, :, 0], columns=[f"t{i}" for i in range(8)])
    clf = fast(LSTMClassifier, max_iter=1).fit(frame, y)
    loaded = sklearn_rnn.load(clf.save(tmp_path / "clf.safetensors"))
    with pytest.raises(ValueError, match="same order as they were in fit"):
        loaded.predict(frame[frame.columns[::-1]])
    multiindex, *_ = panel_frames(X, ["level"])
    clf = fast(LSTMClassifier, max_iter=1).fit(multiindex, y)
    loaded = sklearn_rnn.load(clf.save(tmp_path / "panel.safetensors"))
    assert loaded.feature_names_in_.tolist() == ["level"]
