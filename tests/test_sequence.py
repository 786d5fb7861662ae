"""LSTMTagger (one label per timestep) and LSTMTranscriber (CTC)."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import training_result
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.validation import check_is_fitted

from sklearn_rnn import LSTMTagger, LSTMTranscriber
from sklearn_rnn._sequence import _edit_distance, _greedy

LEVEL = {"a": 1.0, "b": -1.0}


def tagger(**params):
    defaults = dict(
        hidden_size=8, max_iter=5, learning_rate_init=0.05, random_state=0, device="cpu"
    )
    return LSTMTagger(**{**defaults, **params})


def transcriber(**params):
    defaults = dict(
        hidden_size=8, max_iter=5, learning_rate_init=0.05, random_state=0, device="cpu"
    )
    return LSTMTranscriber(**{**defaults, **params})


def tagging_data(n=40, m=12, seed=0):
    """Label of a step: whether feature 0 is positive there."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, m, 2))
    return X, np.where(X[:, :, 0] > 0, "up", "down")


def ragged_tagging_data(n=30, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(rng.randint(4, 15), 2)) for _ in range(n)]
    return X, [np.where(x[:, 0] > 0, 1, 0) for x in X]


def words_data(n=60, seed=0):
    """Each label is a burst of 4 steps at its own level, then 2 quiet steps."""
    rng = np.random.RandomState(seed)
    words = ["".join(rng.choice(list("ab"), size=rng.randint(1, 4))) for _ in range(n)]
    X = [
        np.concatenate([[LEVEL[c]] * 4 + [0.0] * 2 for c in w])
        + 0.1 * rng.normal(size=6 * len(w))
        for w in words
    ]
    return X, words


# -- tagger: data forms and outputs ---------------------------------------------


def test_tagger_array_in_array_out():
    X, y = tagging_data()
    est = tagger().fit(X, y)
    assert est.predict(X).shape == y.shape
    assert set(np.unique(est.predict(X))) <= {"down", "up"}
    proba = est.predict_proba(X)
    assert proba.shape == (*y.shape, 2)
    np.testing.assert_allclose(proba.sum(axis=2), 1.0)
    assert est.classes_.tolist() == ["down", "up"]


def test_tagger_list_in_list_out():
    X, y = ragged_tagging_data()
    est = tagger().fit(X, y)
    pred = est.predict(X)
    assert isinstance(pred, list)
    assert [len(p) for p in pred] == [len(x) for x in X]
    proba = est.predict_proba(X)
    assert [p.shape for p in proba] == [(len(x), 2) for x in X]


def test_tagger_univariate_2d():
    X, y = tagging_data()
    est = tagger().fit(X[:, :, 0], y)
    assert est.n_features_in_ == 1
    assert est.predict(X[:, :, 0]).shape == y.shape


def test_tagger_padding_labels_are_ignored():
    """NaN-padded steps of X: their labels never count, in fit or score."""
    X, y = tagging_data()
    X = X.copy()
    X[::2, -4:] = np.nan  # padding at the end
    X[1::4, :2] = np.nan  # padding at the start
    y_other = y.copy()
    y_other[::2, -4:] = "up"
    y_other[1::4, :2] = "down"
    a = tagger().fit(X, y)
    b = tagger().fit(X, y_other)
    for pa, pb in zip(a.predict(X), b.predict(X), strict=True):
        np.testing.assert_array_equal(pa, pb)
    assert a.score(X, y) == a.score(X, y_other)
    # Padding at the start: the labels of the observed steps line up.
    pred = a.predict(X)
    assert isinstance(pred, list)
    assert len(pred[1]) == X.shape[1] - 2
    assert len(pred[0]) == X.shape[1] - 4


def test_tagger_score_is_accuracy_over_observed_steps():
    X, y = ragged_tagging_data()
    est = tagger().fit(X, y)
    pred = np.concatenate(est.predict(X))
    assert est.score(X, y) == pytest.approx(np.mean(pred == np.concatenate(y)))


