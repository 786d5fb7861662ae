"""RNNForecaster against statistical and neural peers on a pool of real series.

The development pool is every series of issue #10 that ships inside an
installed package: sktime's airline and PBS_dataset, and pmdarima's ausbeer,
austres, heartrate, taylor, wineind and woolyrnq (pmdarima's gasoline is
downloaded at load time, so it is left out). Each series is split once: the
last two seasons are held out (10 % for the non-seasonal heartrate) and every
model forecasts them from the rest. Every model runs in this process with one
torch thread, and its fit + predict time is measured here, so the time ratios
compare like with like.

Models: seasonal naive, AutoETS, AutoARIMA (on taylor, whose season is 48
steps, after an additive deseasonalisation, without seasonal orders: the
seasonal search takes pmdarima hours), Theta (sktime), darts' RNNModel
(LSTM, ``n_epochs=100``, a ``Scaler``, an input chunk of two seasons),
neuralforecast's LSTM (``max_steps=500``) and RNNForecaster with its defaults
over several seeds (mean and worst seed). darts and neuralforecast are
skipped, with a note, when they are not installed. Run::

    python benchmarks/forecasting.py                     # everything
    python benchmarks/forecasting.py --series airline --models rnn,naive --seeds 2
    python benchmarks/forecasting.py --reserved --seeds 3 --set n_estimators=1

``--set`` overrides RNNForecaster's parameters (for development).
``--reserved`` runs, instead of the pool, three sktime series kept out of
tuning as a check of the defaults: shampoo sales (36 months, the last 12
held out), lynx trappings (114 years, no known cycle, 10 % held out) and US
consumption growth (187 quarters with an integer index, which the peers
and MASE are told are quarters; the last 8 held out).

Prints a series x model table of sMAPE, MASE (scaled by the in-sample
seasonal naive error) and seconds, the mean MASE rank of each model, the
share of each holdout inside the 80 % and 95 % prediction intervals of the
models that give them through sktime (computed after the timed fit and
predict), and the ratio of RNNForecaster's total time to darts' (over the
pool and on airline).

Targets (issue #10): RNNForecaster's total time over the pool and on airline
at most darts RNNModel's; the best mean MASE rank; on no series a MASE more
than 1.1 times seasonal naive's; on each series the worst of 5 seeds within
1.3 times the mean; airline mean sMAPE at most 5.4 %.
"""

import argparse
import contextlib
import io
import logging
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd
import torch
from _overrides import parse_overrides
from sktime.performance_metrics.forecasting import (
    MeanAbsoluteScaledError,
    mean_absolute_percentage_error,
)

from sklearn_rnn import RNNForecaster

ALL_MODELS = ["naive", "ets", "arima", "theta", "darts", "nf", "rnn"]
# Nominal coverages of the prediction intervals checked on each holdout.
COVERAGE = [0.8, 0.95]
NAMES = {
    "naive": "seasonal naive",
    "ets": "AutoETS",
    "arima": "AutoARIMA",
    "theta": "Theta",
    "darts": "darts RNNModel",
    "nf": "nf LSTM",
    "rnn": "RNNForecaster",
}


def load_pool():
    """name -> (series with a time index, seasonal period)."""
    import pmdarima.datasets as pm
    from sktime.datasets import load_airline, load_PBS_dataset

    def periods(values, start, freq):
        return pd.Series(
            np.asarray(values, dtype=float),
            index=pd.period_range(start, periods=len(values), freq=freq),
        )

    taylor = pm.load_taylor(as_series=True).to_numpy(dtype=float)
    return {
        "airline": (load_airline().astype(float), 12),
        "PBS": (load_PBS_dataset().astype(float), 12),
        "ausbeer": (
            periods(pm.load_ausbeer(as_series=True).dropna(), "1956Q1", "Q"),
            4,
        ),
        "austres": (periods(pm.load_austres(), "1971Q2", "Q"), 4),
        "heartrate": (pd.Series(pm.load_heartrate(as_series=True).to_numpy()), 1),
        "taylor": (
            pd.Series(
                taylor,
                index=pd.date_range("2000-06-05", periods=len(taylor), freq="30min"),
            ),
            48,
        ),
        "wineind": (periods(pm.load_wineind(), "1980-01", "M"), 12),
        "woolyrnq": (periods(pm.load_woolyrnq(), "1965Q1", "Q"), 4),
    }


