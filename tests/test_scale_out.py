"""Scaling out: Dask searches, out-of-memory data, data-parallel training."""

import json
import pickle
import subprocess
import sys
import textwrap

import _helpers
import numpy as np
import pandas as pd
import pytest
from _helpers import fast, outputs, sequence_data
from sklearn.model_selection import GridSearchCV, cross_validate

from sklearn_rnn import LSTMClassifier, LSTMRegressor, RNNForecaster

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")
cloudpickle = pytest.importorskip("cloudpickle")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client():
    """Two worker processes of one thread each, as a small real cluster."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # Functions of this test module travel by value: the workers cannot
        # import the tests.
        for module in (sys.modules[__name__], _helpers):
            cloudpickle.register_pickle_by_value(module)
        yield client


def test_grid_search_on_dask_matches_the_sequential_search(client):
    X, y = sequence_data(LSTMClassifier, n=80)
    grid = {"hidden_size": [4, 8], "cell": ["lstm", "gru"]}
    sequential = GridSearchCV(fast(LSTMClassifier), grid, cv=2).fit(X, y)
    with (
        distributed.get_task_stream(client) as tasks,
        joblib.parallel_backend("dask"),
    ):
        spread = GridSearchCV(fast(LSTMClassifier), grid, cv=2, n_jobs=-1).fit(X, y)
    assert len(tasks.data) >= 8  # the 4 x 2 fits ran on the cluster
    assert spread.best_params_ == sequential.best_params_
    for key in ("split0_test_score", "split1_test_score", "mean_test_score"):
        np.testing.assert_array_equal(
            spread.cv_results_[key], sequential.cv_results_[key]
        )
    np.testing.assert_array_equal(spread.predict(X), sequential.predict(X))


def test_cross_validate_on_dask_matches_the_sequential_run(client):
    X, y = sequence_data(LSTMRegressor, n=80)
    sequential = cross_validate(fast(LSTMRegressor), X, y, cv=3)
    with joblib.parallel_backend("dask"):
        spread = cross_validate(fast(LSTMRegressor), X, y, cv=3, n_jobs=-1)
    np.testing.assert_array_equal(spread["test_score"], sequential["test_score"])


def test_workers_train_within_their_share_of_cores(client):
    """Even a network large enough for threads uses the worker's 1 thread."""
    threads = client.submit(_threads_during_a_large_fit, pure=False).result()
    assert threads == {1}


def test_forecasting_grid_search_on_dask(client):
    from sktime.forecasting.model_selection import ForecastingGridSearchCV
    from sktime.split import ExpandingWindowSplitter

    y = pd.Series(
        np.sin(np.arange(60) / 3) + np.arange(60) / 20,
        index=pd.period_range("2000-01", periods=60, freq="M"),
    )
    forecaster = RNNForecaster(
        window_length=6,
        estimator=LSTMRegressor(hidden_size=4, max_iter=3, device="cpu"),
        calibration_fraction=0.0,
        random_state=0,
    )
    cv = ExpandingWindowSplitter(fh=[1, 2, 3], initial_window=40, step_length=10)
    grid = {"window_length": [4, 6]}
    searches = [
        ForecastingGridSearchCV(forecaster, cv=cv, param_grid=grid, backend=backend)
        for backend in (None, "dask")
    ]
    for search in searches:
        search.fit(y, fh=[1, 2, 3])
    sequential, spread = (s.cv_results_ for s in searches)
    assert searches[1].best_params_ == searches[0].best_params_
    np.testing.assert_array_equal(
        spread.filter(like="mean_test").to_numpy(),
        sequential.filter(like="mean_test").to_numpy(),
    )


def _threads_during_a_large_fit():
    """Fit in a worker with the size threshold at 0; return the counts seen."""
    import torch

    from sklearn_rnn import _base
    from sklearn_rnn._modules import RecurrentNetwork

    seen, forward = set(), RecurrentNetwork.forward
    threshold = _base._THREAD_WORK

    def recording(self, *args, **kwargs):
        seen.add(torch.get_num_threads())
        return forward(self, *args, **kwargs)

    RecurrentNetwork.forward, _base._THREAD_WORK = recording, 0
    try:
        X, y = sequence_data(LSTMRegressor, n=40)
        fast(LSTMRegressor, max_iter=2).fit(X, y)
    finally:
        RecurrentNetwork.forward, _base._THREAD_WORK = forward, threshold
    return seen


class RowStore:
    """An array on 'disk' (h5py/zarr-like): shape, dtype and row indexing only.

    Loading it whole (``np.asarray``) fails, and the largest read is kept.
    As h5py, it reads a selection of rows in increasing order only.
    """

    def __init__(self, array):
        self._array = array
        self.shape, self.dtype = array.shape, array.dtype
        self.largest_read = 0

    def __getitem__(self, index):
        if isinstance(index, np.ndarray):
            assert (np.diff(index) > 0).all(), "h5py reads increasing rows only"
        rows = self._array[index]
        self.largest_read = max(self.largest_read, len(rows))
        return rows.copy()

    def __array__(self, *args, **kwargs):
        raise AssertionError("the whole array was loaded")


@pytest.mark.parametrize("Estimator", [LSTMClassifier, LSTMRegressor])
def test_out_of_memory_arrays_are_read_batch_by_batch(Estimator, monkeypatch):
    monkeypatch.setattr("sklearn_rnn._validation._CHUNK_ELEMENTS", 2000)
    X, y = sequence_data(Estimator, n=200)
    store = RowStore(X.astype(np.float32))
    est = fast(Estimator, batch_size=16).fit(store, y)
    in_memory = fast(Estimator, batch_size=16).fit(X.astype(np.float32), y)
    assert store.largest_read <= 100  # 2000 elements / (10 x 2) per chunk
    np.testing.assert_allclose(outputs(est, store), outputs(in_memory, X), rtol=1e-5)