def test_tagger_prediction_does_not_depend_on_batch():
    X, y = ragged_tagging_data()
    est = tagger().fit(X, y)
    alone = est.predict_proba(X[3:4])[0]
    np.testing.assert_allclose(est.predict_proba(X)[3], alone, atol=1e-5)


@pytest.mark.parametrize("patch_size", [3, 5])
def test_tagger_patches_keep_one_output_per_step(patch_size):
    X, y = ragged_tagging_data()
    est = tagger(patch_size=patch_size).fit(X, y)
    assert est.patch_size_ == patch_size
    assert [len(p) for p in est.predict(X)] == [len(x) for x in X]


@pytest.mark.parametrize("bidirectional", [False, True])
def test_causal_tagger_ignores_the_future(bidirectional):
    X, y = tagging_data()
    est = tagger(bidirectional=bidirectional).fit(X, y)
    changed = X[:5].copy()
    changed[:, 8:] += 3.0
    before = est.predict_proba(X[:5])[:, :8]
    after = est.predict_proba(changed)[:, :8]
    if bidirectional:
        assert np.abs(before - after).max() > 1e-3
    else:
        np.testing.assert_allclose(before, after, atol=1e-6)


def test_tagger_learns():
    X, y = tagging_data(n=80)
    est = tagger(max_iter=30, hidden_size=16)
    assert est.fit(X, y).score(X, y) > 0.95


# -- transcriber -------------------------------------------------------------


def test_greedy_decoding_merges_repeats_and_drops_blanks():
    np.testing.assert_array_equal(_greedy([0, 1, 1, 0, 1, 2, 2, 0, 0]), [1, 1, 2])
    assert len(_greedy([0, 0, 0])) == 0


def test_edit_distance():
    assert _edit_distance([1, 2, 3], [1, 2, 3]) == 0
    assert _edit_distance([1, 3], [1, 2, 3]) == 1
    assert _edit_distance([], [1, 2]) == 2
    assert _edit_distance([2, 1], [1, 2]) == 2


def test_transcriber_predicts_label_sequences():
    X, words = words_data()
    est = transcriber(hidden_size=16, max_iter=10).fit(X, words)
    pred = est.predict(X)
    assert isinstance(pred, list)
    assert len(pred) == len(X)
    assert all(set(p) <= {"a", "b"} for p in pred)
    assert est.classes_.tolist() == ["a", "b"]
    assert est.score(X, words) > 0.9


def test_transcriber_score_is_one_minus_label_error_rate():
    X, words = words_data()
    est = transcriber().fit(X, words)
    pred = est.predict(X)
    code = {"a": 1, "b": 2}
    edits = sum(
        _edit_distance([code[c] for c in p], [code[c] for c in w])
        for p, w in zip(pred, words, strict=True)
    )
    total = sum(len(w) for w in words)
    assert est.score(X, words) == pytest.approx(1 - edits / total)


def test_transcriber_takes_2d_arrays_and_series_of_label_sequences():
    import pandas as pd

    X, words = words_data()
    fitted = transcriber().fit(X, words)
    same = np.array([list(w.ljust(3, "a")) for w in words])  # (n, 3) labels
    assert transcriber().fit(X, list(same)).score(X, same) == transcriber().fit(
        X, same
    ).score(X, list(same))
    assert fitted.score(X, pd.Series(words)) == fitted.score(X, words)


def test_transcriber_any_hashable_labels():
    X, words = words_data()
    y = [[("tuple", c) if c == "a" else 7 for c in w] for w in words]
    est = transcriber().fit(X, y)
    assert len(est.classes_) == 2
    assert all(
        label in (7, ("tuple", "a")) for p in est.predict(X) for label in p.tolist()
    )


