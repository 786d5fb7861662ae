"""Offline fallback inventories for intersphinx.

The documentation links to Python, NumPy, pandas, scikit-learn, sktime,
skorch and PyTorch through :mod:`sphinx.ext.intersphinx`, which normally downloads each
project's ``objects.inv``. The docs must also build without network access
(CI machines only reach PyPI), so every project gets two locations in
``intersphinx_mapping``::

    "sklearn": ("https://scikit-learn.org/stable/", (None, "<dir>/sklearn.inv"))

Sphinx tries them in order. ``None`` is the real inventory on the web; when it
cannot be fetched within ``intersphinx_timeout``, Sphinx logs an info message
(not a warning) and reads the local file instead. The local files are
written by :func:`write_inventories` from the table below: a minimal
``objects.inv`` (format version 2) holding only the external names the docs
refer to, each mapped to its page under the project's real URL scheme. Links
therefore point to the same pages whichever inventory was used.

The build runs with ``nitpicky = True``: a reference to an external name
that is missing from this table (in the user guide, a docstring or a gallery
example) fails an offline build with "reference target not found". Add the
name to :data:`INVENTORIES` (usually one line; the URL follows from the
project's rule) and rebuild. Names that only docstrings inherited from
scikit-learn or sktime use go in the "inherited" tables: they are also added
to ``nitpick_ignore``, so that an online build does not fail should those
projects rename them.

Set ``SKLEARN_RNN_DOCS_OFFLINE=1`` to skip the download and use only the
local files, for instance to check this table on a machine that is online.
"""

import os
import zlib
from pathlib import Path


def _sklearn(name, role):
    if role == "std:term":
        return f"glossary.html#term-{name.replace(' ', '-')}"
    page = name
    if role in ("py:method", "py:attribute"):
        page = name.rsplit(".", 1)[0]
    return f"modules/generated/{page}.html#{name}"


def _sktime(name, role):
    page = name
    if role in ("py:method", "py:attribute"):
        page = name.rsplit(".", 1)[0]
    return f"api_reference/auto_generated/{page}.html#{name}"


def _torch(name, role):
    if role == "py:module":
        return f"{name.removeprefix('torch.')}.html#module-{name}"
    page = name
    if role in ("py:method", "py:attribute"):
        page = name.rsplit(".", 1)[0]
    return f"generated/{page}.html#{name}"


def _skorch(name, role):
    # skorch documents one page per module: skorch.net.NeuralNet is on
    # net.html, skorch.callbacks.EarlyStopping on callbacks.html.
    module = name.split(".")[1]
    return f"{module}.html#{name}"


def _numpy(name, role):
    if role == "std:term":
        return f"glossary.html#term-{name.replace(' ', '-')}"
    return f"reference/generated/{name}.html#{name}"


def _pandas(name, role):
    return f"reference/api/{name}.html#{name}"


