"""Saving fitted estimators safely, and export to portable formats.

Safe format (:func:`save_estimator`, :func:`load`): one safetensors file.
Its tensors are the network's weights (``module.*``) and the loss's buffers
(``criterion.*``: none for the built-in losses; files of earlier versions hold
class weights there, which loading ignores); its string metadata holds, under the
key "sklearn_rnn", a JSON document with the format and library versions,
the estimator's class name, ``get_params()`` and the fitted attributes.

Why one .safetensors file rather than a zip of a JSON file and a weights
file: a single parser (safetensors', which reads a length-prefixed JSON
header and raw little-endian buffers, and cannot run code) reads all of it,
there is no archive format to validate (member names, sizes), and any
safetensors tool can inspect the file. Loading never unpickles, and it never
imports a name read from the file: the class comes from an allow-list of
this library's estimators, and the JSON values are decoded by a small
tagged decoder that only builds plain values and NumPy arrays of plain
dtypes.

ONNX: the fitted predictor as one graph, from a float32 batch of sequences
to what ``predict_proba`` (classifier) or ``predict`` (regressor) returns.
onnx is an optional dependency, imported only here and only when used.
"""

import copy
import json
import math
import os
import re
import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import torch
from torch import nn

from ._modules import first_linear
from ._validation import caller_stacklevel

# An opset that every onnxruntime of the last years runs, with the LSTM, GRU
# and RNN operators in the form torch exports them.
_OPSET = 17


class _Classifier(nn.Module):
    """The network followed by a softmax: class probabilities."""

    def __init__(self, network):
        super().__init__()
        self.network = network

    def forward(self, x):
        return _nan_where_padded(x, torch.softmax(self.network(x), dim=1))


class _Regressor(nn.Module):
    """The network followed by the unscaling of the targets."""

    def __init__(self, network, mean, scale):
        super().__init__()
        self.network = network
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))

    def forward(self, x):
        return _nan_where_padded(x, self.network(x) * self.scale + self.mean)


def _nan_where_padded(x, out):
    """``out`` with NaN rows for the sequences of ``x`` that hold NaN.

    A graph has no input for lengths: NaN padding cannot be read as such.
    The network in PyTorch passes the NaN on to its outputs, but
    onnxruntime's recurrent and pooling operators do not, and would give
    finite, wrong outputs: the NaN is restored explicitly.
    """
    padded = torch.isnan(x).any(dim=2).any(dim=1)
    return out.masked_fill(padded[:, None], float("nan"))


def export_onnx(estimator, path, kind):
    """Write the fitted ``estimator`` to ``path`` as an ONNX graph.

    ``kind`` is "proba" for classifiers and "regression" for regressors; the
    graph's input is "x" and its output "probabilities" or "predictions".
    """
    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
    except ImportError as exc:
        raise ImportError(
            "Exporting to ONNX needs the onnx package: pip install "
            '"sklearn_rnn[onnx]" (onnx, and onnxruntime to run the graph).'
        ) from exc
    network = _cpu_copy(estimator.net_.module_)
    if kind == "proba":
        graph, output = _Classifier(network), "probabilities"
    else:
        graph = _Regressor(network, estimator._y_mean, estimator._y_scale)
        output = "predictions"
    graph.eval()
    # Two steps, or as many as an int readout reads: the trace must reach it.
    readout = getattr(estimator, "readout", "last")
    steps = max(2, int(readout) if isinstance(readout, Integral) else 1)
    example = torch.zeros(
        2, max(estimator.patch_size_, 1) * steps, network.x_mean.numel()
    )
    with warnings.catch_warnings():
        # torch's TorchScript-based exporter warns that it is deprecated in
        # favour of the torch.export-based one, which does not yet handle
        # dynamic time axes through recurrent layers (checked with torch
        # 2.13): the former is the one that exports these networks. Only the
        # warnings known to be harmless here are silenced: any other (a
        # trace that may be wrong) still reaches the user.
        for message in _HARMLESS_EXPORT_WARNINGS:
            warnings.filterwarnings("ignore", message=message)
        # Its trace of torch's own recurrent layers reads their sizes as
        # Python values: fixed for a fitted network, whatever the input.
        warnings.filterwarnings(
            "ignore",
            category=torch.jit.TracerWarning,
            module=r"torch\.nn\.modules\.rnn",
        )
        torch.onnx.export(
            graph,
            (example,),
            str(path),
            input_names=["x"],
            output_names=[output],
            dynamic_axes={"x": {0: "batch", 1: "time"}, output: {0: "batch"}},
            opset_version=_OPSET,
            dynamo=False,
        )