def test_transcriber_empty_label_sequence_is_valid():
    X, words = words_data()
    X = X + [0.1 * np.random.RandomState(1).normal(size=12) for _ in range(10)]
    words = words + [""] * 10
    est = transcriber().fit(X, words)
    assert np.isfinite(est.loss_curve_).all()
    assert isinstance(est.score(X, words), float)


@pytest.mark.parametrize("nan", [float("nan"), np.nan, np.float32("nan"), None, pd.NA])
def test_transcriber_missing_label_is_an_error(nan):
    """Padding of label sequences would become a class of its own."""
    X, words = words_data(n=8)
    y = [list(w) for w in words]
    y[3] = [*y[3], nan]
    with pytest.raises(ValueError, match=r"y\[3\] holds .* at position .* missing"):
        transcriber().fit(X, y)


@pytest.mark.parametrize("dtype", ["Int64", "string", object])
def test_transcriber_refuses_a_frame_padded_with_missing_values(dtype):
    # Ragged label sequences padded into a frame: pd.NA (or None) was
    # learned as a label, and counted in the input-length check.
    X, _ = words_data(n=3)
    rows = [[1, 2, None], [2, None, None], [1, 1, 2]]
    y = pd.DataFrame(rows).astype(dtype)
    with pytest.raises(ValueError, match=r"y\[0\] holds (<NA>|None|NaN) at position 2"):
        transcriber().fit(X, y)


@pytest.mark.parametrize("layout", ["list of objects", "float array", "padded X"])
def test_tagger_nan_label_is_an_error(layout):
    """NaN among the labels of observed timesteps, named by its place in y;
    at X's padding steps labels are ignored, NaN or not."""
    X, y = tagging_data(n=12, m=8)
    y = (y == "up").astype(float)
    if layout == "list of objects":
        y = [np.array(["up" if v else "down" for v in row], dtype=object) for row in y]
        y[3][1] = np.nan
        match = r"y\[3\]\[1\] is NaN, where sequence 3 of X is observed"
    else:
        X[3, :2] = np.nan  # leading padding: y[3, 2] is the first label read
        y[3, 6] = np.nan
        match = r"y\[3, 6\] is NaN, where sequence 3 of X is observed"
    if layout == "padded X":
        X[3, 6:] = np.nan
        tagger(max_iter=1).fit(X, y)  # the NaN label is at padding
        return
    with pytest.raises(ValueError, match=match):
        tagger().fit(X, y)


def test_tagger_missing_labels_of_a_frame_are_named_or_ignored_at_padding():
    X, y = tagging_data(n=12, m=8)
    X[0, 6:] = np.nan
    y = pd.DataFrame(y).astype("string")
    y.iloc[0, 7] = pd.NA  # padding: ignored
    tagger(max_iter=1).fit(X, y)
    y.iloc[2, 3] = pd.NA
    with pytest.raises(ValueError, match=r"y\[2, 3\] is <NA>, where sequence 2"):
        tagger(max_iter=1).fit(X, y)


def _object_rows(y):
    rows = np.empty(y.shape, dtype=object)
    rows[:] = (y == "up").astype(int)
    return rows


@pytest.mark.parametrize(
    "form",
    [
        lambda y: _object_rows(y),
        lambda y: pd.DataFrame(_object_rows(y)),
        lambda y: pd.DataFrame((y == "up").astype(int)).astype("category"),
        lambda y: [row[:6] if i == 0 else row for i, row in enumerate(_object_rows(y))],
    ],
)
def test_tagger_integer_labels_in_objects_are_integers(form):
    # Object arrays of numbers (an object y padded with None, a categorical
    # frame) gave scikit-learn's "Unknown label type: unknown".
    X, y = tagging_data(n=12, m=8)
    X[0, 6:] = np.nan
    labels = form(y)
    if isinstance(labels, np.ndarray):
        labels[0, 6:] = None  # at padding: ignored
    model = tagger(max_iter=1).fit(X, labels)
    assert model.classes_.tolist() == [0, 1]
    assert model.classes_.dtype.kind == "i"


