"""
==================================================
Sequences of different lengths: Japanese vowels
==================================================

In the JapaneseVowels data set (shipped with sktime), each sample is one
speaker uttering a Japanese vowel pair, recorded as 12 cepstral coefficients
per frame; the task is to recognise which of nine speakers is talking. The
utterances have different numbers of frames. This example fits
:class:`~sklearn_rnn.LSTMClassifier` directly on the ragged data, then
checks what the lecture's zero padding would change: when the LSTM stops at
each utterance's own last frame, a prediction does not depend on the other
sequences of the batch; with zero padding it does.
"""

# %%
# The data: a nested DataFrame of unequal lengths
# ------------------------------------------------
# sktime returns a ``nested_univ`` DataFrame: one row per utterance, one
# column per coefficient, each cell a pandas Series holding that coefficient
# over time.
import matplotlib.pyplot as plt
import numpy as np
from sktime.datasets import load_japanese_vowels

X_train, y_train = load_japanese_vowels(split="train")
X_test, y_test = load_japanese_vowels(split="test")
print(f"train: {X_train.shape}, test: {X_test.shape}, speakers: {np.unique(y_train)}")
print(f"type of one cell: {type(X_train.iloc[0, 0]).__name__}")

len_train = X_train.iloc[:, 0].map(len).to_numpy()
len_test = X_test.iloc[:, 0].map(len).to_numpy()
print(
    f"frames per utterance: train {len_train.min()}-{len_train.max()}, "
    f"test {len_test.min()}-{len_test.max()}"
)

fig, ax = plt.subplots(figsize=(7, 3))
bins = (
    np.arange(
        min(len_train.min(), len_test.min()), max(len_train.max(), len_test.max()) + 2
    )
    - 0.5
)
ax.hist([len_train, len_test], bins=bins, label=["train", "test"])
ax.set(xlabel="frames per utterance", ylabel="utterances")
ax.legend()
fig.tight_layout()

# %%
# Fitting on the ragged data
# --------------------------
# The estimators accept the nested DataFrame as it is. Inside, the LSTM
# runs over the padded batch, whose padding comes after the frames and
# cannot change the states before it, and each utterance's final state is
# read at its own last frame. That gives what
# :func:`torch.nn.utils.rnn.pack_padded_sequence` would, faster on a CPU.
# (A bidirectional LSTM's backward direction reads each utterance reversed
# within its own length.)
from sklearn_rnn import LSTMClassifier

clf = LSTMClassifier(random_state=0).fit(X_train, y_train)
print(f"epochs: {clf.n_iter_}, test accuracy: {clf.score(X_test, y_test):.3f}")

# %%
# The same utterances as a list of ``(M_i, 12)`` arrays, the package's
# framework-neutral form for sequences of different lengths, give the same
# predictions.


def to_list(frame):
    """Nested DataFrame -> list of (n_frames, n_coefficients) arrays."""
    return [np.column_stack([cell.to_numpy() for cell in row]) for row in frame.values]


seqs_train, seqs_test = to_list(X_train), to_list(X_test)
print(f"first test utterance: {seqs_test[0].shape}")
same = np.array_equal(clf.predict(seqs_test), clf.predict(X_test))
print(f"same predictions from the list and the DataFrame: {same}")

# %%
# scikit-learn warns above that the list has no feature names: the model
# was fitted on the DataFrame, whose column names it checks at predict
# time. The columns are in the same order here, so the rest of this example
# predicts from lists without that warning.
import warnings

warnings.filterwarnings("ignore", message="X does not have valid feature names")

