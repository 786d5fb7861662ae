"""
==========================================================
Labelling every timestep: activities in a sensor recording
==========================================================

The lecture notes' *segment classification*: the labels of a sequence are
known per timestep. Here a sequence strings together a few BasicMotions
recordings (a smartwatch's accelerometer and gyroscope, 6 features, while
someone stands, walks, runs or plays badminton), each cut to a random length;
:class:`~sklearn_rnn.LSTMTagger` learns to label every timestep with the
activity. Training sequences are built from the official train recordings
only, test sequences from the test recordings.
"""

# %%
# Sequences of several activities
# -------------------------------
# sktime's ``numpy3D`` layout is ``(n_recordings, n_features, n_timesteps)``;
# the library takes ``(n_sequences, n_timesteps, n_features)``.
import matplotlib.pyplot as plt
import numpy as np
from sktime.datasets import load_basic_motions

from sklearn_rnn import LSTMTagger


def recordings(split):
    X, y = load_basic_motions(split=split, return_type="numpy3D")
    return X.transpose(0, 2, 1), np.asarray(y)


def concatenate(X, y, n, rng):
    """``n`` sequences of 2 to 6 recordings, each cropped at random."""
    sequences, labels = [], []
    for _ in range(n):
        xs, ys = [], []
        for i in rng.randint(len(X), size=rng.randint(2, 7)):
            length = rng.randint(20, 101)
            start = rng.randint(101 - length)
            xs.append(X[i, start : start + length])
            ys.append(np.full(length, y[i]))
        sequences.append(np.concatenate(xs))
        labels.append(np.concatenate(ys))
    return sequences, labels


rng = np.random.RandomState(0)
X_train, y_train = concatenate(*recordings("train"), 150, rng)
X_test, y_test = concatenate(*recordings("test"), 50, rng)
print(
    f"{len(X_train)} training sequences of {min(map(len, X_train))} to "
    f"{max(map(len, X_train))} steps; labels {np.unique(np.concatenate(y_train))}"
)

# %%
# One label per timestep
# ----------------------
# ``y`` is a list with one label array per sequence, as long as the sequence.
# The tagger reads each sequence in both directions, so the label of a step
# also depends on what follows it. ``patch_size=5`` feeds 5 timesteps at a
# time to the LSTM: 5 times fewer recurrent steps; the output layer still
# emits one label per timestep. ``max_iter`` is kept small for the
# documentation build: run on its own, the fit warns with a
# ``ConvergenceWarning`` that it reached ``max_iter`` (the build silences
# that warning).
tagger = LSTMTagger(
    hidden_size=32,
    patch_size=5,
    learning_rate_init=0.01,
    max_iter=15,
    random_state=0,
)
tagger.fit(X_train, y_train)
print(f"per-timestep test accuracy: {tagger.score(X_test, y_test):.3f}")

# %%
# Predicted labels against the truth
# ----------------------------------
# The changes of activity are where the tagger errs, if anywhere: it needs a
# few steps of the new activity to tell the difference.
classes = list(tagger.classes_)
fig, axes = plt.subplots(3, 1, figsize=(8, 6), sharex=True)
for ax, i in zip(axes, range(3), strict=True):
    pred = tagger.predict([X_test[i]])[0]
    ax.plot(X_test[i][:, 0], color="0.7", lw=0.8, label="accelerometer x")
    ax2 = ax.twinx()
    ax2.step(
        range(len(pred)),
        [classes.index(c) for c in y_test[i]],
        where="mid",
        lw=3,
        alpha=0.5,
        label="truth",
    )
    ax2.step(
        range(len(pred)),
        [classes.index(c) for c in pred],
        where="mid",
        color="k",
        lw=1,
        label="predicted",
    )
    ax2.set_yticks(range(len(classes)), classes)
    ax.set_yticks([])
    accuracy = np.mean(pred == y_test[i])
    ax.set_title(f"test sequence {i}: {accuracy:.0%} of timesteps correct", fontsize=10)
axes[0].legend(*ax2.get_legend_handles_labels(), loc="upper right", fontsize=8)
axes[-1].set_xlabel("timestep")
fig.tight_layout()
plt.show()