# What torch.onnx.export says of these networks: the legacy exporter's
# deprecation (two messages); a caution about recurrent layers whose batch
# size varies, and a note that slices with steps (the means of the stem's
# coarse scales, the padding of dilated or even kernels) are not folded into
# constants, neither of which changes what the graph computes
# (tests/test_persistence.py runs such graphs on batches and lengths of
# other sizes).
_HARMLESS_EXPORT_WARNINGS = (
    r"You are using the legacy TorchScript-based ONNX export",
    r"The feature will be removed",
    r"Exporting a model to ONNX with a batch_size other than 1",
    r"Constant folding - Only steps=1 can be constant folded",
)


def _cpu_copy(module):
    """A CPU copy in eval mode: the export must not move the fitted model."""
    return copy.deepcopy(module).cpu().eval()


# -- safe format ---------------------------------------------------------------

# Version of the file layout below. Raise it when a file written by the new
# code could be misread by older code; older files must then still load.
FORMAT_VERSION = 1
_METADATA_KEY = "sklearn_rnn"
# Fitted attributes are restored by name: only names an estimator could have
# (no dunders, nothing that setattr would treat specially).
_ATTRIBUTE = re.compile(r"_?[a-z][a-z0-9_]*")
# dtype kinds that NumPy arrays may have in the file: bool, integers,
# floats and unicode strings (object arrays are stored element by element).
_ARRAY_KINDS = "biufU"


def _estimator_classes():
    """The allow-list: the only classes :func:`load` builds, by name."""
    from ._lstm import LSTMClassifier, LSTMRegressor
    from ._sequence import LSTMTagger, LSTMTranscriber

    return {
        cls.__name__: cls
        for cls in (LSTMClassifier, LSTMRegressor, LSTMTagger, LSTMTranscriber)
    }


class _Unstorable(TypeError):
    """A value that the JSON document cannot hold."""


def _encode(value):
    """A JSON-safe form of ``value``, typed so that it decodes to itself.

    Plain JSON for None, bools, ints, strings, finite floats and lists;
    ``{"$type": ...}`` objects for the rest (tuples, dicts, non-finite floats,
    NumPy scalars and arrays). Anything else, such as a class or an object,
    raises :class:`_Unstorable`.
    """
    # NumPy scalars first: np.float64 is also a float, and must stay one.
    if isinstance(value, np.generic) and value.dtype.kind in _ARRAY_KINDS:
        return {
            "$type": "scalar",
            "dtype": value.dtype.str,
            "value": _encode(value.item()),
        }
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return (
            value if math.isfinite(value) else {"$type": "float", "value": str(value)}
        )
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$type": "tuple", "items": [_encode(v) for v in value]}
    if isinstance(value, dict):
        # Keys keep their type (class_weight may be keyed by int labels).
        return {
            "$type": "dict",
            "items": [[_encode(k), _encode(v)] for k, v in value.items()],
        }
    if isinstance(value, np.ndarray):
        if value.dtype.kind in _ARRAY_KINDS:
            data = [_encode(v) for v in value.ravel().tolist()]
            dtype = value.dtype.str
        elif value.dtype == object:
            data, dtype = [_encode(v) for v in value.ravel()], "object"
        else:
            raise _Unstorable(f"a NumPy array of dtype {value.dtype}")
        return {"$type": "ndarray", "dtype": dtype, "shape": value.shape, "data": data}
    kind = "the class" if isinstance(value, type) else "an object of type"
    name = value.__name__ if isinstance(value, type) else type(value).__name__
    raise _Unstorable(f"{kind} {name}")