def test_transcriber_warm_start_names_the_new_labels_and_the_remedy():
    X, words = words_data(n=12)
    model = transcriber(max_iter=1, warm_start=True).fit(X, words)
    new = [w.replace(words[0][0], "z") for w in words]
    with pytest.raises(ValueError, match=r"\['z'\] never seen.*warm_start=True needs"):
        model.fit(X, new)


def test_transcriber_all_empty_is_an_error():
    X, _ = words_data(n=10)
    with pytest.raises(ValueError, match="Every label sequence in y is empty"):
        transcriber().fit(X, [[]] * 10)


@pytest.mark.parametrize(
    ("label", "needed", "repeats"), [("aab", 4, 1), ("abab", 4, 0), ("aaa", 5, 2)]
)
def test_transcriber_input_too_short(label, needed, repeats):
    X, words = words_data(n=10)
    X[3] = X[3][:3]
    words[3] = label
    with pytest.raises(ValueError, match="too short") as info:
        transcriber().fit(X, words)
    message = str(info.value)
    assert "Sequence 3 of X has 3 timesteps" in message
    assert f"length {len(label)}" in message
    assert f"at least {needed} steps" in message
    assert f"{repeats} pair(s)" in message


def test_transcriber_input_too_short_after_patching():
    X, words = words_data(n=10)
    X[2] = X[2][:8]
    words[2] = "abab"
    with pytest.raises(ValueError, match=r"has 8 timesteps \(2 after patch_size=4\)"):
        transcriber(patch_size=4).fit(X, words)
    # "auto" reduces the patch until every sequence fits.
    est = transcriber(patch_size="auto").fit(X, words)
    assert -(-8 // est.patch_size_) >= 4


def test_transcriber_patches_shorten_the_output():
    X, words = words_data()
    est = transcriber(patch_size=2).fit(X, words)
    assert est.patch_size_ == 2
    assert all(
        len(p) <= -(-len(x) // 2) for p, x in zip(est.predict(X), X, strict=True)
    )


# -- bad input: clear errors, nothing half-fitted -----------------------------


def _bad_tagger_targets():
    X, y = ragged_tagging_data(n=10)
    wrong = list(y)
    wrong[4] = wrong[4][:-1]
    return X, wrong


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda: (tagging_data()[0], tagging_data()[1][:, :-1]),
            r"y has shape \(40, 11\) but LSTMTagger needs one label per timestep",
        ),
        (_bad_tagger_targets, r"y\[4\] has shape \(\d+,\) but sequence 4 of X has"),
        (
            lambda: (tagging_data()[0], tagging_data()[1][:, 0]),
            "For one label per sequence use LSTMClassifier",
        ),
        (
            lambda: (tagging_data()[0], list(tagging_data()[1][:-1])),
            "y has 39 label sequences but X has 40 sequences",
        ),
        (
            lambda: (tagging_data()[0], np.full((40, 12), "a")),
            "at least 2 classes",
        ),
    ],
)
def test_tagger_bad_targets(make, match):
    X, y = make()
    est = tagger()
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)


@pytest.mark.parametrize(
    ("y", "match"),
    [
        (["ab"] * 59, "y has 59 label sequences but X has 60"),
        (np.arange(60), r"y\[0\] is .*not a label sequence"),
        ("ab" * 30, "y must be a list of label sequences"),
    ],
)
def test_transcriber_bad_targets(y, match):
    X, _ = words_data()
    est = transcriber()
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)


@pytest.mark.parametrize("make", [tagger, transcriber])
def test_nan_inside_a_sequence(make):
    if make is tagger:
        X, y = tagging_data()
        X = X.copy()
    else:
        X, y = words_data()
        X = np.stack([np.resize(x, 18) for x in X])[:, :, None]
    X[5, 6, 0] = np.nan
    est = make()
    with pytest.raises(ValueError, match="NaN inside the observed part of sequence 5"):
        est.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)