def load_reserved():
    """The series kept out of tuning (sktime's), name -> (series, period)."""
    from sktime.datasets import load_lynx, load_shampoo_sales, load_uschange

    return {
        "shampoo": (load_shampoo_sales().astype(float), 12),
        "lynx": (load_lynx().astype(float), 1),
        # Quarterly growth rates: the peers and MASE's scale get the period,
        # RNNForecaster sees an integer index, without a cycle.
        "uschange": (load_uschange()[0].astype(float), 4),
    }


# Holdouts other than the rule of ``holdout``: one season of the 36-month
# shampoo series (two would leave 12 months to train on), two years of
# quarterly consumption growth.
HOLDOUTS = {"shampoo": 12, "uschange": 8}


def holdout(name, y, sp):
    if name in HOLDOUTS:
        return HOLDOUTS[name]
    return 2 * sp if sp > 1 else max(1, round(0.1 * len(y)))


# -- the peers -----------------------------------------------------------------


def sktime_model(name, sp, train):
    from sktime.forecasting.arima import AutoARIMA
    from sktime.forecasting.compose import TransformedTargetForecaster
    from sktime.forecasting.ets import AutoETS
    from sktime.forecasting.naive import NaiveForecaster
    from sktime.forecasting.theta import ThetaForecaster
    from sktime.transformations.series.detrend import Deseasonalizer

    if name == "naive":
        return NaiveForecaster(strategy="last", sp=sp)
    if name == "ets":
        return AutoETS(auto=True, sp=sp, n_jobs=1)
    if name == "arima":
        if sp > 24:
            # A seasonal ARIMA with a 48-step season on thousands of points
            # takes pmdarima hours: deseasonalise, then a non-seasonal search.
            return TransformedTargetForecaster(
                [
                    Deseasonalizer(sp=sp, model="additive"),
                    AutoARIMA(seasonal=False, suppress_warnings=True),
                ]
            )
        return AutoARIMA(sp=sp, suppress_warnings=True)
    # Theta deseasonalises multiplicatively (even with sp=1), which needs
    # positive data.
    if train.min() <= 0 and sp == 1:
        return ThetaForecaster(deseasonalize=False)
    if train.min() <= 0:
        return TransformedTargetForecaster(
            [
                Deseasonalizer(sp=sp, model="additive"),
                ThetaForecaster(deseasonalize=False),
            ]
        )
    return ThetaForecaster(sp=sp)


def darts_forecast(train, horizon, sp):
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import RNNModel

    chunk = 2 * sp if sp > 1 else 12
    series = TimeSeries.from_values(train.to_numpy(dtype=np.float32))
    scaler = Scaler()
    scaled = scaler.fit_transform(series)
    model = RNNModel(
        model="LSTM",
        input_chunk_length=chunk,
        training_length=chunk + 12,
        n_epochs=100,
        random_state=0,
        pl_trainer_kwargs={
            "accelerator": "cpu",
            "enable_progress_bar": False,
            "enable_model_summary": False,
            "logger": False,
            "enable_checkpointing": False,
        },
    )
    model.fit(scaled, verbose=False)
    forecast = scaler.inverse_transform(model.predict(horizon, verbose=False))
    return forecast.values().ravel()


def nf_forecast(train, horizon, sp):
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM

    frame = pd.DataFrame(
        {"unique_id": "s", "ds": np.arange(len(train)), "y": train.to_numpy()}
    )
    model = LSTM(
        h=horizon,
        input_size=2 * sp if sp > 1 else 12,
        max_steps=500,
        random_seed=0,
        enable_progress_bar=False,
        enable_model_summary=False,
        logger=False,
        accelerator="cpu",
    )
    nf = NeuralForecast(models=[model], freq=1)
    nf.fit(frame)
    return nf.predict()["LSTM"].to_numpy()


def run_model(model, train, horizon, sp, seed, params):
    """(forecast values, seconds of fit + predict, sktime forecaster or None);
    ``params`` override RNNForecaster's defaults."""
    start = time.perf_counter()
    f = None
    if model == "rnn":
        f = RNNForecaster(random_state=seed, **params)
        pred = f.fit(train, fh=np.arange(1, horizon + 1)).predict().to_numpy()
    elif model == "darts":
        pred = darts_forecast(train, horizon, sp)
    elif model == "nf":
        pred = nf_forecast(train, horizon, sp)
    else:
        f = sktime_model(model, sp, train)
        pred = f.fit(train, fh=np.arange(1, horizon + 1)).predict().to_numpy()
    return np.asarray(pred, dtype=float), time.perf_counter() - start, f