# project -> base URL, URL rule (name, role) -> URI, and the names the docs
# refer to as {(role, name): URI}, where None means "use the rule" and an
# explicit URI is relative to the base URL. "inherited" holds names that only
# docstrings inherited from scikit-learn or sktime refer to.
INVENTORIES = {
    "python": {
        "url": "https://docs.python.org/3/",
        "rule": None,
        "names": {
            ("py:data", "None"): "library/constants.html#None",
            ("py:data", "True"): "library/constants.html#True",
            ("py:data", "False"): "library/constants.html#False",
            ("py:class", "int"): "library/functions.html#int",
            ("py:class", "float"): "library/functions.html#float",
            ("py:class", "bool"): "library/functions.html#bool",
            ("py:class", "str"): "library/stdtypes.html#str",
            ("py:class", "list"): "library/stdtypes.html#list",
            ("py:class", "tuple"): "library/stdtypes.html#tuple",
            ("py:class", "dict"): "library/stdtypes.html#dict",
            ("py:class", "range"): "library/stdtypes.html#range",
            ("py:class", "object"): "library/functions.html#object",
            ("py:function", "callable"): "library/functions.html#callable",
            ("std:label", "bltin-boolean-values"): (
                "library/stdtypes.html#bltin-boolean-values"
            ),
            ("std:term", "iterable"): "glossary.html#term-iterable",
            ("std:term", "sequence"): "glossary.html#term-sequence",
            ("py:module", "pickle"): "library/pickle.html#module-pickle",
            ("py:function", "pickle.dump"): "library/pickle.html#pickle.dump",
            ("py:function", "pickle.load"): "library/pickle.html#pickle.load",
            ("py:exception", "KeyboardInterrupt"): (
                "library/exceptions.html#KeyboardInterrupt"
            ),
        },
        "inherited": {
            ("std:term", "generator"): "glossary.html#term-generator",
        },
    },
    "numpy": {
        "url": "https://numpy.org/doc/stable/",
        "rule": _numpy,
        "names": {
            ("py:class", "numpy.ndarray"): None,
            ("py:data", "numpy.nan"): "reference/constants.html#numpy.nan",
            ("py:data", "numpy.inf"): "reference/constants.html#numpy.inf",
            ("py:class", "numpy.random.RandomState"): (
                "reference/random/legacy.html#numpy.random.RandomState"
            ),
            ("std:term", "array_like"): None,
            ("std:label", "arrays.scalars"): "reference/arrays.scalars.html",
        },
        "inherited": {},
    },
    "pandas": {
        "url": "https://pandas.pydata.org/docs/",
        "rule": _pandas,
        "names": {
            ("py:class", "pandas.DataFrame"): None,
            ("py:class", "pandas.Series"): None,
        },
        "inherited": {},
    },
    "sklearn": {
        "url": "https://scikit-learn.org/stable/",
        "rule": _sklearn,
        "names": {
            ("py:class", "sklearn.linear_model.LogisticRegression"): None,
            ("py:class", "sklearn.linear_model.SGDClassifier"): None,
            ("py:function", "sklearn.utils.class_weight.compute_class_weight"): None,
            ("py:function", "sklearn.metrics.accuracy_score"): None,
            ("py:class", "sklearn.neural_network.MLPClassifier"): None,
            ("py:class", "sklearn.exceptions.ConvergenceWarning"): None,
            ("py:class", "sklearn.pipeline.Pipeline"): None,
            ("py:class", "sklearn.model_selection.TimeSeriesSplit"): None,
            ("py:class", "sklearn.model_selection.GridSearchCV"): None,
            ("py:class", "sklearn.model_selection.RandomizedSearchCV"): None,
            ("py:function", "sklearn.model_selection.cross_validate"): None,
            ("py:class", "sklearn.model_selection.GroupKFold"): None,
            ("py:function", "sklearn.model_selection.cross_val_score"): None,
            ("py:function", "sklearn.model_selection.train_test_split"): None,
            ("std:term", "fit"): None,
            ("py:function", "sklearn.base.clone"): None,
            ("py:method", "sklearn.neural_network.MLPClassifier.partial_fit"): None,
            ("py:method", "sklearn.neural_network.MLPRegressor.partial_fit"): None,
            ("std:label", "metadata_routing"): "metadata_routing.html",
        },
        "inherited": {
            ("std:label", "accuracy_score"): (
                "modules/model_evaluation.html#accuracy-score"
            ),
            ("std:label", "r2_score"): "modules/model_evaluation.html#r2-score",
            ("py:function", "sklearn.metrics.r2_score"): None,
            ("py:class", "sklearn.multioutput.MultiOutputRegressor"): None,
        },
    },
    "sktime": {
        "url": "https://www.sktime.net/en/stable/",
        "rule": _sktime,
        "names": {
            ("py:class", "sktime.forecasting.base.BaseForecaster"): None,
            ("py:class", "sktime.forecasting.ets.AutoETS"): None,
            ("py:class", "sktime.forecasting.arima.AutoARIMA"): None,
            (
                "py:class",
                "sktime.forecasting.model_selection.ForecastingGridSearchCV",
            ): None,
            ("py:class", "sktime.split.ExpandingWindowSplitter"): None,
            ("py:function", "sktime.forecasting.compose.make_reduction"): None,
            ("py:function", "sktime.forecasting.model_evaluation.evaluate"): None,
        },
        "inherited": {
            ("std:term", "mtype"): "glossary.html#term-mtype",
            ("std:term", "scitype"): "glossary.html#term-scitype",
            # A function that sktime's docstring of score() calls a method.
            (
                "py:method",
                "sktime.performance_metrics.forecasting.mean_absolute_percentage_error",
            ): (
                "api_reference/auto_generated/sktime.performance_metrics"
                ".forecasting.mean_absolute_percentage_error.html"
                "#sktime.performance_metrics.forecasting"
                ".mean_absolute_percentage_error"
            ),
        },
    },
    "skorch": {
        "url": "https://skorch.readthedocs.io/en/stable/",
        "rule": _skorch,
        "names": {
            ("py:class", "skorch.net.NeuralNet"): None,
            ("py:class", "skorch.history.History"): None,
            ("py:module", "skorch.callbacks"): "callbacks.html#module-skorch.callbacks",
            ("py:class", "skorch.callbacks.EarlyStopping"): None,
            ("py:class", "skorch.callbacks.Checkpoint"): None,
            ("py:class", "skorch.callbacks.EpochScoring"): None,
            ("py:class", "skorch.callbacks.BatchScoring"): None,
        },
        "inherited": {},
    },
    "torch": {
        "url": "https://docs.pytorch.org/docs/stable/",
        "rule": _torch,
        "names": {
            ("py:class", "torch.nn.CTCLoss"): None,
            ("py:class", "torch.nn.LSTM"): None,
            ("py:class", "torch.nn.Module"): None,
            ("py:class", "torch.optim.Adam"): None,
            ("py:class", "torch.optim.SGD"): None,
            ("py:class", "torch.optim.lr_scheduler.ReduceLROnPlateau"): None,
            ("py:function", "torch.nn.utils.clip_grad_norm_"): None,
            ("py:function", "torch.nn.utils.rnn.pack_padded_sequence"): None,
            ("py:function", "torch.cuda.is_available"): None,
            ("py:function", "torch.set_num_threads"): None,
            ("py:function", "torch.save"): None,
            ("py:class", "torch.Generator"): None,
            ("py:function", "torch.random.fork_rng"): (
                "random.html#torch.random.fork_rng"
            ),
            ("py:module", "torch.distributed"): None,
            ("py:class", "torch.nn.CrossEntropyLoss"): None,
            ("py:class", "torch.nn.parallel.DistributedDataParallel"): None,
        },
        "inherited": {},
    },
}

