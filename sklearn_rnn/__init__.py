"""Recurrent neural networks (RNN, LSTM, GRU) as scikit-learn estimators."""

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
    # RNNForecaster is imported on first use: it imports sktime, about a
    # second, which users of the other estimators need not wait for.
    if name == "RNNForecaster":
        from .forecasting import RNNForecaster

        return RNNForecaster
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})