def coverage(forecaster, test):
    """Share of ``test`` inside each interval of COVERAGE (NaN where the
    forecaster has no intervals, or its library fails to give them)."""
    try:
        intervals = forecaster.predict_interval(coverage=COVERAGE)
    except Exception:  # e.g. statsmodels' simulated ETS intervals
        return [np.nan] * len(COVERAGE)
    truth = test.to_numpy()
    shares = []
    for c in COVERAGE:
        lower = intervals.xs((c, "lower"), axis=1, level=(1, 2)).iloc[:, 0]
        upper = intervals.xs((c, "upper"), axis=1, level=(1, 2)).iloc[:, 0]
        shares.append(
            np.mean((truth >= lower.to_numpy()) & (truth <= upper.to_numpy()))
        )
    return shares


def available(model):
    module = {"darts": "darts", "nf": "neuralforecast"}.get(model)
    if module is None:
        return True
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", default="all", help="comma-separated names")
    parser.add_argument("--models", default="all", help=",".join(ALL_MODELS))
    parser.add_argument("--seeds", type=int, default=5, help="RNNForecaster seeds")
    parser.add_argument(
        "--first-seed", type=int, default=0, help="of RNNForecaster's seeds"
    )
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter of RNNForecaster, e.g. n_estimators=1",
    )
    parser.add_argument(
        "--reserved",
        action="store_true",
        help="the series kept out of tuning (shampoo, lynx, uschange) "
        "instead of the pool",
    )
    parser.add_argument(
        "--csv", help="also append the rows to this file (for runs in pieces)"
    )
    parser.add_argument(
        "--report", help="only print the table of the rows saved in this file"
    )
    args = parser.parse_args()
    if args.report:
        df = pd.read_csv(args.report)
        present = [m for m in ALL_MODELS if m in set(df.model)]
        report(df.drop_duplicates(["series", "model"], keep="last"), present)
        return
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "darts"):
        logging.getLogger(name).setLevel(logging.ERROR)
    params = parse_overrides(args.set)
    pool = load_reserved() if args.reserved else load_pool()
    names = list(pool) if args.series == "all" else args.series.split(",")
    models = ALL_MODELS if args.models == "all" else args.models.split(",")
    for m in [m for m in models if not available(m)]:
        print(f"note: {NAMES[m]} is not installed; skipped")
    models = [m for m in models if available(m)]

    print(
        f"RNNForecaster parameters: defaults {params or ''}; seeds "
        f"{args.first_seed} to {args.first_seed + args.seeds - 1}"
    )
    # One warm-up fit of every model on a short series, so that none is timed
    # paying its one-off costs (torch's first fit in a process, about 3 s;
    # pmdarima's and darts' first calls).
    warm = load_pool()["airline"][0].iloc[:60]
    for model in models:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_model(model, warm, 12, 12, 0, params)
    rows = []  # (series, model, sMAPE, MASE, seconds, worst sMAPE, worst MASE)
    for name in names:
        y, sp = pool[name]
        h = holdout(name, y, sp)
        train, test = y.iloc[:-h], y.iloc[-h:]
        mase = MeanAbsoluteScaledError(sp=sp)
        for model in models:
            seeds = [0]
            if model == "rnn":
                seeds = range(args.first_seed, args.first_seed + args.seeds)
            scores = []
            for seed in seeds:
                # Quiet: the peers print and warn (statsmodels, sktime's
                # notes on its configuration), whatever filters main set.
                with (
                    contextlib.redirect_stdout(io.StringIO()),
                    warnings.catch_warnings(),
                ):
                    warnings.simplefilter("ignore")
                    pred, sec, fitted = run_model(model, train, h, sp, seed, params)
                    # Outside the timing: intervals are not part of it.
                    shares = (
                        [np.nan] * len(COVERAGE)
                        if fitted is None
                        else coverage(fitted, test)
                    )
                pred = pd.Series(pred, index=test.index)
                scores.append(
                    (
                        mean_absolute_percentage_error(test, pred, symmetric=True),
                        mase(test, pred, y_train=train),
                        sec,
                        *shares,
                    )
                )
            s = np.array(scores)
            rows.append(
                (
                    name,
                    model,
                    *s[:, :3].mean(axis=0),
                    s[:, 0].max(),
                    s[:, 1].max(),
                    len(s),
                    *s[:, 3:].mean(axis=0),
                )
            )
            print(
                f"  {name:<10}{NAMES[model]:<16}sMAPE {s[:, 0].mean():7.2%}  "
                f"MASE {s[:, 1].mean():6.3f}  {s[:, 2].mean():7.2f} s",
                flush=True,
            )
    columns = ["series", "model", "smape", "mase", "sec"]
    columns += ["worst_smape", "worst_mase", "n"]
    columns += [f"cover{round(100 * c)}" for c in COVERAGE]
    df = pd.DataFrame(rows, columns=columns)
    if args.csv:
        new_file = not os.path.exists(args.csv)
        df.to_csv(args.csv, mode="a", index=False, header=new_file)
    report(df, models)


