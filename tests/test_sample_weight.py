"""sample_weight in fit, score and metadata routing."""

import numpy as np
import pytest
import sklearn
from _helpers import ESTIMATORS, fast, outputs, sequence_data
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import get_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline

from sklearn_rnn import LSTMClassifier, LSTMRegressor, LSTMTagger


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("early_stopping", [False, True])
def test_zero_weight_is_a_removed_row(Estimator, early_stopping):
    X, y = sequence_data(Estimator, n=80)
    weights = np.random.RandomState(1).randint(0, 4, size=len(y)).astype(float)
    keep = weights > 0
    assert not keep.all()
    params = dict(early_stopping=early_stopping, validation_fraction=0.2)
    weighted = fast(Estimator, **params).fit(X, y, sample_weight=weights)
    removed = fast(Estimator, **params).fit(
        X[keep], y[keep], sample_weight=weights[keep]
    )
    assert weighted.loss_curve_ == removed.loss_curve_
    assert_array_equal(outputs(weighted, X), outputs(removed, X))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("partial", [False, True])
def test_a_longer_sequence_of_zero_weight_does_not_set_the_patch(Estimator, partial):
    """The automatic patch (and so the stem's scales) is that of the
    sequences trained on, as if the others were removed."""
    X, y = sequence_data(Estimator, n=12, m=60)
    sequences = [*X, np.random.RandomState(1).normal(size=(2000, X.shape[2]))]
    y_long = np.concatenate([y, y[:1]])
    weights = np.r_[np.ones(len(y)), 0.0]
    removed = fast(Estimator, max_iter=1).fit(X, y)
    weighted = fast(Estimator, max_iter=1)
    fit = weighted.partial_fit if partial else weighted.fit
    if partial and Estimator is LSTMClassifier:
        fit = partial_with_classes(fit, y)
    fit(sequences, y_long, sample_weight=weights)
    assert weighted.patch_size_ == removed.patch_size_ == 4
    if not partial:
        assert_array_equal(outputs(weighted, X), outputs(removed, X))


def partial_with_classes(partial_fit, y):
    return lambda *args, **kwargs: partial_fit(*args, classes=np.unique(y), **kwargs)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_only_the_ratios_of_the_weights_count(Estimator):
    X, y = sequence_data(Estimator, n=60)
    weights = np.random.RandomState(1).uniform(0.5, 3, size=len(y))
    a = fast(Estimator).fit(X, y, sample_weight=weights)
    b = fast(Estimator).fit(X, y, sample_weight=10 * weights)
    assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-6)
    # Equal weights are no weights.
    plain = fast(Estimator).fit(X, y)
    ones = fast(Estimator).fit(X, y, sample_weight=np.full(len(y), 3.0))
    assert plain.loss_curve_ == ones.loss_curve_
    unequal = fast(Estimator).fit(X, y, sample_weight=weights)
    assert unequal.loss_curve_ != plain.loss_curve_


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_weights_near_the_top_of_the_float_range_keep_their_ratios(Estimator):
    # Their mean overflowed to inf, and every normalised weight became 0:
    # the network trained on nothing, with a loss of 0 at every epoch.
    X, y = sequence_data(Estimator, n=60)
    weights = np.random.RandomState(1).uniform(0.5, 3, size=len(y))
    a = fast(Estimator).fit(X, y, sample_weight=weights)
    b = fast(Estimator).fit(X, y, sample_weight=weights * 1e307)
    assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-5)


def test_a_validation_set_of_zero_weights_is_named():
    # Stratified, the held-out set has only class 0, which class_weight
    # zeroes: its weighted loss was 0/0, and sklearn's scorer then reported
    # NaN in a sample_weight the user never passed.
    X, y = sequence_data(LSTMClassifier, n=60, labels="int")
    y = np.where(np.arange(60) == 0, 1, 0)
    clf = fast(LSTMClassifier, early_stopping=True, class_weight={0: 0.0})
    with pytest.raises(ValueError, match=r"validation set has weight 0 .* early_"):
        clf.fit(X, y)


