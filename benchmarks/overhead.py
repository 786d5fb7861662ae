"""Overhead of LSTMRegressor over a hand-written PyTorch loop.

Both sides train the same module class on the same float32 data with the
same batch size, epochs, optimizer (Adam with weight decay), loss, gradient
clipping and per-epoch shuffling; neither holds out validation data. The
hand-written side is the floor: what fit and predict would cost without
scikit-learn, skorch or input validation. The fits are repeated
``--repeats`` times and the predictions 5 times, the best time kept (the
skorch fit, for context, runs once); all ratios come from this one run.
Run::

    python benchmarks/overhead.py [--n-samples 20000] [--repeats 3]

Targets (issue #2): fit <= 1.05x, predict of a 1000-sample batch <= 1.10x,
single-sample predict <= 1.3x. For context, the last columns time skorch used
directly on the same module (DataLoader batches, ``net.predict``). The
hand-written and skorch sides run under the torch thread count that
LSTMRegressor chooses for the same work (see its ``n_jobs``), so that the
ratios compare loops, not thread counts.
"""

import argparse
import time
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from skorch import NeuralNetRegressor
from skorch.callbacks import GradientNormClipping

from sklearn_rnn import LSTMRegressor
from sklearn_rnn._base import _torch_threads
from sklearn_rnn._modules import RecurrentNetwork

# The estimators' default architecture (convolutional stem, pooled read-out),
# given to every side explicitly so that all of them train the same module.
ARCHITECTURE = dict(
    conv_channels=(64, 128), kernel_size=7, readout="pool", instance_norm=True
)