def report(df, models):
    print()
    print("sMAPE % / MASE / seconds of fit + predict (RNNForecaster: mean of seeds)")
    header = f"{'series':<10}" + "".join(f"{NAMES[m]:>22}" for m in models)
    print(header)
    for name, group in df.groupby("series", sort=False):
        cells = []
        for m in models:
            r = group[group.model == m]
            if r.empty:
                cells.append("-")
                continue
            r = r.iloc[0]
            cells.append(f"{100 * r.smape:6.2f} {r.mase:6.3f} {r.sec:7.2f}")
        print(f"{name:<10}" + "".join(f"{c:>22}" for c in cells))
    mase = df.pivot(index="series", columns="model", values="mase")[models]
    ranks = mase.rank(axis=1).mean()
    print()
    print(
        "mean MASE rank (1 = best): "
        + ", ".join(f"{NAMES[m]} {ranks[m]:.2f}" for m in ranks.sort_values().index)
    )
    print("mean MASE: " + ", ".join(f"{NAMES[m]} {mase[m].mean():.3f}" for m in models))
    if "rnn" in models:
        rnn = df[df.model == "rnn"].set_index("series")
        print()
        print(
            "RNNForecaster, worst seed / mean seed (MASE): "
            + ", ".join(f"{s} {r.worst_mase / r.mase:.2f}" for s, r in rnn.iterrows())
        )
        if "naive" in models:
            print(
                "RNNForecaster MASE / seasonal naive MASE: "
                + ", ".join(
                    f"{s} {mase.loc[s, 'rnn'] / mase.loc[s, 'naive']:.2f}"
                    for s in mase.index
                )
            )
        if "airline" in rnn.index:
            r = rnn.loc["airline"]
            print(
                f"airline sMAPE: mean {r.smape:.2%}, worst seed {r.worst_smape:.2%} "
                f"({int(r.n)} seeds)"
            )
        intervals(df, models)
        sec = df.pivot(index="series", columns="model", values="sec")
        for peer in ("darts", "nf"):
            if peer in models:
                ratio = sec["rnn"].sum() / sec[peer].sum()
                line = (
                    f"time RNNForecaster / {NAMES[peer]}: pool total {ratio:.2f} "
                    f"({sec['rnn'].sum():.1f} s / {sec[peer].sum():.1f} s)"
                )
                if "airline" in sec.index:
                    a = sec.loc["airline"]
                    line += f", airline {a['rnn'] / a[peer]:.2f}"
                print(line)


def intervals(df, models):
    """Per model with intervals: the share of each series' holdout inside
    its nominal 80 % and 95 % intervals, and the mean over the pool."""
    names = [f"cover{round(100 * c)}" for c in COVERAGE]
    if not set(names) <= set(df.columns):
        return  # rows saved before coverage was measured
    print()
    print(
        "interval coverage, share of the holdout inside the "
        + " / ".join(f"{c:.0%}" for c in COVERAGE)
        + " intervals (mean over the series that have them; per series):"
    )
    for m in models:
        rows = df[df.model == m].set_index("series")[names]
        if rows.isna().all().all():
            continue
        per_series = ", ".join(
            f"{s} " + "/".join("-" if np.isnan(v) else f"{v:.2f}" for v in r)
            for s, r in rows.iterrows()
        )
        # A library that fails to give intervals on a series (NaN) is left
        # out of its mean, which then says over how many series it is.
        means = " / ".join(f"{rows[n].mean():.2f}" for n in names)
        count = f"{rows[names[0]].notna().sum()} of {len(rows)} series"
        print(f"  {NAMES[m]}: {means} ({count}); {per_series}")


if __name__ == "__main__":
    main()