def test_memmap_input(tmp_path):
    X, y = sequence_data(LSTMRegressor, n=100)
    memmap = np.lib.format.open_memmap(
        tmp_path / "X.npy", mode="w+", dtype=np.float32, shape=X.shape
    )
    memmap[:] = X
    memmap.flush()
    readonly = np.load(tmp_path / "X.npy", mmap_mode="r")
    reg = fast(LSTMRegressor).fit(readonly, y)
    np.testing.assert_allclose(
        reg.predict(readonly), fast(LSTMRegressor).fit(X, y).predict(X), rtol=1e-5
    )


def test_out_of_memory_arrays_get_the_usual_errors():
    X, y = sequence_data(LSTMRegressor, n=60)
    X = X.astype(np.float32)
    X[7, 4, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN inside the observed part of sequence 7"):
        fast(LSTMRegressor).fit(RowStore(X), y)
    X[7, 4, 1] = 0.0
    reg = fast(LSTMRegressor).fit(RowStore(X), y)
    with pytest.raises(ValueError, match="X has 3 features per timestep"):
        reg.predict(RowStore(np.zeros((5, 10, 3), np.float32)))


def test_padded_out_of_memory_arrays():
    """NaN padding at the start of a stored sequence: read as a shorter one."""
    X, y = sequence_data(LSTMRegressor, n=60)
    X = X.astype(np.float32)
    X[3, :4] = np.nan
    reg = fast(LSTMRegressor).fit(RowStore(X), y)
    expected = reg.predict([X[3, 4:]])
    np.testing.assert_allclose(reg.predict(RowStore(X))[3], expected[0], rtol=1e-5)


def test_padded_out_of_memory_arrays_predict_in_passes(monkeypatch):
    """Sequences of different lengths over several passes go in order of
    length, each pass reading its rows in increasing order."""
    X, y = sequence_data(LSTMRegressor, n=60)
    X = X.astype(np.float32)
    for i in range(0, 60, 3):
        X[i, : 1 + i % 7] = np.nan  # shorter by 1 to 7 steps
    reg = fast(LSTMRegressor).fit(X, y)
    expected = reg.predict(X)
    monkeypatch.setattr("sklearn_rnn._base._PREDICT_STEPS", 40)
    np.testing.assert_allclose(reg.predict(RowStore(X)), expected, rtol=1e-5)


DATA_PARALLEL_FIT = textwrap.dedent(
    """
    import json, pickle, sys, warnings
    import numpy as np
    import torch.distributed as dist
    from sklearn_rnn import LSTMRegressor

    warnings.simplefilter("ignore")
    out = sys.argv[1]
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 12, 2))
    y = X[:, -3:, 0].sum(axis=1) + 0.1 * rng.normal(size=600)
    reg = LSTMRegressor(
        hidden_size=16, max_iter=25, early_stopping=True, n_iter_no_change=3,
        random_state=RANDOM_STATE, device="cpu",
    ).fit(X[:500], y[:500])
    result = {
        "score": reg.score(X[500:], y[500:]),
        "n_iter": reg.n_iter_,
        "lr": [row["lr"] for row in reg.net_.history],
        "rows": sum(
            b.get("train_batch_size", 0) for b in reg.net_.history[0, "batches"]
        ),
        "weights": [p.tolist() for p in reg.net_.module_.parameters()],
    }
    if rank == 0:
        with open(f"{out}/model.pkl", "wb") as f:
            pickle.dump(reg, f)
    with open(f"{out}/rank{rank}.json", "w") as f:
        json.dump(result, f)
    dist.destroy_process_group()
    """
)


def data_parallel_fit(tmp_path, random_state):
    script = tmp_path / "fit.py"
    script.write_text(DATA_PARALLEL_FIT.replace("RANDOM_STATE", repr(random_state)))
    run = subprocess.run(
        [
            *(sys.executable, "-m", "torch.distributed.run", "--standalone"),
            *("--nproc_per_node", "2", str(script), str(tmp_path)),
        ],
        timeout=300,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]


def test_data_parallel_fit_on_two_processes(tmp_path):
    """Two gloo processes train one model: the same in both, as good as one.

    Both processes hold every batch's gradient and take the same plateau
    decisions, so they end with the same weights after the same epochs. The
    2-process model differs from the 1-process one only by float rounding
    in the averaged gradients: its test R² is within 0.02 of it.
    """
    first, second = data_parallel_fit(tmp_path, random_state=0)
    # Early stopping holds out 50 of the 500 rows; each process trains on
    # its half of every batch of the other 450.
    assert first["rows"] + second["rows"] == 450
    assert abs(first["rows"] - second["rows"]) <= 32
    assert first["weights"] == second["weights"]
    assert first["n_iter"] == second["n_iter"]
    assert first["lr"] == second["lr"]

    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 12, 2))
    y = X[:, -3:, 0].sum(axis=1) + 0.1 * rng.normal(size=600)
    alone = LSTMRegressor(
        hidden_size=16,
        max_iter=25,
        early_stopping=True,
        n_iter_no_change=3,
        random_state=0,
        device="cpu",
    ).fit(X[:500], y[:500])
    assert abs(first["score"] - alone.score(X[500:], y[500:])) < 0.02
    assert first["score"] > 0.8

    # Fitted data-parallel, used in one ordinary process.
    with open(tmp_path / "model.pkl", "rb") as f:
        reg = pickle.load(f)
    assert reg.score(X[500:], y[500:]) == pytest.approx(first["score"])


def test_data_parallel_processes_agree_without_a_random_state(tmp_path):
    first, second = data_parallel_fit(tmp_path, random_state=None)
    assert first["weights"] == second["weights"]
