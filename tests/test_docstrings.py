"""Docstrings are written out in full, and the shared blocks stay in step."""

import ast
import inspect
import re
import textwrap

import pytest

import sklearn_rnn
from sklearn_rnn import LSTMClassifier


def sections(doc, title):
    """``{name: full text}`` of the entries of one numpydoc section."""
    match = re.search(
        rf"\n    {title}\n    -+\n(.*?)(?=\n    \w[\w ]*\n    -+\n|\Z)", doc, re.S
    )
    assert match, f"no {title} section"
    entries, name = {}, None
    for line in match.group(1).splitlines():
        head = re.match(r"    (\*{0,2}\w+) : ", line)  # **kwargs too
        if head:
            name = head.group(1)
            entries[name] = [line]
        elif name is not None:
            entries[name].append(line)
    return {k: "\n".join(v).rstrip() for k, v in entries.items()}


ESTIMATORS = [
    getattr(sklearn_rnn, name)
    for name in sklearn_rnn.__all__
    if name.startswith("LSTM")
]
# Entries that say what differs on purpose: the loss and score, the labels,
# and the default crops (a window keeps a class, not a regression target).
OWN = {
    "loss_curve_",
    "validation_scores_",
    "classes_",
    "patch_size",
    "random_crop",
    "readout",  # the regressor's may also be an int: many-to-many
}
# The training parameters: the same meaning in every estimator.
TRAINING = [
    "solver",
    "learning_rate",
    "momentum",
    "alpha",
    "batch_size",
    # max_iter: 400 for the many-to-one estimators (whose default crops
    # train longer), 200 for the sequence outputs; each pair agrees (below).
    "clip_grad_norm",
    # early_stopping, validation_fraction, warm_start and random_state: the
    # hold-out and the scaling differ between the many-to-one estimators
    # and the sequence outputs; each pair agrees (below).
    "n_iter_no_change",
    "tol",
    "verbose",
    "device",
    "n_jobs",
    "callbacks",
]


@pytest.mark.parametrize(
    "pair",
    [
        (sklearn_rnn.LSTMClassifier, sklearn_rnn.LSTMRegressor),
        (sklearn_rnn.LSTMTagger, sklearn_rnn.LSTMTranscriber),
    ],
    ids=["many-to-one", "sequence-outputs"],
)
@pytest.mark.parametrize("section", ["Parameters", "Attributes"])
def test_sibling_estimators_share_their_entries(pair, section):
    first, second = (sections(cls.__doc__, section) for cls in pair)
    shared = (set(first) & set(second)) - OWN
    assert shared
    for name in sorted(shared):
        assert first[name] == second[name], name


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_training_parameters_read_the_same_everywhere(Estimator):
    reference = sections(LSTMClassifier.__doc__, "Parameters")
    entries = sections(Estimator.__doc__, "Parameters")
    for name in TRAINING:
        assert entries[name] == reference[name], name


def test_every_parameter_is_documented():
    for Estimator in ESTIMATORS:
        documented = set(sections(Estimator.__doc__, "Parameters"))
        # **module_params: the module__<name> parameters, none by default.
        documented.discard("**module_params")
        assert documented == set(Estimator().get_params()), Estimator.__name__


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_docstrings_are_written_out_in_the_source(Estimator):
    """Not filled in at import: ``python -OO`` strips docstrings.

    (Importing under -OO still fails inside skorch 1.4, whose
    NeuralNetClassifier builds its docstring from NeuralNet's.)
    """
    tree = ast.parse(textwrap.dedent(inspect.getsource(Estimator)))
    assert ast.get_docstring(tree.body[0], clean=False) == Estimator.__doc__


# The numpydoc checks of the docs build (docs/conf.py), run on every public
# function, class and method that sklearn_rnn defines itself, so that the
# test command catches a docstring the -W docs build would refuse.
_SKIPPED_CHECKS = {"ES01", "SA01", "EX01", "RT02"}


def _own_public_names():
    names = []
    for public in sklearn_rnn.__all__:
        obj = getattr(sklearn_rnn, public)
        if not callable(obj):
            continue
        names.append(f"sklearn_rnn.{public}")
        if not inspect.isclass(obj):
            continue
        for attr in dir(obj):
            owner = next((k for k in obj.__mro__ if attr in vars(k)), None)
            own = owner is not None and owner.__module__.startswith("sklearn_rnn")
            if own and not attr.startswith("_") and callable(getattr(obj, attr)):
                names.append(f"sklearn_rnn.{public}.{attr}")
    return names


@pytest.mark.parametrize("name", _own_public_names())
def test_numpydoc_validation_of_own_docstrings(name):
    validate = pytest.importorskip("numpydoc.validate").validate
    errors = [e for e in validate(name)["errors"] if e[0] not in _SKIPPED_CHECKS]
    assert not errors, errors
