"""
=====================================================
Lookback, delay and sequence lengths: the data tables
=====================================================

Before a recurrent network can learn from a time series, the series has to
become samples: sequences of ``lookback`` timesteps, each paired with the
value ``delay`` steps after its end. The second lecture's "prepare data"
section spells this out with two small tables. This example reproduces them
with :func:`~sklearn_rnn.make_windows`, then shows the two other data tools
of the package: :class:`~sklearn_rnn.SlidingWindowTransformer`, which keeps
one window per row of a feature table for use in a pipeline, and
:func:`~sklearn_rnn.equalize_lengths`, the first lecture's three ways of
giving sequences of different lengths a common length.

No model is trained here; everything runs in a fraction of a second.
"""

# %%
# The univariate table: lookback 3, delay 2
# -----------------------------------------
# The series is 10, 20, ..., 90, one value per timestep.
import numpy as np
import pandas as pd

from sklearn_rnn import make_windows

measure = pd.Series(np.arange(10, 100, 10), index=pd.RangeIndex(1, 10, name="Time"))
print(measure.to_frame("Measure").T.to_string())

# %%
# ``window_length`` is the lookback and ``horizon`` the delay. Each window
# starts one step after the previous one; its target lies ``horizon`` steps
# after its last value.
X, y = make_windows(measure, window_length=3, horizon=2)
print(f"X shape: {X.shape}  (batch, timesteps = lookback, features)")
print(f"y shape: {y.shape}")


def window_text(window):
    """One window as the notes write it: ``10, 20, 30`` or ``(10, 0.1), ...``."""
    steps = [", ".join(f"{v:g}" for v in step) for step in window]
    return ", ".join(steps if window.shape[1] == 1 else [f"({s})" for s in steps])


def as_table(X, y, target_name):
    """The notes' layout: one row per sample, the window and its target."""
    return pd.DataFrame(
        {
            "Series": [window_text(window) for window in X],
            target_name: [f"{v:g}" for v in y],
        }
    )


print(as_table(X, y, "Target - Y").to_string(index=False))

# %%
# This is the notes' table row for row: ``[10, 20, 30] -> 50`` through
# ``[50, 60, 70] -> 90``, and ``X`` has the shape ``(batch_size, 3, 1)`` the
# notes give. A picture of the same thing: each line is one window, the dot
# its target, two steps after the window's end.
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 3))
for i in range(len(X)):
    start = i + 1  # the series' time index starts at 1
    window_times = np.arange(start, start + 3)
    ax.plot(window_times, np.full(3, i), "-s", color="tab:blue")
    ax.plot(start + 2 + 2, i, "o", color="tab:orange")
    ax.annotate(f"{y[i]:g}", (start + 4, i), xytext=(6, -4), textcoords="offset points")
ax.plot([], [], "-s", color="tab:blue", label="window (lookback = 3)")
ax.plot([], [], "o", color="tab:orange", label="target (delay = 2)")
ax.set(xlabel="Time", ylabel="sample", xticks=range(1, 10), yticks=range(len(X)))
ax.set_ylim(len(X) - 0.5, -1)
ax.legend(loc="lower left", fontsize="small")
fig.tight_layout()

# %%
# Two measures: X of shape (5, 3, 2)
# ----------------------------------
# With a second measure, each timestep holds two features and the windows
# become ``(5, 3, 2)``. ``target`` names the column to predict, here the
# first measure, as in the notes.
table = pd.DataFrame(
    {"Measure1": np.arange(10, 100, 10), "Measure2": np.arange(1, 10) / 10},
    index=pd.RangeIndex(1, 10, name="Time"),
)
print(table.T.to_string())

X2, y2 = make_windows(table, window_length=3, horizon=2, target="Measure1")
print(f"\nX shape: {X2.shape}")
print(as_table(X2, y2, "Y(Measure1)").to_string(index=False))

# %%
# Multi-step targets and a stride
# -------------------------------
# A range of horizons gives one target column per horizon, for a model that
# forecasts several steps at once. The last window must still have all its
# targets inside the series, so there are fewer windows.
X3, y3 = make_windows(measure, window_length=3, horizon=range(1, 4))
print(f"X shape: {X3.shape}, y shape: {y3.shape}")
print(
    pd.DataFrame(
        y3,
        columns=[f"t+{h}" for h in range(1, 4)],
        index=pd.Index([window_text(w) for w in X3], name="Series"),
    ).to_string(float_format=lambda v: f"{v:g}")
)

# %%
# ``step`` strides the windows. They are anchored at the end of the series,
# so the most recent window is always kept and the stride drops windows at
# the start.
X4, y4 = make_windows(measure, window_length=3, horizon=2, step=2)
print(as_table(X4, y4, "Target - Y").to_string(index=False))