def noise_groups(n=64, seed=0):
    """Inputs that say nothing of the target: only the weights decide."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 6, 1))
    group = np.arange(n) % 2 == 0
    return X, group


def test_weights_shift_the_regression_like_repeated_rows():
    X, group = noise_groups()
    y = np.where(group, 1.0, -1.0)
    X_new = np.random.RandomState(1).normal(size=(200, 6, 1))
    # A strong penalty: the network cannot memorise the noise, only learn
    # the best constant.
    params = dict(max_iter=20, learning_rate_init=0.01, hidden_size=4, alpha=1.0)
    plain = fast(LSTMRegressor, **params).fit(X, y)
    weighted = fast(LSTMRegressor, **params).fit(
        X, y, sample_weight=np.where(group, 3.0, 1.0)
    )
    repeats = np.where(group, 3, 1)
    repeated = fast(LSTMRegressor, **params).fit(
        np.repeat(X, repeats, axis=0), np.repeat(y, repeats)
    )
    # The weighted mean of y is (3 - 1) / 4 = 0.5; unweighted it is 0.
    assert abs(plain.predict(X_new).mean()) < 0.1
    assert abs(weighted.predict(X_new).mean() - 0.5) < 0.1
    assert abs(repeated.predict(X_new).mean() - 0.5) < 0.1


def test_heavy_weights_on_one_class_shift_the_predictions():
    X, group = noise_groups()
    y = np.where(group, "a", "b")
    params = dict(max_iter=30, learning_rate_init=0.01, label_smoothing=0.0)
    heavy_a = fast(LSTMClassifier, **params).fit(
        X, y, sample_weight=np.where(group, 9.0, 1.0)
    )
    heavy_b = fast(LSTMClassifier, **params).fit(
        X, y, sample_weight=np.where(group, 1.0, 9.0)
    )
    assert heavy_a.predict_proba(X)[:, 0].mean() > 0.7
    assert heavy_b.predict_proba(X)[:, 0].mean() < 0.3
    assert (heavy_a.predict(X) == "a").mean() > 0.9


def test_class_weight_may_name_a_class_this_fit_lacks():
    # As compute_class_weight allows: a fold, or a subset drawn by
    # BaggingClassifier, without the rare class that the dict names.
    X, y = sequence_data(LSTMClassifier, n=40)
    named = fast(LSTMClassifier, class_weight={"down": 1.0, "up": 3.0, "rare": 9.0})
    exact = fast(LSTMClassifier, class_weight={"down": 1.0, "up": 3.0})
    assert list(named.fit(X, y).classes_) == ["down", "up"]
    np.testing.assert_array_equal(named.loss_curve_, exact.fit(X, y).loss_curve_)
    with pytest.raises(
        ValueError, match=r"\['rare'\] .* none for the classes \['up'\]"
    ):
        named.set_params(class_weight={"down": 1.0, "rare": 9.0}).fit(X, y)


def test_class_weight_multiplies_sample_weight():
    X, y = sequence_data(LSTMClassifier, n=60)
    weights = np.random.RandomState(1).uniform(0.5, 3, size=len(y))
    both = fast(LSTMClassifier, class_weight={"up": 3.0}).fit(
        X, y, sample_weight=weights
    )
    product = fast(LSTMClassifier).fit(
        X, y, sample_weight=weights * np.where(y == "up", 3.0, 1.0)
    )
    assert_allclose(both.loss_curve_, product.loss_curve_, rtol=1e-6)
    balanced = fast(LSTMClassifier, class_weight="balanced").fit(
        X, y, sample_weight=weights
    )
    assert (
        balanced.loss_curve_
        != fast(LSTMClassifier).fit(X, y, sample_weight=weights).loss_curve_
    )


@pytest.mark.parametrize("batch_size", [8, 200])
def test_class_weight_is_the_sample_weight_of_its_class(batch_size):
    """Without sample weights too: torch's CrossEntropyLoss(weight=...)
    would divide each batch by its own sum of class weights and weigh the
    smoothed targets by every class's weight."""
    X, y = sequence_data(LSTMClassifier, n=60)
    by_class = fast(LSTMClassifier, batch_size=batch_size, class_weight={"up": 3.0})
    by_sample = fast(LSTMClassifier, batch_size=batch_size)
    by_class.fit(X, y)
    by_sample.fit(X, y, sample_weight=np.where(y == "up", 3.0, 1.0))
    assert_allclose(by_class.loss_curve_, by_sample.loss_curve_, rtol=1e-6)
    assert_allclose(outputs(by_class, X), outputs(by_sample, X), atol=1e-6)