# %%
# A prediction does not depend on the batch
# -----------------------------------------
# Take the shortest test utterance and predict it alone, then in one batch
# with the five longest ones.
short = int(np.argmin(len_test))
longest = np.argsort(len_test)[-5:]
alone = clf.predict_proba([seqs_test[short]])[0]
in_batch = clf.predict_proba([seqs_test[short]] + [seqs_test[j] for j in longest])[0]
print(
    f"utterance {short}: {len_test[short]} frames, batched with utterances of "
    f"{len_test[longest].tolist()} frames"
)
print(f"largest difference in probability: {np.abs(alone - in_batch).max():.1e}")
print(
    f"predicted speaker alone: {clf.classes_[alone.argmax()]}, in the batch: "
    f"{clf.classes_[in_batch.argmax()]}, true: {y_test[short]}"
)

# %%
# The probabilities agree to within float32 rounding: only the size of the
# matrix products differs between the two calls.
#
# Zero padding, the naive way
# ---------------------------
# The lecture's first strategy for unequal lengths is to pad with zeros up to
# the longest sequence. :func:`~sklearn_rnn.equalize_lengths` does that with
# ``fill_value=0``; the padding goes before the first frame. To the network
# those zeros are frames like any other, read before the utterance starts:
# the shortest utterance is preceded by more zero frames than it has frames.
from sklearn_rnn import equalize_lengths

zero_padded = equalize_lengths(seqs_test, "pad", fill_value=0)
nan_padded = equalize_lengths(seqs_test, "pad")  # fill_value=np.nan
print(f"padded test set: {zero_padded.shape}")
print(f"test accuracy, zero padding: {clf.score(zero_padded, y_test):.3f}")
print(f"test accuracy, NaN padding:  {clf.score(nan_padded, y_test):.3f}")

zero_proba = clf.predict_proba(zero_padded)[short]
print(
    f"utterance {short} zero-padded to {zero_padded.shape[1]} frames: predicted "
    f"speaker {clf.classes_[zero_proba.argmax()]}, probability of the true "
    f"speaker {zero_proba[clf.classes_ == y_test[short]][0]:.3f} instead of "
    f"{alone[clf.classes_ == y_test[short]][0]:.3f}"
)

# %%
# NaN rows are what the estimators read as padding, so NaN padding gives the
# same answer as the utterance alone. Zero padding changes the input, and a
# model trained on unpadded utterances has never seen such leading zeros.
x = np.arange(len(clf.classes_))
fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(x - 0.27, alone, width=0.27, label="alone")
ax.bar(x, in_batch, width=0.27, label="with the 5 longest")
ax.bar(x + 0.27, zero_proba, width=0.27, label="zero-padded")
ax.set(xticks=x, xticklabels=clf.classes_, xlabel="speaker", ylabel="probability")
ax.set_title(
    f"test utterance {short} ({len_test[short]} frames), true speaker {y_test[short]}"
)
ax.legend(fontsize="small")
fig.tight_layout()

# %%
# Training on zero-padded data
# ----------------------------
# The fair comparison trains on zero-padded sequences too, as the lecture's
# PyTorch code would. The network then learns to live with the zeros, but
# its answer for an utterance now depends on how much padding it gets, that
# is, on the longest utterance it happens to be batched with.
train_padded = equalize_lengths(
    seqs_train, "pad", length=zero_padded.shape[1], fill_value=0
)
naive = LSTMClassifier(random_state=0).fit(train_padded, y_train)
in_full_batch = naive.predict(zero_padded)
one_by_one = np.concatenate(
    [naive.predict(equalize_lengths([s], "pad", fill_value=0)) for s in seqs_test]
)
changed = in_full_batch != one_by_one
print(
    f"zero-padding model, test accuracy padded to {zero_padded.shape[1]} frames: "
    f"{np.mean(in_full_batch == y_test):.3f}"
)
print(
    f"zero-padding model, test accuracy predicted one by one (no padding): "
    f"{np.mean(one_by_one == y_test):.3f}"
)
print(
    f"utterances whose predicted speaker depends on the padding: "
    f"{changed.sum()} of {len(changed)}"
)

# %%
# Both models reach a similar accuracy on this data set, but only the one
# that reads each utterance up to its own end gives each utterance a single
# answer, whatever else is in the batch: a property worth having when
# predictions are served one request at a time or batched for speed.
plt.show()