def hand_written_fit(X, y, params, patch_size, seed, device="cpu"):
    """The minimal training loop a PyTorch user would write.

    On a GPU, each batch is copied to the device as it is drawn, as the data
    of the estimators is.
    """
    torch.manual_seed(seed)
    module = RecurrentNetwork(
        X.shape[2],
        1,
        hidden_size=params["hidden_size"],
        patch_size=patch_size,
        **ARCHITECTURE,
    ).to(device)
    # The same optimizer as LSTMRegressor: fused Adam with sklearn's alpha
    # (weight decay alpha / batch_size on the weights, none on the biases),
    # so that the ratio measures the wrapper, not a different optimizer.
    named = list(module.named_parameters())
    groups = [
        {
            "params": [p for n, p in named if "bias" not in n],
            "weight_decay": params["alpha"] / params["batch_size"],
        },
        {"params": [p for n, p in named if "bias" in n], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.Adam(groups, lr=params["learning_rate_init"], fused=True)
    loss_fn = torch.nn.MSELoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y[:, None])
    batch_size = params["batch_size"]
    module.train()
    for _ in range(params["max_iter"]):
        order = torch.randperm(len(Xt))
        total = 0.0
        for lo in range(0, len(Xt), batch_size):
            index = order[lo : lo + batch_size]
            optimizer.zero_grad()
            x, target = Xt[index].to(device), yt[index].to(device)
            loss = loss_fn(module(x), target)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(
                module.parameters(), params["clip_grad_norm"]
            )
            optimizer.step()
            total += loss.item() * len(index)
    return module.eval()


def naive_skorch(X, y, params, seed):
    """skorch used directly: DataLoader batches and ``net.predict``."""
    torch.manual_seed(seed)
    net = NeuralNetRegressor(
        RecurrentNetwork(
            X.shape[2], 1, hidden_size=params["hidden_size"], **ARCHITECTURE
        ),
        optimizer=torch.optim.Adam,
        optimizer__weight_decay=params["alpha"],
        lr=params["learning_rate_init"],
        max_epochs=params["max_iter"],
        batch_size=params["batch_size"],
        iterator_train__shuffle=True,
        train_split=None,
        callbacks=[GradientNormClipping(params["clip_grad_norm"])],
        verbose=0,
    )
    return net.fit(X, y[:, None])


def hand_written_predict(module, X, device="cpu"):
    with torch.inference_mode():
        return module(torch.from_numpy(X).to(device)).cpu().numpy()


def paired_best_times(ref, ours, repeats):
    """Best time of each of two callables, run alternately.

    Alternating keeps slow phases of a shared machine (frequency scaling,
    other processes) from landing on one side only.
    """
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for i, fn in enumerate((ref, ours)):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-samples", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n, m, p = args.n_samples, 50, 8
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, m, p), dtype=np.float32)
    y = (X[:, -5:, 0].sum(axis=1) + 0.1 * rng.standard_normal(n)).astype(np.float32)
    params = dict(
        hidden_size=64,
        batch_size=128,
        max_iter=3,
        learning_rate_init=1e-3,
        alpha=1e-3,
        clip_grad_norm=1.0,
    )
    # tol=0 and a patience above max_iter: train exactly max_iter epochs,
    # which ends every fit at max_iter on purpose.
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    reg = LSTMRegressor(
        **params,
        **ARCHITECTURE,
        early_stopping=False,
        n_iter_no_change=100,
        tol=0.0,
        random_state=0,
        device="cpu",
    )
    # Warm up both paths (first calls allocate and pick kernels). patch_size=1:
    # the hand-written side feeds raw timesteps.
    hand_written_fit(X[:512], y[:512], params, 1, seed=0)
    reg.set_params(patch_size=1).fit(X[:512], y[:512])
    # The thread counts LSTMRegressor picks for a training batch and for a
    # predict batch of 1000: the other sides run under the same.
    threads = {
        rows: reg._n_threads(reg.net_.module_, rows)
        for rows in (params["batch_size"], 1000, 1)
    }
    print(
        f"torch {torch.__version__}, default {torch.get_num_threads()} threads, "
        f"LSTMRegressor's choice {threads}; N={n}, M={m}, P={p}, hidden 64, "
        "batch 128, 3 epochs"
    )
    modules = []
    with _torch_threads(threads[params["batch_size"]]):
        fit_ref, fit_ours = paired_best_times(
            lambda: modules.append(hand_written_fit(X, y, params, 1, seed=0)),
            lambda: reg.fit(X, y),
            args.repeats,
        )
        module = modules[0]
        nets = []
        _, fit_naive = paired_best_times(
            lambda: None,
            lambda: nets.append(naive_skorch(X, y, params, seed=0)),
            1,
        )

    rows = [("fit (3 epochs)", fit_ref, fit_ours, fit_naive, 1.05)]
    for label, data, loops, target in [
        ("predict 1000 samples", X[:1000], 20, 1.10),
        ("predict 1 sample", X[:1], 2000, 1.3),
    ]:
        with _torch_threads(threads[len(data)]):
            ref, ours = paired_best_times(
                lambda d=data, k=loops: [
                    hand_written_predict(module, d) for _ in range(k)
                ],
                lambda d=data, k=loops: [reg.predict(d) for _ in range(k)],
                5,
            )
            _, naive = paired_best_times(
                lambda: None,
                lambda d=data, k=loops: [nets[0].predict(d) for _ in range(k)],
                5,
            )
        rows.append((label, ref / loops, ours / loops, naive / loops, target))

    print(
        f"{'':<22}{'hand-written':>14}{'LSTMRegressor':>15}{'ratio':>7}"
        f"{'target':>9}{'naive skorch':>14}{'ratio':>7}"
    )
    for label, ref, ours, naive, target in rows:
        unit, scale = ("s", 1) if ref > 0.1 else ("ms", 1e3)
        print(
            f"{label:<22}{ref * scale:>12.3f}{unit:>2}{ours * scale:>13.3f}{unit:>2}"
            f"{ours / ref:>7.3f}{'<= ' + str(target):>9}"
            f"{naive * scale:>12.3f}{unit:>2}{naive / ref:>7.3f}"
        )


if __name__ == "__main__":
    main()
