"""
====================================================
Tuning the cell, the hidden size and the lookback
====================================================

How far back must the network look? Which cell, how large a state? These
are hyperparameters like any other, and with
:class:`~sklearn_rnn.SlidingWindowTransformer` in front of
:class:`~sklearn_rnn.LSTMRegressor` they can be tuned with scikit-learn's
:class:`~sklearn.model_selection.GridSearchCV` under a
:class:`~sklearn.model_selection.TimeSeriesSplit`, directly on a feature
table and a target column aligned with it row for row.
"""

# %%
# A feature table whose target depends on a lag
# ---------------------------------------------
# Two feature columns are observed at every timestep: ``driver``, an AR(1)
# process, and ``other``, white noise. The target at time :math:`t` is the
# driver six steps earlier plus half of the current ``other``:
#
# .. math:: y_t = \mathrm{driver}_{t-6} + 0.5\,\mathrm{other}_t + \varepsilon_t
#
# A model that looks back fewer than seven rows cannot see the value that
# matters most.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

rng = np.random.default_rng(0)
T, lag = 600, 6
driver = np.zeros(T + lag)
for t in range(1, T + lag):
    driver[t] = 0.7 * driver[t - 1] + rng.normal()
other = rng.normal(size=T + lag)
X = pd.DataFrame({"driver": driver[lag:], "other": other[lag:]})
y = driver[:-lag] + 0.5 * other[lag:] + 0.1 * rng.normal(size=T)
print(X.head())
print(f"X: {X.shape}, y: {y.shape}")

# %%
# The pipeline
# ------------
# The transformer turns row :math:`t` of the table into the window of the
# ``window_length`` rows ending at :math:`t`, so its output still has one row
# per row of ``y``. The first rows of each fold have a shorter history; they
# are padded with NaN rows, which the regressor reads as shorter sequences.
# ``max_iter`` is kept small so that the whole search takes about a minute
# on one core (its time is printed below); the models are not fully
# trained, which is fine for ranking the candidates.
# Each of the search's fits would say so with a ``ConvergenceWarning``; they
# are silenced here, knowingly.
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline

from sklearn_rnn import LSTMRegressor, SlidingWindowTransformer

pipe = make_pipeline(
    SlidingWindowTransformer(),
    LSTMRegressor(max_iter=20, random_state=0),
)
print(sorted(k for k in pipe.get_params() if k.startswith("sliding")))

# %%
# Grid search under a time-series split
# -------------------------------------
# Keep the last 100 rows aside for a final check, and search a 2 x 2 x 2 grid
# on the first 500. :class:`~sklearn.model_selection.TimeSeriesSplit` always
# validates on rows that come after the training rows, as a forecast would.
import time

from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

X_search, y_search = X.iloc[:500], y[:500]
X_final, y_final = X.iloc[500:], y[500:]

param_grid = {
    "lstmregressor__cell": ["lstm", "gru"],
    "lstmregressor__hidden_size": [8, 32],
    "slidingwindowtransformer__window_length": [4, 8],
}
search = GridSearchCV(pipe, param_grid, cv=TimeSeriesSplit(n_splits=3))
start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_search, y_search)
print(
    f"{len(search.cv_results_['params'])} candidates x 3 splits "
    f"in {time.perf_counter() - start:.1f} s"
)
print(f"best parameters: {search.best_params_}")
print(f"best mean validation R^2: {search.best_score_:.3f}")

# %%
# The results table
# -----------------
# ``cv_results_`` holds one row per candidate, here sorted by rank.
results = pd.DataFrame(search.cv_results_)
columns = {
    "param_lstmregressor__cell": "cell",
    "param_lstmregressor__hidden_size": "hidden_size",
    "param_slidingwindowtransformer__window_length": "window_length",
    "mean_test_score": "mean R^2",
    "std_test_score": "std R^2",
    "mean_fit_time": "fit time (s)",
    "rank_test_score": "rank",
}
table = results[list(columns)].rename(columns=columns).sort_values("rank")
print(table.round(3).to_string(index=False))

# %%
# As a heatmap: one row per architecture, one column per lookback.
heat = table.pivot_table(
    index=["cell", "hidden_size"], columns="window_length", values="mean R^2"
)
fig, ax = plt.subplots(figsize=(5, 4))
image = ax.imshow(heat.to_numpy(), cmap="viridis", vmin=0, vmax=1, aspect="auto")
for (i, j), value in np.ndenumerate(heat.to_numpy()):
    ax.text(
        j,
        i,
        f"{value:.2f}",
        ha="center",
        va="center",
        color="black" if value > 0.5 else "white",
    )
ax.set_xticks(range(heat.shape[1]), heat.columns)
ax.set_yticks(range(heat.shape[0]), [f"{c}, {h}" for c, h in heat.index])
ax.set(xlabel="window_length", ylabel="cell, hidden_size")
ax.set_title("mean validation R²")
fig.colorbar(image, ax=ax)
fig.tight_layout()

# %%
# Averaging the scores over the other two parameters shows which choice
# matters most.
for name in ["window_length", "cell", "hidden_size"]:
    means = table.groupby(name)["mean R^2"].mean()
    print(
        f"mean R^2 by {name}: " + ", ".join(f"{k}: {v:.3f}" for k, v in means.items())
    )

# %%
# The lookback decides the outcome: with four rows the driver's value six
# steps back is out of sight, and no cell or state size makes up for it.
# Between the two cells and the two state sizes the differences are much
# smaller.
#
# The refitted best pipeline on the held-out rows
# -----------------------------------------------
# ``GridSearchCV`` refits the best candidate on all 500 search rows. On the
# last 100 rows, its first ``window_length - 1`` windows are padded because
# ``transform`` only sees the rows it is given.
from sklearn.metrics import r2_score

y_pred = search.predict(X_final)
print(f"held-out R^2 of the best pipeline: {r2_score(y_final, y_pred):.3f}")

fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(np.arange(500, T), y_final, color="black", label="target")
ax.plot(np.arange(500, T), y_pred, label="best pipeline")
ax.set(xlabel="row", ylabel="y")
ax.legend()
fig.tight_layout()
plt.show()