def test_balanced_counts_the_samples_by_their_weights():
    X, y = sequence_data(LSTMClassifier, n=60)
    weights = np.where(y == "up", 3.0, 1.0)
    up = (y == "up").sum()
    # The weighted counts of the classes, as scikit-learn counts them.
    counts = {"up": 3.0 * up, "down": float(len(y) - up)}
    total = sum(counts.values())
    per_class = {c: total / (2 * n) for c, n in counts.items()}
    balanced = fast(LSTMClassifier, class_weight="balanced")
    balanced.fit(X, y, sample_weight=weights)
    explicit = fast(LSTMClassifier, class_weight=per_class)
    explicit.fit(X, y, sample_weight=weights)
    assert_allclose(balanced.loss_curve_, explicit.loss_curve_, rtol=1e-6)


def test_partial_fit_keeps_class_weights_between_chunks_of_one_class():
    X, y = sequence_data(LSTMClassifier, n=60)
    order = np.argsort(y == "up", kind="stable")  # all "down", then all "up"
    X, y = X[order], y[order]
    split = int((y == "down").sum())

    def stream(class_weight):
        clf = fast(LSTMClassifier, class_weight=class_weight)
        for _ in range(3):
            clf.partial_fit(X[:split], y[:split], classes=["down", "up"])
            clf.partial_fit(X[split:], y[split:])
        return clf.predict_proba(X)[:, 1]

    # Normalised within each call, they would change nothing here.
    weighted, plain = stream({"up": 10.0}), stream(None)
    assert not np.allclose(weighted, plain)
    assert weighted.mean() > plain.mean()
    with pytest.raises(ValueError, match="'balanced' is not supported by partial_fit"):
        fast(LSTMClassifier, class_weight="balanced").partial_fit(
            X, y, classes=["down", "up"]
        )


def test_a_class_whose_samples_all_weigh_zero():
    X, y = sequence_data(LSTMClassifier, n=60)
    y = y.astype(object)
    y[:3] = "flat"
    weights = np.r_[np.zeros(3), np.ones(57)]
    # A class weight may name it, as BaggingClassifier's bootstraps need.
    clf = fast(LSTMClassifier, class_weight={"flat": 5.0, "up": 2.0})
    assert list(clf.fit(X, y, sample_weight=weights).classes_) == [
        "down",
        "flat",
        "up",
    ]
    with pytest.raises(ValueError, match=r"labels \['sideways'\] that are not"):
        clf.set_params(class_weight={"sideways": 5.0}).fit(X, y, sample_weight=weights)
    # A column vector y too.
    clf.set_params(class_weight={"flat": 5.0})
    assert len(clf.fit(X, y[:, None], sample_weight=weights).classes_) == 3


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    ("weights", "match"),
    [
        (-np.ones(20), "(?i)negative"),
        (np.ones(19), "sample_weight.shape"),
        (np.r_[np.ones(19), np.nan], "NaN"),
        (np.r_[np.ones(19), np.inf], "infinity"),
        (np.zeros(20), "non-zero"),
    ],
    ids=["negative", "length", "nan", "inf", "all-zero"],
)
def test_invalid_weights_are_rejected(Estimator, weights, match):
    X, y = sequence_data(Estimator, n=20)
    with pytest.raises(ValueError, match=match):
        fast(Estimator).fit(X, y, sample_weight=weights)