# Inventory object types -> the roles that refer to them.
_ROLES = {
    "py:class": ("py:class", "py:obj"),
    "py:function": ("py:func", "py:obj"),
    "py:method": ("py:meth", "py:obj"),
    "py:attribute": ("py:attr", "py:obj"),
    "py:data": ("py:data", "py:obj"),
    "py:exception": ("py:exc", "py:obj"),
    "py:module": ("py:mod", "py:obj"),
    "std:label": ("std:ref",),
    "std:term": ("std:term",),
}


def nitpick_ignore():
    """``nitpick_ignore`` entries for the names of the "inherited" tables."""
    return sorted(
        (role, name)
        for project in INVENTORIES.values()
        for objtype, name in project["inherited"]
        for role in _ROLES[objtype]
    )


def _inventory_bytes(project, entries):
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        "# Version: stable\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    # name, domain:role, priority, URI, display name ("-": same as the name).
    body = "".join(
        f"{name} {role} 1 {uri} -\n" for (role, name), uri in sorted(entries.items())
    )
    return header.encode() + zlib.compress(body.encode(), 9)


def write_inventories(directory):
    """Write ``<project>.inv`` for each project; return ``intersphinx_mapping``.

    Files are rewritten only when their content changes, so that incremental
    builds are not invalidated.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    offline = os.environ.get("SKLEARN_RNN_DOCS_OFFLINE", "") not in ("", "0")
    mapping = {}
    for project, spec in INVENTORIES.items():
        names = {**spec["names"], **spec["inherited"]}
        entries = {
            (role, name): uri if uri is not None else spec["rule"](name, role)
            for (role, name), uri in names.items()
        }
        path = directory / f"{project}.inv"
        data = _inventory_bytes(project, entries)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        fallback = str(path.resolve())
        locations = (fallback,) if offline else (None, fallback)
        mapping[project] = (spec["url"], locations)
    return mapping