def test_a_label_never_seen_in_training_scores_as_an_error():
    """As accuracy_score counts it: a fold of a cross-validation may hold a
    rare label, and an error would make its score NaN."""
    X, y = tagging_data()
    est = tagger().fit(X, y)
    y_new = y.astype(object)
    right = est.predict(X)[0, 0] == y[0, 0]
    y_new[0, 0] = "sideways"
    assert est.score(X, y_new) == est.score(X, y) - right / y.size
    X, words = words_data()
    est = transcriber().fit(X, words)
    # Only unseen labels: every predicted label is a substitution or an
    # insertion, every other reference label a deletion.
    unseen = ["z" * len(w) for w in words]
    edits = sum(max(len(p), len(w)) for p, w in zip(est.predict(X), words, strict=True))
    expected = 1 - edits / sum(len(w) for w in words)
    assert est.score(X, unseen) == pytest.approx(expected)


def test_a_string_of_labels_is_one_label_and_the_error_says_so():
    X, _ = tagging_data(n=2, m=6)
    with pytest.raises(ValueError, match=r"a string is one label: list\(y\[i\]\)"):
        tagger().fit(X, ["abcabc", "abcabd"])
    tagger(max_iter=1).fit(X, [list("abcabc"), list("abcabd")])


def test_a_nan_or_a_number_among_listed_string_labels_is_refused():
    """NumPy made them the strings 'nan' and '0': classes of their own."""
    X, y = ragged_tagging_data(n=4)
    words = [np.where(labels == 1, "up", "down").tolist() for labels in y]
    for odd, message in [(np.nan, r"y\[0\]\[1\] is NaN"), (0, "Mix of label")]:
        bad = [list(w) for w in words]
        bad[0][1] = odd
        with pytest.raises(ValueError, match=message):
            tagger().fit(X, bad)
    assert tagger(max_iter=1).fit(X, words).classes_.dtype.kind == "U"


def test_transcriber_label_sequences_may_be_pandas_arrays_or_tensors():
    X, words = words_data(n=10)
    for convert in (pd.Categorical, pd.array):
        est = transcriber(max_iter=1).fit(X, [convert(list(w)) for w in words])
        assert est.classes_.tolist() == ["a", "b"]
    codes = [torch.tensor([ord(c) for c in w]) for w in words]
    assert transcriber(max_iter=1).fit(X, codes).classes_.tolist() == [97, 98]


def test_a_rare_label_of_the_other_kind_scores_as_an_error():
    """A transcriber's classes may mix strings and numbers; a fold holding
    a rare label of a kind its training lacked still gets a score."""
    X, words = words_data()
    est = transcriber(max_iter=1).fit(X, [list(w) for w in words])
    refs = [list(w) for w in words]
    refs[0] = [*refs[0], 0]
    assert np.isfinite(est.score(X, refs))