@pytest.mark.parametrize("Estimator", [LSTMClassifier, LSTMRegressor])
def test_integer_weights_standardise_as_repeated_sequences(Estimator):
    """The inputs' standardisation was unweighted: a weight of 3 and three
    copies of a sequence scaled the inputs differently, and so trained
    different networks even with the whole set in one batch."""
    X, y = sequence_data(Estimator, n=30)
    X[:5] += 5.0  # the weighted sequences move the mean
    weights = np.r_[np.full(5, 3.0), np.ones(25)]
    repeated = np.r_[np.arange(30), np.arange(5), np.arange(5)]
    params = dict(max_iter=1, early_stopping=False)
    weighted = fast(Estimator, **params).fit(X, y, sample_weight=weights)
    copies = fast(Estimator, **params).fit(X[repeated], y[repeated])
    for name in ("x_mean", "x_scale"):
        assert_allclose(
            getattr(weighted.net_.module_, name),
            getattr(copies.net_.module_, name),
            rtol=1e-6,
        )
    plain = fast(Estimator, **params).fit(X, y)
    assert not np.allclose(plain.net_.module_.x_mean, weighted.net_.module_.x_mean)
    if Estimator is LSTMClassifier:
        # A class weight scales them as the sample weight it equals.
        by_class = fast(Estimator, class_weight={y[0]: 5.0}, **params).fit(X, y)
        as_sample = fast(Estimator, **params).fit(
            X, y, sample_weight=np.where(y == y[0], 5.0, 1.0)
        )
        assert_array_equal(by_class.net_.module_.x_mean, as_sample.net_.module_.x_mean)