def _decode(value):
    """Inverse of :func:`_encode`; builds only plain values and arrays."""
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    kind = value.get("$type")
    if kind == "float":
        return float(value["value"])  # "nan", "inf" or "-inf"
    if kind == "tuple":
        return tuple(_decode(v) for v in value["items"])
    if kind == "dict":
        return {_decode(k): _decode(v) for k, v in value["items"]}
    if kind == "scalar":
        return _dtype(value["dtype"]).type(_decode(value["value"]))
    if kind == "ndarray":
        shape = tuple(int(n) for n in value["shape"])
        data = [_decode(v) for v in value["data"]]
        if value["dtype"] == "object":
            array = np.empty(len(data), dtype=object)
            array[:] = data
            return array.reshape(shape)
        return np.array(data, dtype=_dtype(value["dtype"])).reshape(shape)
    raise ValueError(f"unknown value {json.dumps(value)[:80]}")


def _dtype(spec):
    dtype = np.dtype(str(spec))
    if dtype.kind not in _ARRAY_KINDS:
        raise ValueError(f"dtype {spec!r} is not one the format stores")
    return dtype


def _encode_named(values, what, remedy):
    """Encode a dict of named values; an unstorable one names itself."""
    encoded = {}
    for name, value in values.items():
        try:
            encoded[name] = _encode(value)
        except _Unstorable as exc:
            raise TypeError(
                f"Cannot save: {what} {name!r} holds {exc}, which the safe format "
                "does not store (it holds only plain values and arrays, so that "
                f"loading imports no code). {remedy}"
            ) from None
    return encoded


def save_estimator(estimator, path):
    """Write the fitted ``estimator`` to ``path`` in the safe format."""
    import safetensors.torch

    name = type(estimator).__name__
    if _estimator_classes().get(name) is not type(estimator):
        raise TypeError(
            f"save supports the estimators {sorted(_estimator_classes())}, not "
            f"{name} (a subclass would load as its base class): pickle it "
            "instead (trusted files only)."
        )
    params = estimator.get_params(deep=False)
    if params.get("module") is not None:
        # Storing a class would mean importing its name on load.
        raise TypeError(
            f"Cannot save a {name} with a custom module= (a class: loading it "
            "would import code, which the safe format never does). Pickle the "
            "estimator (trusted files only), or export the fitted predictor "
            "with to_onnx."
        )
    pickle_remedy = "Pickle the estimator instead (trusted files only)."
    document = {
        "format_version": FORMAT_VERSION,
        "sklearn_rnn_version": _library_version(),
        "torch_version": torch.__version__,
        "estimator": name,
        "params": _encode_named(
            params,
            "parameter",
            "Set it to a plain value (or None) before saving, or "
            + pickle_remedy.lower(),
        ),
        "fitted": _encode_named(
            {
                k: v
                for k, v in vars(estimator).items()
                if _is_fitted_name(k, params, type(estimator))
            },
            "fitted attribute",
            pickle_remedy,
        ),
        "history": _encode_named(
            {"net_.history": list(estimator.net_.history)},
            "attribute",
            "Pickle the estimator instead (trusted files only), or remove the "
            "entries a callback recorded from net_.history.",
        )["net_.history"],
    }
    tensors = {
        f"{prefix}.{key}": tensor.detach().cpu().contiguous()
        for prefix, part in [
            ("module", estimator.net_.module_),
            ("criterion", estimator.net_.criterion_),
        ]
        for key, tensor in part.state_dict().items()
    }
    # allow_nan: the JSON is plain; non-finite floats are tagged strings.
    text = json.dumps(document, allow_nan=False)
    path = os.fspath(path)
    # safetensors' own errors name a temporary file beside the target.
    if os.path.isdir(path):
        raise IsADirectoryError(f"Cannot save to {path}: it is a directory.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"Cannot save to {path}: the directory {folder} does not exist."
        )
    safetensors.torch.save_file(tensors, path, metadata={_METADATA_KEY: text})


# Not fitted state: sklearn's metadata-routing requests (set_fit_request...)
# are objects, set again after loading if needed; partial_fit's state (the
# net and its optimizer) is not kept: partial_fit on a loaded estimator
# continues from its weights with a new optimizer, as after fit.
_NOT_STORED = {"net_", "_metadata_request", "_partial_"}


def _is_fitted_name(name, params, cls):
    return (
        name not in _NOT_STORED
        and name not in params
        and _ATTRIBUTE.fullmatch(name) is not None
        # A method or class attribute (predict, score) would be replaced.
        and not hasattr(cls, name)
    )


def _library_version():
    from . import __version__

    return __version__


