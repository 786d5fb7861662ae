"""
=====================================================
Transcription with CTC: who spoke, in which order
=====================================================

The lecture notes' *temporal classification*: the target of a sequence is a
sequence of labels, without any alignment. Here a sequence strings together
2 to 5 JapaneseVowels utterances (12 cepstral coefficients per frame, nine
speakers), and its target is the list of speakers in order, with nothing
saying where one utterance ends. :class:`~sklearn_rnn.LSTMTranscriber` learns
it with connectionist temporal classification (CTC). Training sequences are
built from the official train utterances only, test sequences from the test
utterances.
"""

# %%
# Label sequences without alignment
# ---------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sktime.datasets import load_japanese_vowels

from sklearn_rnn import LSTMTranscriber


def utterances(split):
    X, y = load_japanese_vowels(split=split, return_type="nested_univ")
    X = [np.column_stack([cell.to_numpy() for cell in row]) for row in X.values]
    return X, np.asarray(y)


def concatenate(X, y, n, rng):
    """``n`` sequences of 2 to 5 utterances, with their speakers in order."""
    sequences, speakers, bounds = [], [], []
    for _ in range(n):
        chosen = rng.randint(len(X), size=rng.randint(2, 6))
        sequences.append(np.concatenate([X[i] for i in chosen]))
        speakers.append([str(y[i]) for i in chosen])
        bounds.append(np.cumsum([len(X[i]) for i in chosen]))
    return sequences, speakers, bounds


rng = np.random.RandomState(0)
X_train, y_train, _ = concatenate(*utterances("train"), 500, rng)
X_test, y_test, bounds_test = concatenate(*utterances("test"), 200, rng)
print(f"first training targets: {y_train[:3]}")

# %%
# Training with CTC
# -----------------
# The label sequences are all the supervision there is. At each frame the
# network outputs a distribution over the nine speakers and a *blank*; CTC
# sums the probability of every way of aligning the speakers with the
# frames. Decoding takes the most probable output of each frame, merges
# repeats and drops the blanks. ``max_iter`` is kept small for the
# documentation build: run on its own, the fit warns with a
# ``ConvergenceWarning`` that it reached ``max_iter`` (the build silences
# that warning).
model = LSTMTranscriber(
    hidden_size=32, learning_rate_init=0.005, max_iter=8, random_state=0
)
model.fit(X_train, y_train)
print(f"test label error rate: {1 - model.score(X_test, y_test):.3f}")

# %%
# Decoded label sequences against the references
# ----------------------------------------------
# Each row is one test sequence: its utterances as blocks coloured by the
# true speaker, the decoded speakers written underneath.
pred = model.predict(X_test)
colors = plt.get_cmap("tab10")
fig, ax = plt.subplots(figsize=(8, 5))
for row in range(10):
    start = 0
    for speaker, end in zip(y_test[row], bounds_test[row], strict=True):
        ax.barh(
            row,
            end - start,
            left=start,
            color=colors(int(speaker)),
            edgecolor="white",
            height=0.5,
        )
        ax.text((start + end) / 2, row, speaker, ha="center", va="center")
        start = end
    decoded = " ".join(pred[row])
    mark = "" if list(pred[row]) == y_test[row] else "   (differs)"
    ax.text(0, row + 0.38, f"decoded: {decoded}{mark}", fontsize=8, va="center")
ax.set_yticks([])
ax.invert_yaxis()
ax.set_xlabel("frame")
ax.set_title("true speakers (blocks) and decoded speakers (text)")
fig.tight_layout()
plt.show()
