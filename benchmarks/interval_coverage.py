"""Coverage of RNNForecaster's prediction intervals on simulated series.

Three kinds of series, ``--series`` of each, every one ``--length`` points
long and forecast ``--horizon`` steps ahead from its end:

- ``random walk``: cumulated standard normal steps, an integer index (no
  cycle);
- ``AR(1)``: a stationary autoregression with coefficient 0.7, an integer
  index;
- ``seasonal``: a 12-month sine of amplitude 10, a slight trend and normal
  noise of standard deviation 2, a monthly PeriodIndex.

For RNNForecaster (its defaults, a seed per series) and, in the same run,
sktime's AutoARIMA (given the seasonal series' period, 12, which
RNNForecaster reads from their index), the script prints the share of
the held-out points inside the 80 % and 95 % intervals, and the mean of the
squared forecast errors divided by the forecast variance (``predict_var``),
which is 1 for variances that are right on average. Torch runs on one thread. Run::

    python benchmarks/interval_coverage.py [--series 30] [--length 100] [--horizon 5]

The intervals come from the forecast errors on the held-out tail of each
series (``calibration_fraction=0.1``: about 10 errors per step here).
"""

import argparse
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd
import torch
from sktime.forecasting.arima import AutoARIMA

from sklearn_rnn import RNNForecaster

COVERAGES = (0.8, 0.95)


def simulate(kind, n, rng):
    """One series of ``kind`` with ``n`` points, as a pandas Series."""
    if kind == "random walk":
        return pd.Series(50 + np.cumsum(rng.normal(size=n)))
    if kind == "AR(1)":
        noise = rng.normal(size=n + 50)
        values = np.zeros_like(noise)
        for t in range(1, len(noise)):
            values[t] = 0.7 * values[t - 1] + noise[t]
        return pd.Series(20 + values[50:])  # past its start-up
    t = np.arange(n)
    values = 50 + 10 * np.sin(2 * np.pi * t / 12) + 0.05 * t + 2 * rng.normal(size=n)
    return pd.Series(values, index=pd.period_range("2000-01", periods=n, freq="M"))


def score(forecaster, train, test, horizon):
    """Inside-interval flags per coverage, and squared standardised errors."""
    fh = np.arange(1, horizon + 1)
    forecaster.fit(train, fh=fh)
    point = forecaster.predict().to_numpy()
    inside = {}
    for coverage in COVERAGES:
        bounds = forecaster.predict_interval(coverage=coverage).to_numpy()
        inside[coverage] = (bounds[:, 0] <= test) & (test <= bounds[:, 1])
    variance = forecaster.predict_var().to_numpy()[:, 0]
    return inside, (test - point) ** 2 / variance


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=30)
    parser.add_argument("--length", type=int, default=100)
    parser.add_argument("--horizon", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    # AutoARIMA is told the seasonal series' period, which RNNForecaster
    # reads from their monthly index.
    models = {
        "RNNForecaster": lambda seed, sp: RNNForecaster(random_state=seed),
        "AutoARIMA": lambda seed, sp: AutoARIMA(sp=sp, suppress_warnings=True),
    }
    # Each model's one-off costs (torch's first fit in a process, about
    # 3 s) paid before anything is timed.
    warm = simulate("seasonal", 40, np.random.default_rng(99))
    for make in models.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            score(make(0, 12), warm.iloc[:36], warm.iloc[36:].to_numpy(), 4)
    print(
        f"{args.series} series of {args.length} points per kind, "
        f"{args.horizon} steps ahead; torch threads {torch.get_num_threads()}\n"
    )
    header = f"{'kind':<12} {'model':<14}"
    header += "".join(f" {f'{c:.0%} inside':>11}" for c in COVERAGES)
    print(header + f" {'error^2/var':>11} {'seconds':>8}")
    for k, kind in enumerate(("random walk", "AR(1)", "seasonal")):
        sp = 12 if kind == "seasonal" else 1
        rng = np.random.default_rng(k)
        data = [
            simulate(kind, args.length + args.horizon, rng) for _ in range(args.series)
        ]
        for name, make in models.items():
            inside = {c: [] for c in COVERAGES}
            ratios = []
            start = time.perf_counter()
            for seed, y in enumerate(data):
                train = y.iloc[: args.length]
                test = y.iloc[args.length :].to_numpy()
                with warnings.catch_warnings():
                    # Set here, not once in main: a filter set there does not
                    # survive pmdarima and sktime, which reset the filters
                    # (sktime then warns of a future default at every clone).
                    warnings.simplefilter("ignore")
                    flags, ratio = score(make(seed, sp), train, test, args.horizon)
                for c in COVERAGES:
                    inside[c].append(flags[c])
                ratios.append(ratio)
            seconds = time.perf_counter() - start
            row = f"{kind:<12} {name:<14}"
            row += "".join(f" {np.mean(inside[c]):>11.3f}" for c in COVERAGES)
            print(row + f" {np.mean(ratios):>11.2f} {seconds:>8.1f}")


if __name__ == "__main__":
    main()