def _starts_like_a_save(path):
    """Whether ``path`` begins as save writes a file: the 8-byte length of a
    JSON header whose metadata names sklearn_rnn (a cut copy still does)."""
    with open(path, "rb") as file:
        head = file.read(8 + 2**16)
    return head[8:9] == b"{" and _METADATA_KEY.encode() in head[8:]


def load(path, *, device=None):
    """Load an estimator saved with ``save``, without running code from it.

    The file is read by safetensors' parser (a JSON header and raw tensor
    buffers): nothing in it is unpickled, and the estimator's class comes
    from this library's own estimators, chosen by name. The weights are read
    onto the CPU, then moved to the estimator's device.

    Parameters
    ----------
    path : str or path-like
        A file written by the ``save`` method of :class:`LSTMClassifier`,
        :class:`LSTMRegressor`, :class:`LSTMTagger` or
        :class:`LSTMTranscriber`.
    device : str or torch.device, default=None
        Device of the loaded model ("auto", "cpu", "cuda", ...); it becomes
        the estimator's ``device`` parameter. None keeps the saved
        parameter, except that a model saved with a CUDA device loads on
        the CPU (with a warning) where CUDA is not available; a device
        given here must be available.

    Returns
    -------
    estimator : estimator instance
        The fitted estimator, ready to predict or to train further
        (``warm_start=True``). ``net_.history`` is the saved training
        history.

    Raises
    ------
    ValueError
        If the file is not one written by ``save`` (a pickle, say), was
        written by a newer version of the format, does not match the
        estimator it names, or holds non-finite weights.
    IsADirectoryError
        If ``path`` is a directory.

    See Also
    --------
    LSTMClassifier.save : Write a fitted estimator.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import sklearn_rnn
    >>> from sklearn_rnn import LSTMClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 8, 2))
    >>> y = np.where(X[:, -1, 0] > 0, "up", "down")
    >>> clf = LSTMClassifier(hidden_size=8, max_iter=5, random_state=0).fit(X, y)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = clf.save(os.path.join(folder, "model.safetensors"))
    ...     loaded = sklearn_rnn.load(path)
    >>> loaded.classes_
    array(['down', 'up'], dtype='<U4')
    >>> bool(np.array_equal(loaded.predict_proba(X), clf.predict_proba(X)))
    True
    """
    from safetensors import SafetensorError, safe_open

    from . import _skorch
    from ._base import Targets, _resolve_device

    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"Cannot load {path}: it is a directory.")
    try:
        with safe_open(path, framework="pt", device="cpu") as file:
            metadata = file.metadata() or {}
            if _METADATA_KEY not in metadata:
                raise SafetensorError("no sklearn_rnn metadata")
            document = _read_document(metadata[_METADATA_KEY], path)
            tensors = {key: file.get_tensor(key) for key in file.keys()}  # noqa: SIM118
    except SafetensorError as exc:
        if _starts_like_a_save(path):
            raise ValueError(
                f"{path} begins as a file of sklearn_rnn's save but cannot be "
                f"read ({exc}): it is truncated or damaged. Copy or save it "
                "again."
            ) from None
        raise ValueError(
            f"{path} is not a model saved by sklearn_rnn's save ({exc}). "
            "sklearn_rnn.load reads only that safe format; files written by "
            "pickle, joblib, torch.save or RNNForecaster.save (sktime's "
            "format) hold pickles, which run code when loaded: load those "
            "with pickle or sktime.base.load, and only if you trust them."
        ) from None
    if isinstance(device, torch.device):
        # The estimators' device parameter is a string (clone copies it).
        device = str(device)
    if device is not None:
        document.params["device"] = device
    cls, name = document.cls, document.cls.__name__
    estimator = cls(**document.params)
    estimator._validate_params()
    for key, value in document.fitted.items():
        setattr(estimator, key, value)
    # An explicit device must exist; the saved one falls back to the CPU.
    target = device if device is not None else _load_device(estimator.device, name)
    unknown = [k for k in tensors if not k.startswith(("module.", "criterion."))]
    if unknown:
        raise ValueError(f"{path} holds unexpected tensors {unknown[:5]}.")
    # A damaged file (or one written by hand) must not load into a model
    # that predicts NaN: weights are finite, input scales positive.
    damaged = sorted(
        key
        for key, tensor in tensors.items()
        if tensor.is_floating_point()
        and not (
            torch.isfinite(tensor).all()
            and (not key.endswith("x_scale") or (tensor > 0).all())
        )
    )
    # So must the target scaling of a regressor, kept in the JSON header.
    for key in ("_y_mean", "_y_scale"):
        if key not in document.fitted:
            continue
        value = np.asarray(document.fitted[key], dtype=float)
        if not np.isfinite(value).all() or (key == "_y_scale" and (value <= 0).any()):
            damaged.append(key)
    if damaged:
        raise ValueError(
            f"{path} holds non-finite weights or non-positive scales in "
            f"{damaged[:5]}: the file is damaged. It cannot be loaded."
        )

    def state_of(prefix):
        return {
            key[len(prefix) + 1 :]: tensor
            for key, tensor in tensors.items()
            if key.startswith(prefix + ".")
        }

    with torch.device("meta"):  # no memory, and no draw from torch's RNG
        try:
            module = estimator._build_network(
                estimator.n_features_in_, estimator.n_outputs_, estimator.patch_size_
            )
        except RuntimeError as exc:  # sizes no storage can hold
            raise ValueError(
                f"{path} names a network that cannot be built ({exc}): the "
                "file is damaged. It cannot be loaded."
            ) from None
        _as_saved(module, state_of("module"))
    # Checked before allocating: the sizes come from the file.
    _check_state(module, state_of("module"), f"{name}'s network", document, path)
    module = module.to_empty(device="cpu")
    module.load_state_dict(state_of("module"), strict=True)
    # The loss as the estimator builds it, for its buffers' names and
    # shapes; the saved buffers then replace the values.
    criterion, _ = estimator._criterion(
        Targets(
            values=torch.arange(estimator.n_outputs_),
            n_outputs=estimator.n_outputs_,
            classes=getattr(estimator, "classes_", None),
        )
    )
    saved = state_of("criterion")
    if "weight" not in criterion.state_dict():
        # Files of earlier versions hold the class weights in the loss; they
        # are sample weights now, which each fit computes from class_weight.
        saved.pop("weight", None)
    _check_state(criterion, saved, f"{name}'s loss", document, path)
    criterion.load_state_dict(saved, strict=True)
    estimator.net_ = _skorch.restore_net(
        module, criterion, _resolve_device(target, name), document.history
    )
    # The saved parameters built the network (warm_start checks them).
    estimator._built_with_ = estimator._network_signature()
    return estimator