# %%
# Windows are views, not copies
# -----------------------------
# A series of :math:`T` steps has about :math:`T` windows of ``lookback``
# values each; materialising them would multiply the memory by the lookback.
# ``make_windows`` returns read-only strided views instead. The series is cast
# to float32 (the networks' dtype) once; when it already is float32, nothing
# is copied at all.
long_series = np.random.default_rng(0).normal(size=100_000).astype(np.float32)
X_long, y_long = make_windows(long_series, window_length=500, horizon=1)
print(f"windows: {X_long.shape}, would take {X_long.size * 4 / 1e6:.0f} MB as a copy")
print(f"X shares memory with the series: {np.shares_memory(X_long, long_series)}")
print(f"y shares memory with the series: {np.shares_memory(y_long, long_series)}")
print(f"X is writeable: {X_long.flags.writeable}")

# %%
# A float64 series is converted to float32 once, and the windows are views
# of that single converted copy, not of the original.
series_64 = long_series.astype(np.float64)
X_64, _ = make_windows(series_64, window_length=500)
print(
    f"dtype: {X_64.dtype}, shares memory with the float64 series: "
    f"{np.shares_memory(X_64, series_64)}, owns its data: {X_64.flags.owndata}"
)

# %%
# A feature table in a pipeline: SlidingWindowTransformer
# -------------------------------------------------------
# ``make_windows`` drops the rows that have no complete window or no target,
# so ``X`` and ``y`` no longer line up with the original table. Inside a
# scikit-learn :class:`~sklearn.pipeline.Pipeline` the rows must stay aligned
# with a target column. :class:`~sklearn_rnn.SlidingWindowTransformer` keeps
# one output row per input row: row ``t`` becomes the window of the
# ``window_length`` rows ending at ``t``, and the first rows, which have fewer
# predecessors, are padded at the start with NaN rows. The estimators of this
# package read such NaN rows as a shorter sequence, not as values.
from sklearn_rnn import SlidingWindowTransformer

features = table.to_numpy()
Xt = SlidingWindowTransformer(window_length=3).fit_transform(features)
print(f"input rows: {len(features)}, output: {Xt.shape}")
print(
    pd.DataFrame(
        {
            "row": range(len(Xt)),
            "Measure1 window": [str(w) for w in Xt[:, :, 0].tolist()],
            "Measure2 window": [
                "[" + ", ".join(f"{v:.1f}" for v in w) + "]" for w in Xt[:, :, 1]
            ],
        }
    ).to_string(index=False)
)

# %%
# Because row ``t`` only looks backwards, a target aligned with the table
# (say, the next value of Measure1) stays valid row for row, and a
# :class:`~sklearn.model_selection.TimeSeriesSplit` never leaks the future
# into a window. The grid-search example uses this in a pipeline.
#
# Sequences of different lengths: pad, truncate, split
# ----------------------------------------------------
# The first lecture lists three ways to give sequences a common length.
# :func:`~sklearn_rnn.equalize_lengths` implements them on a ragged list.
from sklearn_rnn import equalize_lengths

ragged = [np.arange(1, 8), np.arange(11, 14), np.arange(21, 26)]
for i, seq in enumerate(ragged):
    print(f"sequence {i} (length {len(seq)}): {seq.tolist()}")


def show(array, index=None):
    frame = pd.DataFrame(array[:, :, 0])
    if index is not None:
        frame.insert(0, "from sequence", index)
    print(frame.to_string(na_rep=".", float_format=lambda v: f"{v:g}"))


# %%
# **Padding** to the longest sequence. The notes pad with zeros; by default the
# padding goes at the start (``side="pre"``) so that every sequence ends on its
# most recent value.
show(equalize_lengths(ragged, "pad", fill_value=0))

# %%
# The default ``fill_value`` is NaN: the estimators then know which rows are
# padding, and read each sequence's final state at its own last step instead
# of after leading zeros (see the Japanese vowels example for why that
# matters).
show(equalize_lengths(ragged, "pad"))

# %%
# **Truncating** to the shortest sequence: the oldest values are discarded.
show(equalize_lengths(ragged, "truncate"))

# %%
# **Splitting** into chunks of a fixed length: each sequence is padded to a
# multiple of the length and cut. ``return_index`` tells which sequence each
# chunk came from, so that per-sequence labels can be repeated with
# ``labels[index]``. The notes pad every sequence to a multiple of the length
# above the *longest* sequence; here each sequence is padded only up to its own
# next multiple, so that no chunk consists of padding alone.
chunks, index = equalize_lengths(ragged, "split", length=3, return_index=True)
show(chunks, index)
plt.show()
