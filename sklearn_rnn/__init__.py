"""Recurrent neural networks (RNN, LSTM, GRU) as scikit-learn estimators."""

from ._lstm import LSTMClassifier, LSTMRegressor
from ._persistence import load
from ._sequence import LSTMTagger, LSTMTranscriber
from ._windowing import SlidingWindowTransformer, equalize_lengths, make_windows
from .forecasting import RNNForecaster

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
