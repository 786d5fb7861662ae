"""The safe format: save(path) and sklearn_rnn.load(path), which runs no code."""

import json
import pickle
import warnings

import numpy as np
import pytest
import torch
from _helpers import fast, sequence_data
from safetensors import safe_open
from safetensors.torch import save_file

import sklearn_rnn
from sklearn_rnn import LSTMClassifier, LSTMRegressor, LSTMTagger, LSTMTranscriber

FITTED = [
    "n_features_in_",
    "n_outputs_",
    "patch_size_",
    "loss_curve_",
    "validation_scores_",
    "best_loss_",
    "n_iter_",
    "interrupted_",
]


def fitted_model(kind):
    """A small fitted estimator of each kind, its X and its y."""
    rng = np.random.RandomState(0)
    if kind == "classifier":
        X, y = sequence_data(LSTMClassifier, n=60, m=10, p=2)
        return fast(LSTMClassifier, class_weight="balanced").fit(X, y), X, y
    if kind == "regressor":
        X, y = sequence_data(LSTMRegressor, n=60, m=10, p=2)
        y = np.column_stack([100 * y + 7, -y])  # scaled, two outputs
        # A pair of stem widths: the tuple parameter must come back a tuple.
        reg = fast(LSTMRegressor, early_stopping=True, conv_channels=(3, 5))
        return reg.fit(X, y), X, y
    X = [rng.normal(size=(rng.randint(5, 12), 2)) for _ in range(30)]
    if kind == "tagger":
        y = [np.where(x[:, 0] > 0, "up", "down") for x in X]
        tagger = LSTMTagger(hidden_size=8, max_iter=3, random_state=0, device="cpu")
        return tagger.fit(X, y), X, y
    # Labels of mixed types: the transcriber keeps them as an object array.
    y = [[1 if x[0, 0] > 0 else ("b", 2)] for x in X]
    model = LSTMTranscriber(hidden_size=8, max_iter=3, random_state=0, device="cpu")
    return model.fit(X, y), X, y


def predictions(model, X):
    """Every output of the model, as a list of arrays."""
    if hasattr(model, "predict_proba"):
        out = model.predict_proba(X)
        return list(out) if isinstance(out, list) else [out]
    out = model.predict(X)
    return list(out) if isinstance(out, list) else [out]


def round_trip(model, tmp_path, **kwargs):
    return sklearn_rnn.load(model.save(tmp_path / "model.safetensors"), **kwargs)


def rewrite(path, change):
    """Rewrite a saved file's JSON document and tensors with ``change``."""
    with safe_open(str(path), framework="pt") as f:
        document = json.loads(f.metadata()["sklearn_rnn"])
        tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    change(document, tensors)
    save_file(tensors, str(path), metadata={"sklearn_rnn": json.dumps(document)})


@pytest.mark.parametrize("kind", ["classifier", "regressor", "tagger", "transcriber"])
def test_round_trip_predicts_the_same(tmp_path, kind):
    model, X, _ = fitted_model(kind)
    loaded = round_trip(model, tmp_path)
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    for a, b in zip(predictions(model, X), predictions(loaded, X), strict=True):
        np.testing.assert_array_equal(a, b)
    for name in FITTED + (["classes_"] if hasattr(model, "classes_") else []):
        a, b = getattr(model, name), getattr(loaded, name)
        assert type(a) is type(b), name
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype, name
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b, name
    assert loaded.net_.history.to_list() == model.net_.history.to_list()
    assert not loaded.net_.module_.training
    assert loaded.net_.device == "cpu"


@pytest.mark.parametrize("dropout", [0.0, 0.5])  # the head's first layer moves
def test_a_file_saved_before_the_dilated_stem_and_its_mean_loads_the_same(
    tmp_path, dropout
):
    """Its stem has one convolution of all the first channels, where the
    same parameters now build two scales (patches of 20 steps), and its
    head does not read the stem's mean."""
    X = np.random.RandomState(0).normal(size=(16, 320, 1))
    clf = fast(LSTMClassifier, max_iter=1, conv_channels=6, dropout=dropout)
    clf.fit(X, np.arange(16) % 2)
    network = clf.net_.module_
    assert len(network.stem.coarse) == 1
    assert network.stem_mean
    # As the network was built then (new random weights, in eval mode).
    network.stem = network.stem._rebuilt([1])
    network.without_stem_mean()
    network.eval()
    loaded = round_trip(clf, tmp_path)
    assert len(loaded.net_.module_.stem.coarse) == 0
    assert loaded.net_.module_.stem.conv1.out_channels == 6
    assert not loaded.net_.module_.stem_mean
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


