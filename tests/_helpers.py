"""Small estimators and data shared by the test modules."""

import numpy as np
import torch

from sklearn_rnn import LSTMClassifier, LSTMRegressor

ESTIMATORS = [LSTMClassifier, LSTMRegressor]


def fast(Estimator, **params):
    """A tiny, seeded, CPU estimator: tests check behaviour, not accuracy."""
    defaults = dict(
        hidden_size=8, conv_channels=4, max_iter=5, random_state=0, device="cpu"
    )
    return Estimator(**{**defaults, **params})


def sequence_data(
    Estimator=LSTMRegressor, n=120, m=10, p=2, seed=0, noise=0.1, labels="str"
):
    """Sequences whose target is the sum of the last 3 values of feature 0.

    The one data builder of the tests. The classifier gets the sign of that
    sum as labels "down"/"up" (``labels="int"``: 0/1).
    """
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, m, p))
    y = X[:, -3:, 0].sum(axis=1) + noise * rng.normal(size=n)
    if Estimator is LSTMClassifier:
        return X, (y > 0).astype(int) if labels == "int" else np.where(
            y > 0, "up", "down"
        )
    return X, y


def outputs(est, X):
    """The continuous output: class probabilities or regression values."""
    return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)


def interrupt_at(monkeypatch, call):
    """Raise KeyboardInterrupt (as Ctrl-C would) when batch ``call`` is drawn.

    Batches are counted over all fits from the call on, training and
    validation batches alike.
    """
    from sklearn_rnn._skorch import SequenceDataset

    calls = {"n": 0}
    original = SequenceDataset.get_batch

    def get_batch(self, positions):
        calls["n"] += 1
        if calls["n"] == call:
            raise KeyboardInterrupt
        return original(self, positions)

    monkeypatch.setattr(SequenceDataset, "get_batch", get_batch)
    return calls


class TinyLSTM(torch.nn.Module):
    """A user's module as ``module=`` takes it: an LSTM read at each sequence's
    last observed step."""

    def __init__(self, n_features, n_outputs, width=4):
        super().__init__()
        self.rnn = torch.nn.LSTM(n_features, width, batch_first=True)
        self.out = torch.nn.Linear(width, n_outputs)

    def forward(self, x, lengths):
        h, _ = self.rnn(x)
        if lengths is None:
            return self.out(h[:, -1])
        return self.out(h[torch.arange(len(h)), lengths - 1])


def training_result(curve):
    """A finished training whose monitored (training) loss followed
    ``curve``: the warnings about it are tested on written results, since
    a loss that oscillates ends where rounding puts it."""
    from sklearn_rnn._skorch import TrainingResult

    return TrainingResult(
        net=None,
        loss_curve=curve,
        validation_scores=None,
        valid_losses=None,
        converged=True,
        interrupted=False,
        monitored=curve,
        kept=len(curve),
    )