# Parameters added since files were first saved, and the value that
# builds the network such a file holds.
_PREDATED = {"instance_norm": False}


def _as_saved(module, state):
    """Rebuild the parts of ``module`` that the file predates; built so,
    networks saved then predict as they did.

    Stems of earlier files have other first convolutions (see
    ``_modules.ConvStem.as_saved``). Files saved before
    ``readout="pool"`` read the stem's mean have a narrower first layer
    in the head.
    """
    stem = getattr(module, "stem", None)
    if stem is None:
        return
    module.stem = stem.as_saved(state)
    if module.stem_mean:
        index, first = first_linear(module.head)
        saved = state.get(f"head.{index}.weight")
        if saved is not None and saved.shape[1] < first.in_features:
            module.without_stem_mean()


@dataclass
class _Document:
    """The JSON document of a file, checked and decoded."""

    cls: type
    params: dict
    fitted: dict
    history: list
    library_version: str
    torch_version: str

    def versions(self):
        return (
            f"saved by sklearn_rnn {self.library_version} with torch "
            f"{self.torch_version}; this is sklearn_rnn {_library_version()} with "
            f"torch {torch.__version__}"
        )


def _read_document(text, path):
    """Check and decode the JSON document of the file at ``path``."""
    try:
        raw = json.loads(text)
        version = raw["format_version"]
        library = str(raw.get("sklearn_rnn_version", "unknown"))
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise ValueError(
            f"{path} has a damaged sklearn_rnn header ({exc}); it cannot be loaded."
        ) from None
    if not _is_count(version) or not 1 <= version <= FORMAT_VERSION:
        raise ValueError(
            f"{path} uses format version {version!r} (written by sklearn_rnn "
            f"{library}), but this sklearn_rnn {_library_version()} reads format "
            f"versions 1 to {FORMAT_VERSION}. Load it with sklearn_rnn "
            f"{library} or later."
        )
    classes = _estimator_classes()
    name = raw.get("estimator")
    if name not in classes:
        raise ValueError(
            f"{path} names the estimator {name!r}, which is not one that "
            f"sklearn_rnn.load builds ({sorted(classes)})."
        )
    cls = classes[name]
    try:
        params = {k: _decode(v) for k, v in raw["params"].items()}
        fitted = {k: _decode(v) for k, v in raw["fitted"].items()}
        history = _decode(raw["history"])
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ValueError(
            f"{path} has a damaged sklearn_rnn header ({exc!r}); it cannot be loaded."
        ) from None
    document = _Document(
        cls=cls,
        params=params,
        fitted=fitted,
        history=history,
        library_version=library,
        torch_version=str(raw.get("torch_version", "unknown")),
    )
    known = cls().get_params(deep=False)
    for key, value in _PREDATED.items():
        if key in known and key not in params:
            params[key] = value
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ValueError(
            f"{path} sets parameters {unknown} that {name} does not have "
            f"({document.versions()}). Load it with the version that saved it."
        )
    bad = [k for k in fitted if not _is_fitted_name(k, known, cls)]
    sizes = [fitted.get(k) for k in ("n_features_in_", "n_outputs_", "patch_size_")]
    if bad or not all(_is_count(n) and n >= 1 for n in sizes):
        raise ValueError(
            f"{path} has a damaged sklearn_rnn header (fitted attributes "
            f"{sorted(fitted)}); it cannot be loaded."
        )
    if name in _EXTRA_OUTPUTS:
        # The network has one output per class (and CTC's blank): classes
        # that do not match it would load and predict wrong labels.
        classes = fitted.get("classes_")
        expected = fitted["n_outputs_"] - _EXTRA_OUTPUTS[name]
        if not isinstance(classes, np.ndarray) or len(classes) != expected:
            raise ValueError(
                f"{path} has a damaged sklearn_rnn header: its network has "
                f"{fitted['n_outputs_']} outputs, which needs {expected} classes_, "
                f"but it holds {classes!r}. It cannot be loaded."
            )
    if not isinstance(history, list):
        raise ValueError(
            f"{path} has a damaged sklearn_rnn header (a history that is not "
            "a list of epochs); it cannot be loaded."
        )
    if _major(document.torch_version) != _major(torch.__version__):
        # The weights are plain tensors and load the same; kernels of another
        # major version may round differently in the last digits.
        warnings.warn(
            f"{path} was {document.versions()}: the weights load unchanged, "
            "but predictions may differ slightly across torch major versions.",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )
    return document