# Patches of 20 steps: dilations 1 and 2 then, scales 1 and 2 now; of 13:
# dilations 1 and 2 then, scale 1 alone now (13 is odd).
@pytest.mark.parametrize("patch_size", [20, 13])
def test_a_file_saved_with_the_dilated_stem_loads_the_same(tmp_path, patch_size):
    """Its first convolutions were dilated over every timestep; loaded,
    they still are, and predict as they did."""
    from sklearn_rnn._modules import _scales

    X = np.random.RandomState(0).normal(size=(16, 320, 1))
    clf = fast(LSTMClassifier, max_iter=1, conv_channels=6, patch_size=patch_size)
    clf.fit(X, np.arange(16) % 2)
    network = clf.net_.module_
    network.stem = network.stem._rebuilt(
        _scales(7, patch_size, whole=False), dilated=True
    )
    network.eval()
    loaded = round_trip(clf, tmp_path)
    stem = loaded.net_.module_.stem
    assert [c.dilation[0] for c in stem.dilated] == [2]
    assert not hasattr(stem, "coarse")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    # Pickled whole, such a network predicts as it did too.
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_a_file_saved_before_instance_norm_loads_without_it(tmp_path):
    """Its parameters do not name instance_norm; the network it holds reads
    the values standardised with the training set's only."""
    X = np.random.RandomState(0).normal(size=(16, 30, 2))
    clf = fast(LSTMClassifier, instance_norm=False).fit(X, np.arange(16) % 2)
    path = clf.save(tmp_path / "old.safetensors")
    rewrite(path, lambda document, tensors: document["params"].pop("instance_norm"))
    loaded = sklearn_rnn.load(path)
    assert loaded.instance_norm is False
    assert loaded.net_.module_.stem.conv1.in_channels == 2
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_a_file_holding_class_weights_in_its_loss_loads(tmp_path):
    """Files of earlier versions stored the class weights as a buffer of the
    loss. They are now sample weights that each fit computes from
    class_weight, which the file's parameters keep: the buffer is ignored."""
    clf, X, _ = fitted_model("classifier")
    path = clf.save(tmp_path / "old.safetensors")
    weights = torch.arange(1.0, 1.0 + len(clf.classes_))
    rewrite(
        path, lambda document, tensors: tensors.update({"criterion.weight": weights})
    )
    loaded = sklearn_rnn.load(path)
    assert loaded.class_weight == clf.class_weight
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_regression_scaling_is_restored(tmp_path):
    reg, X, y = fitted_model("regressor")
    loaded = round_trip(reg, tmp_path)
    assert loaded.predict(X).shape == (len(X), 2)
    np.testing.assert_array_equal(loaded._y_mean, reg._y_mean)
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    # A 1-D y keeps 1-D predictions.
    reg1 = fast(LSTMRegressor).fit(X, y[:, 0])
    assert round_trip(reg1, tmp_path).predict(X).shape == (len(X),)


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["cat", "dog", "eel"]),
        np.array([3, -1, 7]),
        np.array([1.0, 2.0, 3.0]),
        np.array([True, False, True]),
        np.array(["a", "b", "c"], dtype=object),
    ],
    ids=["str", "int", "float", "bool", "object"],
)
def test_label_types_survive(tmp_path, labels):
    X, _ = sequence_data(LSTMClassifier, n=45, m=6, p=1)
    y = labels[np.arange(45) % len(labels)]
    clf = fast(LSTMClassifier).fit(X, y)
    loaded = round_trip(clf, tmp_path)
    assert loaded.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert loaded.score(X, y) == clf.score(X, y)


@pytest.mark.parametrize("params", [{}, {"random_crop": 0.5}])  # voting, too
def test_variable_length_sequences(tmp_path, params):
    X, y = sequence_data(LSTMClassifier, n=50, m=12, p=2)
    ragged = [X[i, : 4 + i % 8] for i in range(len(X))]
    clf = fast(LSTMClassifier, **params).fit(ragged, y)
    loaded = round_trip(clf, tmp_path)
    np.testing.assert_array_equal(
        loaded.predict_proba(ragged), clf.predict_proba(ragged)
    )