def test_class_weights_of_zero_or_huge_standardise_as_sample_weights():
    """Weighted by class weights, a feature constant over the weighted rows
    got a rounding residue as spread (a scale of 2e-16), a chunk of classes
    weighted 0 a NaN scale, and weights of 1e307 overflowed."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 8, 2))
    X[10:, :, 1] = 0.1  # constant where the weight is
    y = np.r_[np.zeros(10, int), np.ones(20, int)]
    params = dict(max_iter=1, early_stopping=False)
    by_class = fast(LSTMClassifier, class_weight={0: 0.0}, **params).fit(X, y)
    by_sample = fast(LSTMClassifier, **params).fit(
        X, y, sample_weight=(y == 1).astype(float)
    )
    for name in ("x_mean", "x_scale"):
        assert_array_equal(
            getattr(by_class.net_.module_, name),
            getattr(by_sample.net_.module_, name),
        )
    assert by_class.net_.module_.x_scale[1] == 1.0
    # A first partial_fit chunk of only such a class: unweighted scaling.
    chunk = fast(LSTMClassifier, class_weight={0: 0.0}).partial_fit(
        X[:10], y[:10], classes=[0, 1]
    )
    assert np.isfinite(chunk.net_.module_.x_scale).all()
    huge = fast(LSTMClassifier, class_weight={0: 1e307, 1: 5e306}, **params)
    as_sample = fast(LSTMClassifier, **params).fit(
        X, y, sample_weight=np.where(y == 0, 1e307, 5e306)
    )
    assert_allclose(huge.fit(X, y).net_.module_.x_scale, as_sample.net_.module_.x_scale)


def test_a_class_of_zero_weight_keeps_its_column():
    """classes_ are those of the whole y, as scikit-learn's classifiers take
    them: a class left with weight 0 had no column of predict_proba, and
    log_loss against y failed on the count of classes."""
    X, y = sequence_data(LSTMClassifier, n=40, labels="int")
    y = np.where(np.arange(40) < 5, 2, y)  # a third class, then weighted 0
    weights = np.where(y == 2, 0.0, 1.0)
    clf = fast(LSTMClassifier).fit(X, y, sample_weight=weights)
    assert_array_equal(clf.classes_, [0, 1, 2])
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 3)
    # Never a target in training: the least likely class of every sequence.
    assert (proba.argmin(axis=1) == 2).all()
    assert np.isfinite(get_scorer("neg_log_loss")(clf, X, y))
    # The rows of weight 0 are still left out of training, as if removed:
    # the network trains on the same sequences and targets (only its
    # output layer has a unit more).
    removed = fast(LSTMClassifier).fit(X[5:], y[5:])
    assert len(clf.loss_curve_) == len(removed.loss_curve_)
    # A class of y is a class even if no weight is left on the other ones.
    one = fast(LSTMClassifier, max_iter=1).fit(
        X, y, sample_weight=np.where(y == 1, 1.0, 0.0)
    )
    assert_array_equal(one.classes_, [0, 1, 2])
    # Labels are checked over the whole y, weighted 0 or not.
    with pytest.raises(ValueError, match="new labels"):
        clf.set_params(warm_start=True).fit(
            X, np.where(np.arange(40) < 5, 7, y), sample_weight=weights
        )


def test_unknown_fit_parameters_name_the_estimator():
    X, y = sequence_data(LSTMRegressor, n=20)
    with pytest.raises(TypeError, match=r"LSTMRegressor\.fit\(\) got an unexpected"):
        fast(LSTMRegressor).fit(X, y, weights=np.ones(20))


def test_sequence_estimators_do_not_take_sample_weight():
    X = np.random.RandomState(0).normal(size=(10, 5, 1))
    y = (X[:, :, 0] > 0).astype(int)
    with pytest.raises(TypeError, match=r"LSTMTagger\.fit\(\) got an unexpected"):
        LSTMTagger(hidden_size=4, max_iter=1).fit(X, y, sample_weight=np.ones(10))
    # Routing sees no sample_weight in their fit.
    assert not hasattr(LSTMTagger(), "set_fit_request")


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def test_cross_validate_routes_weights_to_fit_and_score(routing):
    X, y = sequence_data(LSTMClassifier, n=60)
    weights = np.random.RandomState(1).randint(0, 4, size=len(y)).astype(float)
    clf = (
        fast(LSTMClassifier, max_iter=3)
        .set_fit_request(sample_weight=True)
        .set_score_request(sample_weight=True)
    )
    cv = StratifiedKFold(2)
    scores = cross_validate(clf, X, y, cv=cv, params={"sample_weight": weights})
    expected, unweighted = [], []
    for train, test in cv.split(X, y):
        model = fast(LSTMClassifier, max_iter=3)
        model.fit(X[train], y[train], sample_weight=weights[train])
        expected.append(model.score(X[test], y[test], sample_weight=weights[test]))
        model = fast(LSTMClassifier, max_iter=3).fit(X[train], y[train])
        unweighted.append(model.score(X[test], y[test]))
    assert_allclose(scores["test_score"], expected)
    assert not np.allclose(expected, unweighted)


def test_pipeline_and_grid_search_route_weights(routing):
    X, y = sequence_data(LSTMRegressor, n=60)
    weights = np.random.RandomState(1).uniform(0.2, 3, size=len(y))
    reg = fast(LSTMRegressor, max_iter=3).set_fit_request(sample_weight=True)
    reg.set_score_request(sample_weight=True)
    grid = GridSearchCV(
        Pipeline([("reg", reg)]), {"reg__hidden_size": [4, 8]}, cv=2
    ).fit(X, y, sample_weight=weights)
    best = grid.best_estimator_.named_steps["reg"]
    direct = fast(LSTMRegressor, max_iter=3, hidden_size=best.hidden_size)
    direct.fit(X, y, sample_weight=weights)
    assert best.loss_curve_ == direct.loss_curve_
    assert (
        best.loss_curve_
        != fast(LSTMRegressor, max_iter=3, hidden_size=best.hidden_size)
        .fit(X, y)
        .loss_curve_
    )
