"""Recurrent neural networks (RNN, LSTM, GRU) as scikit-learn estimators."""

import importlib

from ._lstm import LSTMClassifier, LSTMRegressor
from ._persistence import load
from ._sequence import LSTMTagger, LSTMTranscriber
from ._windowing import SlidingWindowTransformer, equalize_lengths, make_windows

__version__ = "0.1.0.dev0"

__all__ = [
    "LSTMClassifier",
    "LSTMRegressor",
    "LSTMTagger",
    "LSTMTranscriber",
    "RNNForecaster",
    "SlidingWindowTransformer",
    "__version__",
    "equalize_lengths",
    "load",
    "make_windows",
]


def __getattr__(name):
    # RNNForecaster, and its subpackage, are imported on first use: they
    # import sktime, about a second, which users of the other estimators
    # need not wait for.
    if name in ("RNNForecaster", "forecasting"):
        # Not "from . import forecasting", which asks this function first.
        forecasting = importlib.import_module(".forecasting", __name__)
        return forecasting if name == "forecasting" else forecasting.RNNForecaster
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})