def test_save_refuses_a_network_parameter_changed_since_fit(tmp_path):
    """The file's parameters build the network at load: changed with
    set_params, they would not fit the weights (hidden_size), or would
    predict otherwise without a word (random_crop)."""
    X, y = sequence_data(LSTMRegressor, n=30, m=70, p=1)
    reg = fast(LSTMRegressor).fit(X, y)
    for name, value in (("hidden_size", 16), ("random_crop", 0.5)):
        original = reg.get_params()[name]
        reg.set_params(**{name: value})
        with pytest.raises(ValueError, match=f"save writes the parameters.*{name}"):
            reg.save(tmp_path / "model.safetensors")
        assert not (tmp_path / "model.safetensors").exists()
        reg.set_params(**{name: original})
    loaded = round_trip(reg, tmp_path)  # set back: saves and loads the same
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))


def test_warm_start_after_load_trains_as_the_original(tmp_path):
    X, y = sequence_data(LSTMRegressor, n=60, m=8, p=2)
    reg = fast(LSTMRegressor, max_iter=3).fit(X, y)
    loaded = round_trip(reg, tmp_path)
    for model in (reg, loaded):
        model.set_params(warm_start=True, max_iter=2).fit(X, y)
    assert loaded.n_iter_ == 2
    np.testing.assert_allclose(loaded.loss_curve_, reg.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(loaded.predict(X), reg.predict(X), rtol=1e-6)
    # The saved parameters built the loaded network: a change is refused.
    with pytest.raises(ValueError, match=r"hidden_size \(built with 8, now 16\)"):
        loaded.set_params(hidden_size=16).fit(X, y)


def test_load_reads_no_pickle_and_leaves_torch_rng_alone(tmp_path, monkeypatch):
    model, X, _ = fitted_model("classifier")
    path = model.save(tmp_path / "model.safetensors")

    def forbidden(*args, **kwargs):
        raise AssertionError("load must not unpickle")

    for module, name in [
        (pickle, "load"),
        (pickle, "loads"),
        (pickle, "Unpickler"),
        (torch, "load"),
        (np, "load"),
    ]:
        monkeypatch.setattr(module, name, forbidden)
    state = torch.random.get_rng_state()
    loaded = sklearn_rnn.load(path)
    assert torch.equal(torch.random.get_rng_state(), state)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


class _Evil:
    """Unpickling this creates ``marker``: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _payload(kind, marker, tmp_path, path):
    """A file at ``path`` whose weights are (or hold) a malicious pickle."""
    evil = _Evil(marker)
    if kind == "pickle":
        path.write_bytes(pickle.dumps({"rnn.weight_ih_l0": evil}))
    elif kind == "torch.save":
        torch.save({"rnn.weight_ih_l0": evil}, str(path))
    else:
        # A valid header whose weight tensor holds the pickle's bytes.
        model, _, _ = fitted_model("regressor")
        model.save(path)
        raw = np.frombuffer(pickle.dumps(evil), dtype=np.uint8).copy()

        def change(document, tensors):
            tensors["module.rnn.weight_ih_l0"] = torch.from_numpy(raw)

        rewrite(path, change)


@pytest.mark.parametrize("kind", ["pickle", "torch.save", "bytes as tensor"])
def test_a_pickle_payload_is_rejected_and_never_run(tmp_path, monkeypatch, kind):
    marker = tmp_path / "marker"
    path = tmp_path / "model.safetensors"
    _payload(kind, marker, tmp_path, path)
    assert not marker.exists()
    with pytest.raises(ValueError, match=r"not a model saved|do not fit") as info:
        sklearn_rnn.load(path)
    assert not marker.exists()
    if kind != "bytes as tensor":
        assert "pickle" in str(info.value)  # names the trusted-files route
    else:
        assert "rnn.weight_ih_l0" in str(info.value)


def test_files_from_a_newer_format_fail_with_both_versions(tmp_path):
    model, _, _ = fitted_model("regressor")
    path = model.save(tmp_path / "model.safetensors")

    def newer(document, tensors):
        document["format_version"] = 99
        document["sklearn_rnn_version"] = "9.0.0"

    rewrite(path, newer)
    with pytest.raises(ValueError, match=r"format version 99 .*9\.0\.0.*versions 1 to"):
        sklearn_rnn.load(path)


@pytest.mark.parametrize("name", ["RNNForecaster", "os.system", "BaseRecurrent"])
def test_only_allowed_estimator_names_load(tmp_path, name):
    model, _, _ = fitted_model("regressor")
    path = model.save(tmp_path / "model.safetensors")
    rewrite(path, lambda document, tensors: document.update(estimator=name))
    with pytest.raises(ValueError, match=r"not one that sklearn_rnn\.load builds"):
        sklearn_rnn.load(path)


def test_another_torch_major_version_warns(tmp_path):
    model, X, _ = fitted_model("regressor")
    path = model.save(tmp_path / "model.safetensors")
    rewrite(path, lambda document, tensors: document.update(torch_version="1.13.1"))
    with pytest.warns(UserWarning, match="torch 1.13.1.*major versions") as caught:
        loaded = sklearn_rnn.load(path)
    assert {w.filename for w in caught} == {__file__}
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_damaged_or_foreign_files_are_rejected(tmp_path):
    model, _, _ = fitted_model("regressor")
    path = model.save(tmp_path / "model.safetensors")
    rewrite(path, lambda document, tensors: document["params"].update(gone=1))
    with pytest.raises(ValueError, match=r"parameters \['gone'\]"):
        sklearn_rnn.load(path)
    other = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(other))
    with pytest.raises(ValueError, match="not a model saved"):
        sklearn_rnn.load(other)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a model saved"):
        sklearn_rnn.load(text)
    # A cut copy of a saved file is named for what it is, not a foreign file.
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"begins as a file of .*truncated or damaged"):
        sklearn_rnn.load(cut)
    model.save(path)
    rewrite(path, lambda document, tensors: tensors.pop("module.x_mean"))
    with pytest.raises(ValueError, match=r"missing \['x_mean'\].*saved by sklearn_rnn"):
        sklearn_rnn.load(path)
    # Sizes that no storage can hold: torch's RuntimeError, named as damage.
    model.save(path)
    rewrite(
        path, lambda document, tensors: document["params"].update(hidden_size=10**9)
    )
    with pytest.raises(ValueError, match=r"cannot be built .*the file is damaged"):
        sklearn_rnn.load(path)


def _one_class(document, tensors):
    document["fitted"]["classes_"].update(shape=[1], data=["down"])


@pytest.mark.parametrize(
    "edit",
    [
        _one_class,  # would predict one label for every sequence
        lambda document, tensors: document["fitted"].pop("classes_"),
        lambda document, tensors: document["fitted"].update(predict=1),
        lambda document, tensors: document["fitted"].update(n_outputs_=True),
        lambda document, tensors: document.update(format_version=True),
        lambda document, tensors: document.update(history="abc"),
    ],
)
def test_a_hand_edited_header_is_rejected_with_a_value_error(tmp_path, edit):
    """Edits that loaded into a model which failed later, or predicted
    wrong labels silently: a method shadowed by a stored value, classes
    that do not match the network's outputs, JSON true as a size or a
    version, a history that is not a list."""
    model, _, _ = fitted_model("classifier")
    path = model.save(tmp_path / "model.safetensors")
    rewrite(path, edit)
    with pytest.raises(ValueError, match=r"damaged sklearn_rnn header|format version"):
        sklearn_rnn.load(path)


@pytest.mark.parametrize("value", [0.0, np.nan])
def test_a_file_that_would_predict_nan_is_rejected(tmp_path, value):
    """Zeroed or NaN bytes in a tensor load into a model that predicts NaN:
    refused, naming the tensor."""
    model, _, _ = fitted_model("regressor")
    path = model.save(tmp_path / "model.safetensors")
    rewrite(path, lambda document, tensors: tensors["module.x_scale"].fill_(value))
    with pytest.raises(ValueError, match=r"module\.x_scale.*damaged"):
        sklearn_rnn.load(path)
    model.save(path)
    weight = next(k for k in model.net_.module_.state_dict() if "weight" in k)
    rewrite(path, lambda document, tensors: tensors[f"module.{weight}"].fill_(np.inf))
    with pytest.raises(ValueError, match=rf"non-finite.*module\.{weight}"):
        sklearn_rnn.load(path)


@pytest.mark.parametrize(
    ("key", "value"), [("_y_scale", "nan"), ("_y_scale", 0.0), ("_y_mean", "inf")]
)
def test_a_target_scaling_that_would_predict_nan_is_rejected(tmp_path, key, value):
    """The regressor's target mean and scale live in the JSON header, not
    in a tensor: a damaged one is refused too, rather than predicting NaN
    or a constant."""
    model, _, _ = fitted_model("regressor")
    path = model.save(tmp_path / "model.safetensors")
    stored = {"$type": "float", "value": value} if isinstance(value, str) else value

    def edit(document, tensors):
        document["fitted"][key]["data"] = [stored] * len(
            document["fitted"][key]["data"]
        )

    rewrite(path, edit)
    with pytest.raises(ValueError, match=rf"{key}.*damaged"):
        sklearn_rnn.load(path)


def test_unstorable_parameters_fail_at_save(tmp_path, monkeypatch):
    X, y = sequence_data(LSTMRegressor, n=40, m=6, p=1)
    reg = fast(LSTMRegressor, random_state=np.random.RandomState(0)).fit(X, y)
    with pytest.raises(
        TypeError, match=r"parameter 'random_state' holds .*RandomState"
    ):
        reg.save(tmp_path / "model.safetensors")
    assert not (tmp_path / "model.safetensors").exists()
    # A user's module class (the module= parameter) is code: refused.
    reg.set_params(random_state=0)
    params = reg.get_params(deep=False)
    monkeypatch.setattr(
        reg, "get_params", lambda deep=True: {**params, "module": torch.nn.GRU}
    )
    with pytest.raises(TypeError, match=r"custom module=.*to_onnx"):
        reg.save(tmp_path / "model.safetensors")


def test_save_and_load_name_the_path_they_cannot_use(tmp_path):
    """Not safetensors' own errors, which name a temporary file."""
    model, _, _ = fitted_model("regressor")
    with pytest.raises(IsADirectoryError, match=f"{tmp_path}: it is a directory"):
        model.save(tmp_path)
    missing = tmp_path / "nodir" / "model.safetensors"
    with pytest.raises(FileNotFoundError, match=r"nodir does not exist"):
        model.save(missing)
    assert not (tmp_path / "nodir").exists()
    with pytest.raises(IsADirectoryError, match=f"{tmp_path}: it is a directory"):
        sklearn_rnn.load(tmp_path)


def test_save_needs_a_fitted_estimator_of_ours(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LSTMClassifier().save(tmp_path / "model.safetensors")

    class Mine(LSTMRegressor):
        pass

    X, y = sequence_data(LSTMRegressor, n=40, m=6, p=1)
    with pytest.raises(TypeError, match="pickle it instead"):
        fast(Mine).fit(X, y).save(tmp_path / "model.safetensors")


def test_cuda_model_loads_on_a_machine_without_cuda(tmp_path, monkeypatch):
    """A file whose parameters say device="cuda" (as one fitted there does)
    loads on the CPU, with a warning, where CUDA is not available."""
    model, X, _ = fitted_model("classifier")
    expected = model.predict_proba(X)
    path = model.save(tmp_path / "model.safetensors")
    rewrite(path, lambda document, tensors: document["params"].update(device="cuda"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="CUDA is not available here") as caught:
        loaded = sklearn_rnn.load(path)
    assert {w.filename for w in caught} == {__file__}
    assert loaded.device == "cuda"  # the parameter as saved
    assert loaded.net_.device == "cpu"
    assert next(loaded.net_.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = sklearn_rnn.load(path, device="cpu")  # no warning
    assert loaded.device == loaded.net_.device == "cpu"
    # A torch.device as well, stored as the string the parameter takes.
    assert sklearn_rnn.load(path, device=torch.device("cpu")).device == "cpu"
    loaded.set_params(warm_start=True, max_iter=1).fit(X, model.predict(X))
    with pytest.raises(ValueError, match="CUDA is not available on this machine"):
        sklearn_rnn.load(path, device="cuda")  # asked for explicitly: an error


def test_feature_names_and_other_plain_attributes_survive(tmp_path):
    """Every plain fitted attribute is stored, such as feature names."""
    model, _, _ = fitted_model("regressor")
    model.feature_names_in_ = np.array(["price", "volume"], dtype=object)
    loaded = round_trip(model, tmp_path)
    assert loaded.feature_names_in_.dtype == object
    assert loaded.feature_names_in_.tolist() == ["price", "volume"]


def test_routing_requests_are_not_stored_and_do_not_block_save(tmp_path):
    from sklearn import config_context

    model, X, _ = fitted_model("regressor")
    with config_context(enable_metadata_routing=True):
        model.set_score_request(sample_weight=True)
        loaded = round_trip(model, tmp_path)
    assert not hasattr(loaded, "_metadata_request")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_unstorable_history_entries_fail_at_save(tmp_path):
    model, _, _ = fitted_model("regressor")
    model.net_.history.record("logger", object())
    with pytest.raises(TypeError, match=r"'net_\.history' holds an object"):
        model.save(tmp_path / "model.safetensors")


def test_numpy_integer_patch_size_from_a_grid_round_trips(tmp_path):
    """A grid of np.arange(...) gives np.int64 parameters: patch_size_ must
    still be a count the header stores and load accepts."""
    X, y = sequence_data(LSTMRegressor, n=30, m=6, p=2)
    model = fast(LSTMRegressor, patch_size=np.int64(2), max_iter=2).fit(X, y)
    assert type(model.patch_size_) is int
    np.testing.assert_array_equal(
        round_trip(model, tmp_path).predict(X), model.predict(X)
    )