def test_labels_of_another_type_than_the_classes_are_an_error():
    """As accuracy_score refuses them: every step would count as an error,
    a score of 0 that a search would rank silently."""
    X, y = ragged_tagging_data()
    est = tagger().fit(X, y)
    with pytest.raises(ValueError, match=r"y holds strings, but none of the classes_"):
        est.score(X, [labels.astype(str) for labels in y])
    X, words = words_data()
    est = transcriber().fit(X, [[ord(c) for c in w] for w in words])
    with pytest.raises(ValueError, match=r"y holds strings, but none of the classes_"):
        est.score(X, words)
    # Labels of both kinds, or tuples, as fit accepts them, still score.
    for labels in ([[1, "sil"], ["sil", 1, 2]], [[("p", 1)], [("q", 2), ("p", 1)]]):
        labels = labels * (len(X) // 2)
        score = transcriber(max_iter=1).fit(X, labels).score(X, labels)
        assert np.isfinite(score)


def test_too_short_under_warm_start_says_the_patch_is_kept():
    """The remedy for sequences too short for their labels is not a smaller
    patch_size when warm_start keeps the first fit's patch."""
    X, words = words_data()
    est = transcriber(patch_size=2).fit(X, words)
    X[0] = X[0][:4]  # 2 patches of 2 steps
    words[0] = "aba"
    with pytest.raises(ValueError, match="warm_start=True keeps the patch_size"):
        est.set_params(warm_start=True).fit(X, words)


def test_failed_refit_keeps_the_previous_model():
    X, words = words_data()
    est = transcriber().fit(X, words)
    before = est.predict(X)
    X[0] = X[0][:1]
    words[0] = "ab"
    with pytest.raises(ValueError, match="too short"):
        est.fit(X, words)
    for p, q in zip(before, est.predict(words_data()[0]), strict=True):
        np.testing.assert_array_equal(p, q)


# -- shared training semantics and sklearn tools ---------------------------------


def _data(make):
    return tagging_data() if make is tagger else words_data()


@pytest.mark.parametrize("make", [tagger, transcriber])
def test_pickle_clone_and_reproducible(make):
    X, y = _data(make)
    est = make().fit(X, y)
    params = est.get_params()
    restored = pickle.loads(pickle.dumps(est))
    assert est.get_params() == params  # fit changes no parameter
    again = clone(est).fit(X, y)
    for a, b, c in zip(
        est.predict(X), restored.predict(X), again.predict(X), strict=True
    ):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert again.loss_curve_ == est.loss_curve_


@pytest.mark.parametrize("make", [tagger, transcriber])
def test_early_stopping_and_warm_start(make):
    X, y = _data(make)
    est = make(early_stopping=True, max_iter=3).fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_
    assert all(s <= 1.0 for s in est.validation_scores_)
    est.set_params(warm_start=True, early_stopping=False)
    first = est.loss_curve_[-1]
    est.fit(X, y)
    # Continuing from trained weights starts below a fresh start's loss.
    assert est.loss_curve_[0] < make(max_iter=1).fit(X, y).loss_curve_[0]
    assert np.isfinite(first)


@pytest.mark.parametrize("make", [tagger, transcriber])
def test_pipeline_grid_search_cross_val(make):
    X, y = _data(make)
    pipe = make_pipeline(FunctionTransformer(), make(max_iter=2))
    scores = cross_val_score(pipe, X, y, cv=KFold(3))
    assert scores.shape == (3,)
    assert np.all(scores <= 1)
    search = GridSearchCV(make(max_iter=2), {"hidden_size": [4, 8]}, cv=KFold(2))
    search.fit(X, y)
    assert search.best_params_["hidden_size"] in (4, 8)
    assert search.score(X, y) == search.best_estimator_.score(X, y)


@pytest.mark.parametrize("make", [tagger, transcriber])
def test_fitted_n_outputs_and_interrupted(make):
    X, y = _data(make)
    est = make(max_iter=2).fit(X, y)
    blank = 1 if make is transcriber else 0  # CTC's blank is an output
    assert est.n_outputs_ == len(est.classes_) + blank
    assert est.interrupted_ is False


@pytest.mark.parametrize("make", [tagger, transcriber])
def test_a_loss_no_lower_than_the_first_epochs_warns_without_a_constant_baseline(
    make,
):
    """No constant prediction is a baseline for sequence outputs: the warning
    compares with the first epoch only, and says nothing of a constant.

    The training result is written here rather than trained: with a learning
    rate far too high the loss oscillates, and whether the last epoch ends
    above the first is rounding that differs between CPUs and torch builds
    (for the transcriber at learning_rate_init=10, 1 seed in 4 here).
    """
    from sklearn.exceptions import ConvergenceWarning

    model = make(max_iter=10, learning_rate_init=10.0)
    _, y = _data(make)
    assert model._constant_output(y, 2) is None
    result = training_result([26.4, 79.9, 49.2, 33.7])
    with pytest.warns(ConvergenceWarning, match="did not learn") as caught:
        model._warn_if_not_converged(result, baseline=None, early=False)
    (message,) = [str(w.message) for w in caught]
    assert "33.7, no lower than after its first epoch (26.4): the" in message
    assert "constant prediction" not in message
    assert "learning_rate_init (currently 10)" in message


@pytest.mark.parametrize("make", [tagger, transcriber])
def test_max_iter_warning_points_at_the_callers_line(make):
    """The sequence estimators' fit overrides the base class's (for its
    docstring): the warning must still skip the library's frames."""
    from sklearn.exceptions import ConvergenceWarning

    X, y = _data(make)
    with pytest.warns(ConvergenceWarning, match="max_iter=1") as caught:
        make(max_iter=1, early_stopping=False).fit(X, y)
    assert {w.filename for w in caught} == {__file__}


@pytest.mark.parametrize(
    ("make", "data", "column"),
    [
        (tagger, tagging_data, "valid_step_acc"),
        (transcriber, words_data, "valid_1-ler"),
    ],
)
def test_verbose_table_names_the_validation_score(capsys, make, data, column):
    X, y = data()
    est = make(max_iter=2, early_stopping=True, validation_fraction=0.25, verbose=1)
    est.fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split()
    assert column in header
    at = header.index(column)
    printed = [float(line.split()[at]) for line in lines[2:4]]
    np.testing.assert_allclose(est.validation_scores_, printed, atol=1e-4)


# -- label containers -------------------------------------------------------------


def test_tagger_refuses_an_array_of_labels_for_a_list_of_different_lengths():
    """The list gives no padding: the rows of a 2-D y would be read from their
    start, whatever side the user padded them on."""
    X, y = ragged_tagging_data()
    width = max(len(x) for x in X)
    padded = np.array([np.r_[np.full(width - len(yi), -1), yi] for yi in y])
    with pytest.raises(ValueError, match="Give y as a list too"):
        tagger().fit(X, padded)
    fitted = tagger().fit(X, y)
    with pytest.raises(ValueError, match="Give y as a list too"):
        fitted.score(X, padded)


def test_tagger_takes_a_column_of_label_arrays():
    X, y = ragged_tagging_data()
    column = pd.Series(y)  # what a DataFrame column of label arrays holds
    reference = tagger().fit(X, y)
    for given in (column, column.to_numpy()):
        est = tagger().fit(X, given)
        assert est.loss_curve_ == reference.loss_curve_
        assert est.score(X, given) == reference.score(X, y)


def test_transcriber_takes_a_tensor_or_frame_of_label_sequences():
    """As the tagger and the classifier take tensors: rows of equal length."""
    X, words = words_data()
    same = np.array([list(w.ljust(3, "a")) for w in words])
    codes = np.searchsorted(["a", "b"], same)
    reference = transcriber().fit(X, codes).loss_curve_
    assert transcriber().fit(X, torch.from_numpy(codes)).loss_curve_ == reference
    assert transcriber().fit(X, pd.DataFrame(codes)).loss_curve_ == reference


def test_transcriber_takes_series_as_label_sequences():
    X, words = words_data()
    as_lists = [list(w) for w in words]
    as_series = [pd.Series(w) for w in as_lists]
    assert transcriber().fit(X, as_series).loss_curve_ == (
        transcriber().fit(X, as_lists).loss_curve_
    )


def test_transcriber_score_names_an_unhashable_label():
    X, words = words_data(n=8)
    fitted = transcriber(max_iter=1).fit(X, words)
    unhashable = [[["a"]]] * len(X)
    for method in (fitted.score, transcriber().fit):
        with pytest.raises(TypeError, match=r"y\[0\] holds \['a'\]"):
            method(X, unhashable)
    # A tuple is hashable only if what it holds is.
    with pytest.raises(TypeError, match=r"y\[0\] holds \('a', \['x'\]\)"):
        transcriber().fit(X, [[("a", ["x"])]] + [["b"]] * (len(X) - 1))


def test_tagger_takes_a_frame_of_nullable_integer_labels():
    """np.asarray of an Int64 frame is an array of objects, which the label
    checks called "unknown"; pd.NA at padding steps is padding."""
    X, y = tagging_data(n=12, m=8)
    codes = (y == "up").astype(int)
    reference = tagger().fit(X, codes)
    nullable = tagger().fit(X, pd.DataFrame(codes).astype("Int64"))
    assert nullable.classes_.tolist() == [0, 1]
    assert nullable.loss_curve_ == reference.loss_curve_
    padded_X = X.copy()
    padded_X[0, :3] = np.nan
    labels = pd.DataFrame(codes).astype("Int64")
    labels.iloc[0, :3] = pd.NA
    assert tagger().fit(padded_X, labels).classes_.tolist() == [0, 1]


@pytest.mark.parametrize(("dtype", "values"), [("Int64", [3, 7]), ("boolean", [0, 1])])
def test_tagger_keeps_nullable_labels_types_with_na_at_padding(dtype, values):
    """pd.NA at padding steps does not turn integer or boolean labels into
    floats: classes_ and predictions keep the labels' type."""
    X, y = tagging_data(n=12, m=8)
    X[0, :3] = np.nan
    labels = pd.DataFrame(np.where(y == "up", values[1], values[0])).astype(dtype)
    labels.iloc[0, :3] = pd.NA
    est = tagger().fit(X, labels)
    expected = np.array(values, dtype=labels.dtypes[0].numpy_dtype)
    np.testing.assert_array_equal(est.classes_, expected)
    assert est.classes_.dtype == expected.dtype
    assert all(p.dtype == expected.dtype for p in est.predict(X))


def test_tagger_refuses_labels_mixing_strings_and_numbers():
    """np.concatenate would turn 0 into "0": the error scikit-learn's
    classifiers give, for a list and for a 2-D array of objects."""
    X, y = tagging_data(n=12, m=8)
    numbers = (y == "up").astype(int)
    mixed = [numbers[i] if i % 2 else y[i] for i in range(len(y))]
    with pytest.raises(ValueError, match="Mix of label input types"):
        tagger().fit(X, mixed)
    with pytest.raises(ValueError, match="Mix of label input types"):
        tagger().fit(X, np.array(mixed, dtype=object))


def test_per_step_outputs_of_ragged_passes_keep_the_order_of_X(monkeypatch):
    rng = np.random.RandomState(1)
    X = [rng.normal(size=(m, 2)) for m in rng.randint(2, 30, size=25)]
    y = [(x[:, 0] > 0).astype(int) for x in X]
    model = tagger(max_iter=2).fit(X, y)
    whole = model.predict_proba(X)
    monkeypatch.setattr("sklearn_rnn._base._PREDICT_STEPS", 50)
    passes = model.predict_proba(X)
    assert [len(p) for p in passes] == [len(x) for x in X]
    for a, b in zip(passes, whole, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_labels_per_row_of_a_panel_name_the_grouping_for_a_tagger():
    """A tagger given one label per row of a panel was told to pass
    X.to_numpy() (one-step sequences): its remedy groups y by instance."""
    lengths = {"c": 3, "a": 5, "b": 4}  # not sorted: the order of X's instances
    index = pd.MultiIndex.from_tuples(
        [(i, t) for i, n in lengths.items() for t in range(n)]
    )
    X = pd.DataFrame({"f": np.random.RandomState(0).normal(size=12)}, index=index)
    y = pd.Series(np.arange(12) % 2, index=index)
    for given in (y, y.to_frame("label")):
        with pytest.raises(ValueError, match=r"one per row of X.*groupby\(level=0"):
            tagger().fit(X, given)
        # The remedy, as the message gives it, fits one label per timestep.
        labels = [np.ravel(g) for _, g in given.groupby(level=0, sort=False)]
        fitted = tagger(max_iter=1).fit(X, labels)
        assert [len(p) for p in fitted.predict(X)] == [3, 5, 4]
