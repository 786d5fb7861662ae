"""
=========================================
A grid search spread over a Dask cluster
=========================================

Every fit of a grid search is independent of the others, so the search
spreads over as many cores or machines as there are. scikit-learn hands its
fits to joblib, and joblib can hand them to a `Dask <https://dask.org>`_
cluster: the search below runs unchanged on two worker processes of this
machine, and with one changed line on a cluster of many machines.
"""

# %%
# Data: GunPoint
# --------------
# 50 training recordings of a hand movement, 150 timesteps each; the class
# says whether the actor drew a gun or only pointed a finger.
from sktime.datasets import load_gunpoint

X, y = load_gunpoint(split="train", return_type="numpy3D")
X = X.transpose(0, 2, 1)  # sktime's (N, P, M) to batch-first (N, M, P)
print(X.shape)

# %%
# A cluster and the search
# ------------------------
# ``LocalCluster`` (from ``dask.distributed``) starts a scheduler and two worker
# processes on this machine, one thread each: the estimators train within
# the threads their worker was given (the workers' ``OMP_NUM_THREADS`` is
# 1), so the workers never compete for a core. On a real cluster, replace
# the ``LocalCluster`` by the address of your scheduler,
# ``Client("tcp://scheduler:8786")``; nothing else changes.
#
# ``joblib.parallel_backend("dask")`` sends each of the 4 x 3 fits of the
# search to the cluster. ``random_state`` fixes each fit wherever it runs,
# so the results are those of a search on one core. (Worker processes
# import a script's main module again, which prints the shape above once
# more per worker: in a script, code that starts them goes under
# ``if __name__ == "__main__":``.)
import joblib
from distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV

from sklearn_rnn import LSTMClassifier

grid = {"cell": ["lstm", "gru"], "hidden_size": [16, 32]}
search = GridSearchCV(LSTMClassifier(random_state=0), grid, cv=3, n_jobs=-1)
if __name__ == "__main__":
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        search.fit(X, y)
    print(search.best_params_)

# %%
# The candidates' cross-validated accuracy, and the test accuracy of the
# best one, refitted on all the training data:
import matplotlib.pyplot as plt

if __name__ == "__main__":
    results = search.cv_results_
    labels = [f"{p['cell']}, {p['hidden_size']}" for p in results["params"]]
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.barh(
        labels,
        results["mean_test_score"],
        xerr=results["std_test_score"],
        color="tab:blue",
        alpha=0.7,
    )
    ax.set_xlabel("cross-validated accuracy (mean, std over 3 folds)")
    ax.set_xlim(0.4, 1.0)
    fig.tight_layout()

    X_test, y_test = load_gunpoint(split="test", return_type="numpy3D")
    accuracy = search.score(X_test.transpose(0, 2, 1), y_test)
    print(f"test accuracy: {accuracy:.3f}")

# %%
# sktime's searches take the cluster the same way:
# ``ForecastingGridSearchCV(RNNForecaster(...), ..., backend="dask")`` runs
# its fits on the active client. See :ref:`scaling` for what else scales
# out.