# Network outputs beyond the classes, for the estimators with classes_.
_EXTRA_OUTPUTS = {
    "LSTMClassifier": 0,
    "LSTMTagger": 0,
    "LSTMTranscriber": 1,  # CTC's blank
}


def _is_count(value):
    """An int, not a bool (JSON's true is not a version or a size)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _major(version):
    return version.split(".", 1)[0]


def _check_state(part, state, what, document, path):
    """Raise unless ``state`` has the names, shapes and dtypes of ``part``'s.

    ``load_state_dict`` alone would cast other dtypes silently.
    """
    expected = part.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = [
        f"{key} ({tuple(state[key].shape)} {state[key].dtype}, expected "
        f"{tuple(tensor.shape)} {tensor.dtype})"
        for key, tensor in expected.items()
        if key in state
        and (state[key].shape != tensor.shape or state[key].dtype != tensor.dtype)
    ]
    if missing or unexpected or wrong:
        details = "; ".join(
            part
            for part in [
                f"missing {missing[:5]}" if missing else "",
                f"unexpected {unexpected[:5]}" if unexpected else "",
                f"mismatched {wrong[:3]}" if wrong else "",
            ]
            if part
        )
        raise ValueError(
            f"The weights in {path} do not fit {what}: {details}. The file was "
            f"{document.versions()}."
        )


def _load_device(device, name):
    """The device to load on: CPU, with a warning, for CUDA where there is
    none (as an unpickled model does)."""
    if device.startswith("cuda") and not torch.cuda.is_available():
        warnings.warn(
            f"This {name} was saved with device={device!r}, but CUDA is not "
            "available here: it is loaded on the CPU. Pass device='cpu' to "
            "sklearn_rnn.load (or set_params(device='cpu')) to train it here.",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )
        return "cpu"
    return device
