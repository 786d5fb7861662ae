"""RNNForecaster with exogenous X: read at the forecast times, or up to the origin.

Two series, each with its last steps held out:

- ``promotions``: two years of daily sales with a weekly cycle, lifted by
  half on days of a promotion that is planned in advance (random, 15 % of
  days); the last 28 days are forecast. Only a model that reads the
  promotions of the forecast days can place their lifts.
- ``uschange``: sktime's quarterly US consumption growth, with income,
  production, savings and unemployment growth as X; the last 8 quarters are
  forecast. These X are not known in advance in reality: forecasting with
  their actual values is the ex-post evaluation of a regression with
  concurrent predictors, as in Hyndman and Athanasopoulos' textbook.
- ``noise``: sktime's airline series with a column of random noise as X,
  which does not drive it; the last 24 months are forecast. What an
  irrelevant X costs.

Models: RNNForecaster with ``X_treatment="concurrent"`` (the default),
``"shifted"`` and without X (mean of ``--seeds`` seeds); with
``"concurrent"`` and a regressor trained longer than the default budget of
about 150 gradient steps (the forecaster's architecture, up to 100 epochs
with early stopping, batches of 32); AutoARIMA with X
(which regresses on X at the forecast times) and seasonal naive, all in this
process with one torch thread. Prints MASE (scaled by the in-sample
seasonal naive error) and the seconds of fit + predict. Run::

    python benchmarks/exogenous.py [--seeds 3]
"""

import argparse
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd
import torch
from sktime.performance_metrics.forecasting import MeanAbsoluteScaledError

from sklearn_rnn import LSTMRegressor, RNNForecaster

# The forecaster's own architecture (see _reduction._ARCHITECTURE), trained
# for up to 100 epochs of batches of 32, with early stopping.
LONGER = LSTMRegressor(
    conv_channels=None,
    readout="last",
    random_crop=1.0,
    instance_norm=False,
    learning_rate_init=3e-3,
    batch_size=32,
    max_iter=100,
    early_stopping=True,
)


def promotions(seed=0):
    """Daily sales with a weekly cycle and planned promotions, (y, X, sp)."""
    rng = np.random.RandomState(seed)
    days = pd.period_range("2022-01-01", periods=730, freq="D")
    promo = (rng.rand(len(days)) < 0.15).astype(float)
    weekly = 1 + 0.3 * np.sin(2 * np.pi * np.arange(len(days)) / 7)
    sales = 100 * weekly * (1 + 0.5 * promo) + rng.normal(0, 5, len(days))
    return (
        pd.Series(sales, index=days, name="sales"),
        pd.DataFrame({"promotion": promo}, index=days),
        7,
    )


def uschange():
    from sktime.datasets import load_uschange

    y, X = load_uschange()
    index = pd.period_range("1970Q1", periods=len(y), freq="Q")
    return y.set_axis(index), X.set_axis(index), 4


def airline_with_noise():
    from sktime.datasets import load_airline

    y = load_airline().astype(float)
    noise = np.random.RandomState(1).normal(size=len(y))
    return y, pd.DataFrame({"noise": noise}, index=y.index), 12


def run(model, y_train, X_train, X_test, fh, sp, seed):
    """(forecast, seconds of fit + predict)."""
    start = time.perf_counter()
    if model == "naive":
        from sktime.forecasting.naive import NaiveForecaster

        pred = NaiveForecaster(strategy="last", sp=sp).fit(y_train, fh=fh).predict()
    elif model == "arima":
        from sktime.forecasting.arima import AutoARIMA

        forecaster = AutoARIMA(sp=sp, suppress_warnings=True)
        pred = forecaster.fit(y_train, X=X_train, fh=fh).predict(X=X_test)
    else:
        uses_x = model != "none"
        forecaster = RNNForecaster(
            X_treatment="shifted" if model == "shifted" else "concurrent",
            estimator=LONGER if model == "longer" else None,
            random_state=seed,
        )
        forecaster.fit(y_train, X=X_train if uses_x else None, fh=fh)
        pred = forecaster.predict(X=X_test if uses_x else None)
    return pred, time.perf_counter() - start


MODELS = {
    "concurrent": 'RNNForecaster, X_treatment="concurrent"',
    "longer": 'RNNForecaster, "concurrent", 100 epochs',
    "shifted": 'RNNForecaster, X_treatment="shifted"',
    "none": "RNNForecaster without X",
    "arima": "AutoARIMA with X",
    "naive": "seasonal naive",
}


RNN = ("concurrent", "longer", "shifted", "none")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="RNNForecaster seeds")
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    data = {
        "promotions": (promotions(), 28),
        "uschange": (uschange(), 8),
        "noise": (airline_with_noise(), 24),
    }
    # Every model's one-off costs (torch's first fit in a process, about
    # 3 s) paid before anything is timed, on a short slice.
    (y, X, sp), h = data["uschange"]
    for model in MODELS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run(model, y.iloc[:60], X.iloc[:60], X.iloc[60:64], np.arange(1, 5), sp, 0)
    table = {}
    for name, ((y, X, sp), h) in data.items():
        y_train, y_test = y.iloc[:-h], y.iloc[-h:]
        X_train, X_test = X.iloc[:-h], X.iloc[-h:]
        fh = np.arange(1, h + 1)
        mase = MeanAbsoluteScaledError(sp=sp)
        for model in MODELS:
            seeds = range(args.seeds) if model in RNN else [0]
            scores, seconds = [], []
            for seed in seeds:
                with warnings.catch_warnings():  # the peers' notes
                    warnings.simplefilter("ignore")
                    pred, sec = run(model, y_train, X_train, X_test, fh, sp, seed)
                scores.append(mase(y_test, pred, y_train=y_train))
                seconds.append(sec)
            table[name, model] = (np.mean(scores), np.max(scores), np.mean(seconds))
            print(
                f"  {name:<11}{MODELS[model]:<42}MASE {np.mean(scores):.3f}", flush=True
            )
    print()
    print(f"MASE (RNNForecaster: mean / worst of {args.seeds} seeds), seconds")
    print(f"{'model':<42}" + "".join(f"{name:>26}" for name in data))
    for model, label in MODELS.items():
        cells = []
        for name in data:
            mean, worst, sec = table[name, model]
            score = f"{mean:.3f} / {worst:.3f}" if model in RNN else f"{mean:.3f}"
            cells.append(f"{score} {sec:6.2f} s")
        print(f"{label:<42}" + "".join(f"{c:>26}" for c in cells))


if __name__ == "__main__":
    main()
