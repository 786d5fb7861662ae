"""Sphinx configuration of the sklearn_rnn documentation.

Build from the repository root (what CI runs; warnings are errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The gallery examples run during the build. ``-D plot_gallery=0`` skips them
for a quick look at the prose.
"""

import inspect
import re
import sys
import warnings
from pathlib import Path

# No thread setting: the estimators run the examples' small networks on one
# torch thread themselves (see the ``n_jobs`` parameter).

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import intersphinx_fallback
from sklearn.exceptions import ConvergenceWarning

import sklearn_rnn

# To fit the build's time budget, gallery examples train for a small, fixed
# number of epochs; the ConvergenceWarning that max_iter ended a fit would
# repeat on every page. Run on its own, an example shows it.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# -- Project ----------------------------------------------------------------

project = "sklearn_rnn"
author = "The sklearn_rnn developers"
copyright = "The sklearn_rnn developers, BSD-3-Clause"
release = sklearn_rnn.__version__
version = release

# -- General ----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_inventories", "Thumbs.db", ".DS_Store"]
# Every cross-reference must resolve, external ones included: this is what
# checks that the offline inventories (intersphinx_fallback.py) are complete.
nitpicky = True
default_role = "literal"

# -- autodoc / autosummary ----------------------------------------------------

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
autoclass_content = "class"

# -- numpydoc -------------------------------------------------------------------

numpydoc_show_class_members = False
numpydoc_xref_param_type = True
numpydoc_xref_aliases = {
    "LSTMRegressor": "sklearn_rnn.LSTMRegressor",
    "skorch.NeuralNet": "skorch.net.NeuralNet",
    "DataFrame": "pandas.DataFrame",
}
# Words of type descriptions that are not objects ("of", "shape", ...) are
# left as text instead of becoming references.
numpydoc_xref_ignore = "all"
# Every numpydoc check except the ones that do not fit an estimator API:
# methods need no extended summary, See Also or Examples of their own (the
# class has them; the public classes and functions are checked for Examples
# below), and "self : object" names its return value.
numpydoc_validation_checks = {"all", "ES01", "SA01", "EX01", "RT02"}


def _inherited_from_other_packages():
    """Regexes of public members that sklearn_rnn inherits from other packages.

    Their docstrings belong to scikit-learn or sktime: they are shown in the
    API reference but not validated here.
    """
    names = []
    for public in sklearn_rnn.__all__:
        obj = getattr(sklearn_rnn, public)
        if not inspect.isclass(obj):
            continue
        for attr in dir(obj):
            owner = next((k for k in obj.__mro__ if attr in vars(k)), None)
            if owner is not None and not owner.__module__.startswith("sklearn_rnn"):
                names.append(rf"^sklearn_rnn\.{public}\.{attr}$")
    return names


numpydoc_validation_exclude = set(_inherited_from_other_packages())

# -- intersphinx ------------------------------------------------------------------

# The real inventories when the network answers within the timeout, otherwise
# minimal local ones written from intersphinx_fallback.INVENTORIES (see there).
intersphinx_mapping = intersphinx_fallback.write_inventories(HERE / "_inventories")
intersphinx_timeout = 5
# Names that only docstrings inherited from scikit-learn or sktime refer to:
# the fallback resolves them offline, and should a project's real inventory
# drop one, that is not an error of these docs.
nitpick_ignore = intersphinx_fallback.nitpick_ignore()

# -- sphinx-gallery -----------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Only plot_*.py files are executed; quickstart.py is a plain script (run
    # by tests/test_commands.py), not a gallery page.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"^(__init__|quickstart)\.py$",
    # Re-run every example on every build: their outputs must come from the
    # library as it is now, not from a cached run before a code change.
    "run_stale_examples": True,
    # A failing example fails the build; all failures are reported at the
    # end rather than stopping at the first one.
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "doc_module": ("sklearn_rnn",),
    "backreferences_dir": "gen_modules/backreferences",
    "remove_config_comments": True,
    "show_memory": False,
}

# -- HTML -------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn_rnn {release}"
html_theme_options = {
    "github_url": "https://github.com/sklearn-rnn/sklearn_rnn",
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
html_show_sourcelink = False


# -- Checks of the public API ------------------------------------------------------


def _check_public_api(app):
    """Every public name is in api.rst and has a runnable Examples section."""
    from numpydoc.docscrape import NumpyDocString
    from sphinx.util import logging

    logger = logging.getLogger("sklearn_rnn.docs")
    api = (HERE / "api.rst").read_text()
    for name in sklearn_rnn.__all__:
        if name.startswith("__"):
            continue
        if f"   {name}\n" not in api:
            logger.warning(f"sklearn_rnn.{name} is public but missing from api.rst")
        doc = inspect.getdoc(getattr(sklearn_rnn, name)) or ""
        examples = "\n".join(NumpyDocString(doc)["Examples"])
        if ">>>" not in examples:
            logger.warning(
                f"sklearn_rnn.{name} needs an Examples section with doctests"
            )


# Methods inherited from sktime's BaseForecaster that users of RNNForecaster
# call; the rest of sktime's base-class API (tags, configuration, testing
# helpers) is documented by sktime.
_SKTIME_METHODS = {
    "fit",
    "predict",
    "fit_predict",
    "predict_interval",
    "predict_quantiles",
    "predict_var",
    "predict_residuals",
    "update",
    "update_predict",
    "score",
    "get_params",
    "set_params",
    "get_fitted_params",
    "clone",
    "cutoff",
    "fh",
    "is_fitted",
}


def _skip_member(app, what, name, obj, skip, options):
    """Hide inherited machinery that is not part of sklearn_rnn's user API."""
    if what != "class":
        return None
    # scikit-learn's metadata-routing and set_output plumbing: the estimators
    # here take no sample weights, and 3-D outputs cannot be DataFrames.
    if name in ("get_metadata_routing", "set_output") or re.fullmatch(
        r"set_\w+_request", name
    ):
        return True
    func = getattr(obj, "fget", None) or getattr(obj, "__func__", None) or obj
    module = getattr(func, "__module__", None) or ""
    if module.split(".")[0] in ("sktime", "skbase"):
        return name not in _SKTIME_METHODS
    return None


def _example_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``:example:`plot_name``` links to a gallery example once it exists.

    Until ``examples/plot_name.py`` exists, the name is shown as literal
    text, so the prose can mention examples that are still being written
    without breaking the build.
    """
    from docutils import nodes

    if (HERE.parent / "examples" / f"{text}.py").exists():
        ref = inliner.document.settings.env.get_domain("std").role("ref")
        target = f"sphx_glr_auto_examples_{text}.py"
        return ref("ref", f":ref:`{target}`", target, lineno, inliner, {}, [])
    return [nodes.literal(rawtext, text)], []


def setup(app):
    app.connect("builder-inited", _check_public_api)
    app.connect("autodoc-skip-member", _skip_member)
    app.add_role("example", _example_role)
