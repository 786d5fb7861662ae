"""
=====================================================
A network of your own: attention pooling over steps
=====================================================

The estimators build their own network from a few parameters, but any
:class:`torch.nn.Module` with ``forward(x, lengths)`` can take its place
through ``module=``, and keep everything else: the standardisation of the
inputs, batches of sequences of different lengths with their lengths,
minibatches, learning-rate
reduction, early stopping, and the scikit-learn API (``score``, ``clone``,
grid search). This example writes a small attention-pooling classifier: a GRU
reads each sequence, a learned score weighs its steps (the observed ones only)
and the weighted mean of its outputs is classified. It is fitted on the
JapaneseVowels data set (shipped with sktime; utterances of 7 to 29 frames)
and compared with the default network.
"""

# %%
# The data
# --------
# A ``nested_univ`` DataFrame: one row per utterance, one column per cepstral
# coefficient (12), utterances of different lengths; nine speakers to tell
# apart.
import numpy as np
import torch
from sktime.datasets import load_japanese_vowels
from torch import nn

X_train, y_train = load_japanese_vowels(split="train")
X_test, y_test = load_japanese_vowels(split="test")
print(f"train: {X_train.shape}, test: {X_test.shape}, speakers: {np.unique(y_train)}")

# %%
# The module
# ----------
# The estimator builds it as ``AttentionPooling(n_features=12, n_outputs=9,
# **module__params)``. ``forward`` receives ``x`` (batch, time, features),
# already standardised, zero past each utterance's end, and ``lengths``, the
# observed frames of each utterance (None when a batch has only full-length
# ones). It returns one row of logits per utterance.


class AttentionPooling(nn.Module):
    """GRU outputs, weighed by learned attention over the observed steps."""

    def __init__(self, n_features, n_outputs, width=32):
        super().__init__()
        self.gru = nn.GRU(n_features, width, batch_first=True)
        self.score = nn.Linear(width, 1)  # one attention score per step
        self.out = nn.Linear(width, n_outputs)

    def forward(self, x, lengths):
        if lengths is None:
            h, _ = self.gru(x)
        else:
            # Packed, so that the GRU stops at each utterance's last frame.
            packed = nn.utils.rnn.pack_padded_sequence(
                x, lengths.cpu(), batch_first=True, enforce_sorted=False
            )
            h, _ = self.gru(packed)
            h, _ = nn.utils.rnn.pad_packed_sequence(
                h, batch_first=True, total_length=x.shape[1]
            )
        scores = self.score(h).squeeze(-1)  # (batch, time)
        if lengths is not None:
            # Steps past an utterance's end get no weight.
            steps = torch.arange(x.shape[1], device=x.device)
            scores = scores.masked_fill(steps >= lengths[:, None], -torch.inf)
        weights = torch.softmax(scores, dim=1)
        pooled = (weights[..., None] * h).sum(dim=1)  # (batch, width)
        return self.out(pooled)


# %%
# Fitting it, and the default network
# -----------------------------------
# ``module__width`` goes to the module's constructor. The default network
# (convolutional stem, LSTM, pooled read-out) is fitted with the same
# training settings for comparison. Both stop after 30 epochs, which keeps
# this page quick to build; the default ``max_iter`` is 400 (run on its own,
# each fit warns with a ConvergenceWarning that it reached ``max_iter``; the
# documentation build silences that warning). One seed on one split: a comparison of
# architectures needs several seeds.
from sklearn_rnn import LSTMClassifier

attention = LSTMClassifier(
    module=AttentionPooling, module__width=32, max_iter=30, random_state=0
)
attention.fit(X_train, y_train)
default = LSTMClassifier(max_iter=30, random_state=0).fit(X_train, y_train)
for name, clf in [("attention pooling", attention), ("default network", default)]:
    n_weights = sum(p.numel() for p in clf.net_.module_.parameters())
    print(
        f"{name}: {n_weights} weights, {clf.n_iter_} epochs, "
        f"test accuracy {clf.score(X_test, y_test):.3f}"
    )

# %%
# Where does it look?
# -------------------
# The fitted module is ``net_.module_.module`` (``net_.module_`` is the
# wrapper that standardises the inputs). A forward hook on its attention
# scores shows how the weight is spread over one utterance's frames.
import matplotlib.pyplot as plt

module = attention.net_.module_
captured = []
hook = module.module.score.register_forward_hook(
    lambda layer, args, out: captured.append(out.squeeze(-1))
)
attention.predict(X_test.iloc[:1])
hook.remove()
weights = torch.softmax(captured[0][0], dim=0).cpu().numpy()  # GPU or CPU

fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(np.arange(len(weights)), weights)
ax.set(
    xlabel="frame",
    ylabel="attention weight",
    title=f"test utterance 0 ({len(weights)} frames)",
)
fig.tight_layout()
plt.show()
