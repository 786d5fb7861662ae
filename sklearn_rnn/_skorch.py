"""The only file importing skorch: :func:`train` and what it is built from.

The estimators call :func:`train` with a :class:`TrainingSettings` and get a
:class:`TrainingResult` back; nothing else of skorch leaks out of this module
apart from the fitted net itself (``net_``, documented as a skorch net).

skorch runs the training loop; the pieces here keep its per-batch cost near
a hand-written loop: batches are gathered with one fancy index per batch
(no per-sample ``__getitem__`` and collate), and only cheap callbacks run on
every batch.

Two skorch private methods are overridden or called here,
``NeuralNet._set_training`` and ``PrintLog._yield_keys_formatted``;
``tests/test_training.py`` checks that skorch still has them.
"""

import copy
import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import accuracy_score, r2_score
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, PrintLog, ProgressBar
from skorch.history import History
from skorch.utils import noop, to_tensor
from tabulate import tabulate
from tqdm import tqdm

# On a plateau the learning rate is divided by 5 (sklearn's "adaptive")...
_LR_FACTOR = 0.2
# ...until it would fall below this fraction of learning_rate_init, or until
# this many divisions in a row brought no improvement. One is not enough: on
# the noisy loss of random crops a smaller rate sometimes improves after one
# that did not (ArrowHead lost 0.009 of test accuracy over 10 seeds).
_MIN_LR_FRACTION = 1e-3
_FUTILE_DIVISIONS = 2
# Batches of sequences of different lengths are drawn from groups of this
# many batches sorted by length (see _grouped_by_length).
_LENGTH_GROUP = 4


class Net(NeuralNet):
    """skorch's NeuralNet with gradient clipping and lighter per-batch steps.

    Clipping runs inside the training step on a cached parameter list
    instead of through a callback, and switching train/eval mode is skipped
    when the module is already in that mode: both otherwise walk the module
    tree on every batch.

    Callbacks may also define ``on_epoch_logged(net)``, called at the end of
    each epoch after all ``on_epoch_end`` hooks, including the one printing
    the epoch's row, which skorch always runs last: messages about the epoch
    then follow its row, and an epoch that ends training still has one.
    """

    def __init__(self, *args, clip_grad_norm=None, data_parallel=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.clip_grad_norm = clip_grad_norm
        self.data_parallel = data_parallel

    def train_step_single(self, batch, **fit_params):
        step = super().train_step_single(batch, **fit_params)
        if self.data_parallel:
            # Before clipping: the processes clip the gradient of the whole
            # batch, as one process would.
            _average_gradients(self._parameters(), len(batch[0]["x"]))
        if self.clip_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(self._parameters(), self.clip_grad_norm)
        return step

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if isinstance(y_true, tuple):  # (targets, sample weights)
            y_true, weights = (to_tensor(t, device=self.device) for t in y_true)
            return weighted_mean(self.criterion_(y_pred, y_true), weights)
        return super().get_loss(y_pred, y_true, X=X, training=training)

    def _parameters(self):
        cached = getattr(self, "_parameter_cache", None)
        if cached is None or cached[0] is not self.module_:
            cached = (self.module_, list(self.module_.parameters()))
            self._parameter_cache = cached
        return cached[1]

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        # skorch ends training quietly on any KeyboardInterrupt: the
        # plateau's stop (a _StopTraining) as well as a Ctrl-C. Record which
        # one it was, so that the estimator can re-raise a real Ctrl-C once
        # skorch has restored the best weights.
        try:
            return super().fit_loop(X, y, epochs, **fit_params)
        except _StopTraining:
            raise
        except KeyboardInterrupt:
            # skorch's own EarlyStopping also stops with a KeyboardInterrupt:
            # an end of training the user asked for, not a Ctrl-C.
            if not _early_stopping_fired(self):
                self.interrupted_ = True
            raise

    def _set_training(self, training=True):
        if self.module_.training != training:
            super()._set_training(training)

    @property
    def _default_callbacks(self):
        return [
            (name, EpochLog() if name == "print_log" else callback)
            for name, callback in super()._default_callbacks
        ]

    def notify(self, method_name, **cb_kwargs):
        super().notify(method_name, **cb_kwargs)
        if method_name == "on_epoch_end":
            for _, callback in self.callbacks_:
                if hasattr(callback, "on_epoch_logged"):
                    callback.on_epoch_logged(self)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_parameter_cache", None)
        # The module and criterion are given to skorch as instances, so the
        # parameters ``module`` and ``criterion`` are the objects of
        # ``module_`` and ``criterion_``. skorch pickles only the latter
        # through torch, with a map_location; pickled as parameters as well,
        # the weights would be written twice, and a network trained on CUDA
        # would not unpickle where no GPU is visible.
        shared = [
            name
            for name in ("module", "criterion")
            if getattr(self, f"{name}_", None) is getattr(self, name)
        ]
        for name in shared:
            state[name] = None
        state["_shared_with_fitted"] = shared
        return state

    def __setstate__(self, state):
        shared = state.pop("_shared_with_fitted", ())  # absent in old pickles
        super().__setstate__(state)
        for name in shared:
            setattr(self, name, getattr(self, f"{name}_"))
        # Unpickled where the saved device is missing, skorch maps the net to
        # the CPU and sets ``device`` to a torch.device: keep the string that
        # a fit and sklearn_rnn.load give.
        if isinstance(self.device, torch.device):
            self.device = str(self.device)
        # Unpickled onto a GPU, the recurrent weights are separate tensors;
        # cuDNN wants them in one block, or copies them at every call (and
        # warns). A no-op on the CPU.
        for layer in getattr(self, "module_", torch.nn.Module()).modules():
            if isinstance(layer, torch.nn.RNNBase):
                layer.flatten_parameters()


class SequenceDataset(torch.utils.data.Dataset):
    """Rows ``index`` of the encoded targets ``y``, with their sequences.

    The rows are kept as an index into the full data so that a validation
    split never copies the (possibly huge, strided) input. ``rows`` maps the
    positions of ``y`` to rows of ``sequences`` where they differ (rows of
    zero sample weight left out of training), and ``weights`` holds a sample
    weight per position of ``y``: batches then carry ``(targets, weights)``
    as their targets, which :meth:`Net.get_loss` reads.
    """

    def __init__(self, sequences, y, index=None, weights=None, rows=None):
        self.sequences = sequences
        self.y = y
        if index is None:
            index = np.arange(len(sequences) if rows is None else len(rows))
        self.index = index
        self.weights = weights
        self.rows = rows

    def __len__(self):
        return len(self.index)

    def _rows(self, positions):
        return positions if self.rows is None else self.rows[positions]

    def lengths(self):
        """Observed length of each sample, or None when they share one.

        None also where only other rows of the sequences differ (held out,
        of zero weight), or where NaN padding leaves every row one length:
        those rows are batched as the same rows alone would be.
        """
        if self.sequences.lengths is None:
            return None
        lengths = self.sequences.lengths[self._rows(self.index)]
        return lengths if lengths.min() < lengths.max() else None

    def __getitem__(self, i):
        """Sample ``i``: its observed timesteps (M_i, P) and its target."""
        position = int(self.index[i])
        x, lengths = self.sequences.batch(self._rows(self.index[[i]]))
        x = x[0] if lengths is None else x[0, : lengths[0]]
        return torch.from_numpy(x), self.y[position]

    def get_batch(self, positions):
        """Inputs as a dict for ``module.forward`` and the targets."""
        positions = self.index[positions]
        x, lengths = self.sequences.batch(self._rows(positions))
        inputs = {"x": torch.from_numpy(x)}
        if lengths is not None:
            inputs["lengths"] = torch.from_numpy(lengths)
        positions = torch.from_numpy(positions)
        if self.weights is None:
            return inputs, self.y[positions]
        return inputs, (self.y[positions], self.weights[positions])


def weighted_mean(losses, weights):
    """Mean of per-sample ``losses`` (one row per sample) times ``weights``.

    The weights are normalised to mean 1 over the data they come from (see
    ``BaseRecurrent._train``), so that this is an unbiased estimate of the
    weighted mean loss of the data, and an epoch's mean over its batches is
    exactly that weighted mean.
    """
    per_sample = losses.reshape(len(weights), -1).mean(dim=1)
    return (per_sample * weights).mean()


class BatchIterator:
    """Minimal replacement for DataLoader: one gather per batch.

    Shuffling draws from ``generator``, a private :class:`torch.Generator`
    seeded by the estimator's ``random_state`` (torch's global generator
    when None): fits running at the same time in threads do not share it.
    Sequences of different lengths are shuffled into batches of similar
    lengths (see :func:`_grouped_by_length`), visited in random order.
    With ``shard=(rank, world_size)``
    (data-parallel training), every process draws the same batches and keeps
    its share of each batch's rows.
    """

    def __init__(self, dataset, batch_size, shuffle=False, shard=None, generator=None):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.shard = shard
        self.generator = generator

    def __len__(self):
        return len(self._bounds())

    def __iter__(self):
        bounds = self._bounds()
        if self.shuffle:
            order = torch.randperm(len(self.dataset), generator=self.generator)
            order = order.numpy()
            lengths = self.dataset.lengths()
            if lengths is not None:
                order = _grouped_by_length(order, lengths, self.batch_size)
                visit = torch.randperm(len(bounds), generator=self.generator)
                bounds = [bounds[k] for k in visit.tolist()]
        for lo, hi in bounds:
            if self.shuffle:
                # Sorted rows read strided inputs in memory order; the batch's
                # content (and so the gradient) does not depend on its order.
                rows = np.sort(order[lo:hi])
            elif self.shard is None:
                yield self.dataset.get_batch(slice(lo, hi))
                continue
            else:
                rows = np.arange(lo, hi)
            if self.shard is not None:
                rank, world_size = self.shard
                rows = rows[rank::world_size]
            yield self.dataset.get_batch(rows)

    def _bounds(self):
        n, size = len(self.dataset), self.batch_size
        bounds = [(lo, min(lo + size, n)) for lo in range(0, n, size)]
        if self.shard is not None and len(bounds) > 1:
            (lo, _), (last_lo, hi) = bounds[-2:]
            if hi - last_lo < self.shard[1]:
                # Every process needs a row of every batch: a last batch with
                # fewer rows than processes joins the one before.
                bounds[-2:] = [(lo, hi)]
        return bounds


def _grouped_by_length(order, lengths, batch_size):
    """``order`` with each run of ``_LENGTH_GROUP`` batches sorted by length.

    A batch of sequences of different lengths costs as much as its longest
    one times its size: every sequence is computed to the batch's longest
    length and masked. Sorting the shuffled samples within groups of a few
    batches (not over the whole data) gives batches of similar lengths,
    while each batch stays a random draw from its group and every group a
    random draw from the data. Random batches of 16 are padded to 1.43
    times the observed steps on JapaneseVowels (7 to 26 steps) and 1.91
    times on PLAID (100 to 1,344); sorted in groups of 4 batches, to 1.16
    and 1.43.
    """
    group = _LENGTH_GROUP * batch_size
    grouped = [
        chunk[np.argsort(lengths[chunk], kind="stable")]
        for chunk in (order[lo : lo + group] for lo in range(0, len(order), group))
    ]
    return np.concatenate(grouped)


class DataParallel(Callback):
    """Keep the processes of a data-parallel fit in step.

    Each process trains on its share of every batch; :class:`Net` averages
    the gradients over the processes before each step. This callback makes
    the processes start from the weights of process 0, and replaces each
    epoch's training loss by its mean over all the rows of the epoch, so
    that the plateau decisions (learning-rate reduction, stopping), which
    read the losses, are the same in every process. The validation loss is
    the same everywhere already: each process evaluates all of the held-out
    rows with the same weights.
    """

    def on_train_begin(self, net, **kwargs):
        for tensor in net.module_.state_dict().values():
            torch.distributed.broadcast(tensor, src=0)

    def on_epoch_end(self, net, **kwargs):
        batches = [b for b in net.history[-1, "batches"] if "train_loss" in b]
        rows = sum(b["train_batch_size"] for b in batches)
        total = sum(b["train_loss"] * b["train_batch_size"] for b in batches)
        both = torch.tensor([total, rows], dtype=torch.float64)
        torch.distributed.all_reduce(both)
        net.history.record("train_loss", (both[0] / both[1]).item())


def data_parallel_group():
    """``(rank, world_size)`` of an initialised torch.distributed group of
    more than one process, else None."""
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        return dist.get_rank(), dist.get_world_size()
    return None


def shared_seed():
    """A random seed drawn by process 0 of a data-parallel group, else None.

    Processes that start without a ``random_state`` must still hold out the
    same rows and shuffle the same way.
    """
    if data_parallel_group() is None:
        return None
    seed = torch.randint(2**31 - 1, (1,), dtype=torch.int64)
    torch.distributed.broadcast(seed, src=0)
    return int(seed.item())


def _average_gradients(parameters, n_rows):
    """Replace each gradient by the mean over all the processes' rows.

    Each process holds the gradient of the mean loss over its ``n_rows``;
    weighting by the rows gives the gradient of the mean over the whole
    batch. One all-reduce carries every gradient and the row count.
    """
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in parameters]
    count = grads[0].new_tensor([float(n_rows)])
    flat = torch.cat([g.reshape(-1) * n_rows for g in grads] + [count])
    torch.distributed.all_reduce(flat)
    flat = flat[:-1] / flat[-1]
    for p, g in zip(parameters, grads, strict=True):
        if p.grad is None:
            continue
        p.grad.copy_(flat[: g.numel()].view_as(g))
        flat = flat[g.numel() :]


class ValidSplit:
    """skorch ``train_split`` returning a fixed validation dataset."""

    def __init__(self, valid_dataset):
        self.valid_dataset = valid_dataset

    def __call__(self, dataset, y=None, **kwargs):
        return dataset, self.valid_dataset


def _on_terminal():
    """Whether standard output is a terminal (not a file, pipe or capture).

    Read at each use: pytest's capture and notebooks replace ``sys.stdout``.
    """
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class EpochLog(PrintLog):
    """skorch's table of epochs, in plain text except on a terminal.

    PrintLog colours the best values with ANSI codes, which log files and
    captured output show as ``^[[32m0.7147^[[0m``: here they are only
    written when standard output is a terminal. PrintLog also formats every
    float with 4 decimals, which prints the reduced learning rates as
    0.0000: they are printed as ``1.6e-06``.
    """

    def format_row(self, row, key, color):
        if key == "lr":
            return row[key]  # formatted by tabulate, with the column's format
        if not self.colour_:
            # PrintLog colours a value when its "<key>_best" flag is set.
            row = {**row, f"{key}_best": False}
        return super().format_row(row, key, color)

    def table(self, row):
        self.colour_ = _on_terminal()
        keys, cells = zip(*self._yield_keys_formatted(row), strict=True)
        return tabulate(
            [cells],
            headers=keys,
            tablefmt=self.tablefmt,
            floatfmt=[".1e" if key == "lr" else self.floatfmt for key in keys],
            stralign=self.stralign,
        )


class EpochProgress(ProgressBar):
    """skorch's progress bar of each epoch's batches, on a terminal only.

    The bar is redrawn in place with carriage returns: in a log file or a
    pipe that becomes one long garbled line in front of each row of the
    table, so there (outside notebooks) no bar is drawn. It writes to
    standard output, the stream of the table, and is erased when the epoch
    ends, before skorch prints the epoch's row.
    """

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        if self._use_notebook():
            super().on_epoch_begin(net, dataset_train, dataset_valid, **kwargs)
            return
        total = sum(
            len(net.get_iterator(dataset, training=training))
            for dataset, training in ((dataset_train, True), (dataset_valid, False))
            if dataset is not None
        )
        self.pbar_ = tqdm(
            total=total, leave=False, file=sys.stdout, disable=not _on_terminal()
        )


class LearningRate(Callback):
    """Record the learning rate each epoch trained with, ``history[:, "lr"]``
    (shown in the verbose table), in fit and in partial_fit alike.

    Listed before the plateau, which may change the rate at the end of the
    same epoch.
    """

    def on_epoch_end(self, net, **kwargs):
        net.history.record("lr", net.optimizer_.param_groups[0]["lr"])


class FiniteLoss(Callback):
    """Stop with an actionable error when the training loss is not finite.

    The check runs once the epoch is logged, so that the table shows it.
    """

    def __init__(self, learning_rate_init, clip_grad_norm):
        self.learning_rate_init = learning_rate_init
        self.clip_grad_norm = clip_grad_norm

    def on_epoch_logged(self, net):
        loss = net.history[-1, "train_loss"]
        if not math.isfinite(loss):
            raise diverged(
                f"the training loss is {loss} at epoch {len(net.history)}",
                self.learning_rate_init,
                self.clip_grad_norm,
            )
        valid = net.history[-1].get("valid_loss")
        if valid is not None and not math.isfinite(valid):
            # The plateaus would compare infinities: the rate would be cut
            # and no epoch ever kept as the best.
            raise ValueError(
                f"The validation loss is {valid} at epoch {len(net.history)}, "
                f"while the training loss is finite ({loss:.4g}): the network's "
                "outputs for held-out samples are not finite. Their values lie "
                "too far outside the range of the training part for float32 "
                "arithmetic. Check the scale and units of X and y, or set "
                "early_stopping=False."
            )


def diverged(what, learning_rate_init, clip_grad_norm):
    """The error for a training that diverged, with what to change."""
    clipping = (
        "enable gradient clipping (clip_grad_norm=1.0)"
        if clip_grad_norm is None
        else f"clip gradients harder (clip_grad_norm={clip_grad_norm})"
    )
    return ValueError(
        f"Training diverged: {what}. Lower learning_rate_init (currently "
        f"{learning_rate_init}) or {clipping}."
    )


class Plateau(Callback):
    """Early stopping and learning-rate reduction on a plateau of one loss.

    The rule of sklearn's MLP: when the monitored loss has not improved by
    ``tol`` for ``patience`` epochs, divide the learning rate by 5 (as
    :class:`torch.optim.lr_scheduler.ReduceLROnPlateau` with ``factor=0.2``)
    and carry on, or stop if the rate is "constant", already below
    ``_MIN_LR_FRACTION`` of its initial value, or was divided at the last
    ``_FUTILE_DIVISIONS`` plateaus without any improvement in between:
    smaller steps that did not improve the loss once in that many times
    ``patience`` epochs leave little for a still smaller one to find (those
    epochs would mostly repeat the loss). With ``restore_best`` the
    weights of the epoch with the lowest loss (improvement by less than
    ``tol`` included) are restored when training ends, including after
    Ctrl-C.

    The decision is taken at the end of the epoch, before the epoch is
    logged (the table shows the rate the epoch used); its messages and the
    stop come after the epoch's row, in ``on_epoch_logged``.
    """

    def __init__(self, monitor, patience, tol, adaptive, restore_best, sink=print):
        self.monitor = monitor
        self.patience = patience
        self.tol = tol
        self.adaptive = adaptive
        self.restore_best = restore_best
        self.sink = sink

    def on_train_begin(self, net, **kwargs):
        self.best_loss_ = math.inf  # lowest loss: its weights are restored
        self.best_epoch_ = 0
        self.best_weights_ = None
        self.reference_ = math.inf  # loss of the last improvement by tol
        self.misses_ = 0
        self.futile_ = 0  # divisions of the rate since the last improvement
        self.converged_ = False
        self.min_lr_ = net.lr * _MIN_LR_FRACTION
        self.message_ = None  # printed after the epoch's row

    def on_epoch_end(self, net, **kwargs):
        groups = net.optimizer_.param_groups
        loss = net.history[-1, self.monitor]
        if loss < self.best_loss_:
            self.best_loss_, self.best_epoch_ = loss, len(net.history)
            if self.restore_best:
                self.best_weights_ = {
                    k: v.detach().clone() for k, v in net.module_.state_dict().items()
                }
        if loss < self.reference_ - self.tol:
            self.reference_, self.misses_, self.futile_ = loss, 0, 0
            return
        self.misses_ += 1
        if self.misses_ < self.patience:
            return
        self.misses_ = 0
        if (
            self.adaptive
            and self.futile_ < _FUTILE_DIVISIONS
            and groups[0]["lr"] * _LR_FACTOR >= self.min_lr_
        ):
            for group in groups:
                group["lr"] *= _LR_FACTOR
            self.futile_ += 1
            self.message_ = (
                f"{self._plateau()}: learning rate divided by 5, to "
                f"{groups[0]['lr']:.1e}."
            )
            return
        futile = (
            f"; the last {self.futile_} divisions of the learning rate brought "
            "no improvement"
            if self.futile_ == _FUTILE_DIVISIONS
            else ""
        )
        self.message_ = f"Stopping: {self._plateau()}{futile}."
        self.converged_ = True

    def _plateau(self):
        return (
            f"{self.monitor} did not improve by more than tol={self.tol:g} for "
            f"{self.patience} epoch(s)"
        )

    def on_epoch_logged(self, net):
        if self.message_ is not None:
            self.sink(self.message_)
            self.message_ = None
        if self.converged_:
            raise _StopTraining  # skorch's signal to end training

    def on_train_end(self, net, **kwargs):
        if self.best_weights_ is not None and self.best_epoch_ != len(net.history):
            net.module_.load_state_dict(self.best_weights_)
            self.sink(f"Restored the weights of epoch {self.best_epoch_}.")
        self.best_weights_ = None  # do not keep a second copy of the weights


class ValidationScore(Callback):
    """Record the score of the validation pass in the history as ``name``.

    ``kind`` is "accuracy", "r2", or a function mapping the lists of the
    batches' outputs and targets to the score (for outputs that are not one
    row per sample, such as per-timestep outputs). ``name`` is the column
    of the printed table: named after the metric (``valid_acc``...).
    """

    def __init__(self, kind, name="valid_score"):
        self.kind = kind
        self.name = name

    def on_epoch_begin(self, net, **kwargs):
        self.preds_, self.targets_, self.weights_ = [], [], []

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if not training:
            if isinstance(y_pred, tuple):
                self.preds_.append(tuple(t.detach() for t in y_pred))
            else:
                self.preds_.append(y_pred.detach())
            targets = batch[1]
            if isinstance(targets, tuple):  # (targets, sample weights)
                targets, weights = targets
                self.weights_.append(weights)
            self.targets_.append(targets)

    def on_epoch_end(self, net, **kwargs):
        if not self.preds_:
            return
        if callable(self.kind):
            net.history.record(self.name, float(self.kind(self.preds_, self.targets_)))
            self.preds_, self.targets_, self.weights_ = [], [], []
            return
        pred = torch.cat(self.preds_).cpu().double().numpy()
        true = torch.cat(self.targets_).cpu().numpy()
        # Weighted as the validation loss is, and as score(sample_weight=).
        weights = torch.cat(self.weights_).cpu().numpy() if self.weights_ else None
        if not np.isfinite(pred).all():
            # No score for outputs that overflowed: the validation loss is
            # not finite either, and FiniteLoss raises the error that says so.
            score = math.nan
        elif self.kind == "accuracy":
            score = accuracy_score(true, pred.argmax(axis=1), sample_weight=weights)
        else:
            with warnings.catch_warnings():
                # A single held-out sample has no R² (nan), as in sklearn.
                warnings.simplefilter("ignore", UndefinedMetricWarning)
                score = r2_score(true, pred, sample_weight=weights)
        net.history.record(self.name, float(score))
        self.preds_, self.targets_, self.weights_ = [], [], []


def _early_stopping_fired(net):
    """Whether a skorch EarlyStopping callback has just ended training."""
    return any(
        isinstance(callback, EarlyStopping)
        and getattr(callback, "misses_", 0) >= callback.patience
        for _, callback in getattr(net, "callbacks_", [])
    )


class _StopTraining(KeyboardInterrupt):
    """The plateau's end of training: skorch stops on any KeyboardInterrupt."""


@dataclass
class TrainingSettings:
    """How :func:`train` trains: the estimator's parameters, resolved."""

    solver: str
    learning_rate_init: float
    momentum: float
    alpha: float
    batch_size: int
    max_epochs: int
    learning_rate: str
    patience: int
    tol: float
    clip_grad_norm: float | None
    # "accuracy", "r2", or a function of the held-out batches' outputs and
    # targets (see ValidationScore).
    score_kind: str | Callable
    # The score's column in the history and the printed table.
    score_name: str
    device: str
    verbose: int
    seed: int | None = None  # seeds the shuffling; None draws from torch
    # Plateaus reduce the learning rate and end training (fit); partial_fit
    # runs one epoch per call without them.
    plateau: bool = True
    # The user's callbacks, as (name, callback) pairs (see user_callbacks).
    callbacks: list = field(default_factory=list)


@dataclass
class TrainingResult:
    """What :func:`train` returns; everything the estimators read of a fit.

    ``loss_curve`` has one training loss per epoch (for an epoch cut short by
    Ctrl-C, the mean over its completed batches); ``validation_scores`` and
    ``valid_losses`` one per validated epoch, or None without a held-out
    set. ``converged`` is whether a final plateau ended training,
    ``interrupted`` whether a Ctrl-C did. ``monitored`` holds the monitored
    loss of each completed epoch (validation loss with a held-out set, else
    training loss) and ``kept`` the 1-based epoch whose weights the net
    holds.
    """

    net: NeuralNet
    loss_curve: list
    validation_scores: list | None
    valid_losses: list | None
    converged: bool
    interrupted: bool
    monitored: list
    kept: int

    @property
    def kept_loss(self):
        """Monitored loss of the weights the net holds (None if none)."""
        return self.monitored[self.kept - 1] if self.monitored else None


def train(
    module,
    criterion,
    sequences,
    targets,
    train_rows,
    valid_rows,
    settings,
    *,
    weights=None,
    rows=None,
):
    """Train ``module`` on rows of ``targets`` and return a TrainingResult.

    ``valid_rows`` (None for none) are held out: their loss is monitored for
    the plateaus and the weights of its lowest value are restored when
    training ends. Without them the training loss is monitored. ``weights``
    (None for none) holds a sample weight per row, normalised to mean 1 over
    the training rows and over the held-out rows; ``rows`` maps the rows of
    ``targets`` to rows of ``sequences`` (None: the same rows).
    """

    def dataset(index):
        return SequenceDataset(sequences, targets, index, weights=weights, rows=rows)

    valid = None if valid_rows is None else dataset(valid_rows)
    net = make_net(module, criterion, valid, settings)
    net.fit(dataset(train_rows), y=None)
    # Drop the reference to the validation data: pickles stay small.
    net.train_split = None
    net.module_.eval()
    interrupted = net.__dict__.pop("interrupted_", False)
    loss_curve, scores, valid_losses = fitted_curves(net, settings.score_name)
    plateau = dict(net.callbacks_)["plateau"]
    monitor = "train_loss" if valid is None else "valid_loss"
    monitored = [row[monitor] for row in net.history if monitor in row]
    kept = plateau.best_epoch_ if valid is not None else len(monitored)
    return TrainingResult(
        net=net,
        loss_curve=loss_curve,
        validation_scores=scores,
        valid_losses=valid_losses,
        converged=plateau.converged_,
        interrupted=interrupted,
        monitored=monitored,
        kept=max(kept, 1),
    )


def train_epoch(
    net,
    module,
    criterion,
    sequences,
    targets,
    settings,
    *,
    weights=None,
    rows=None,
    history=None,
):
    """One epoch over all rows of ``targets`` (``partial_fit``).

    ``net`` is the net of the previous call, which keeps the optimizer's
    state (Adam's moments) and the history; None builds one around
    ``module`` (``settings.plateau`` should then be False: one epoch per
    call, no early stopping or learning-rate schedule); ``history``, the
    history of a previous fit, then goes on. Returns a TrainingResult of all
    epochs so far.
    """
    if net is None:
        net = make_net(module, criterion, None, settings)
        net.initialize()
        if history is not None:
            net.history = history
    dataset = SequenceDataset(sequences, targets, weights=weights, rows=rows)
    net.partial_fit(dataset, y=None)
    net.module_.eval()
    interrupted = net.__dict__.pop("interrupted_", False)
    loss_curve, _, _ = fitted_curves(net, settings.score_name)
    return TrainingResult(
        net=net,
        loss_curve=loss_curve,
        validation_scores=None,
        valid_losses=None,
        converged=False,
        interrupted=interrupted,
        monitored=list(loss_curve),
        kept=len(loss_curve),
    )


# Names of the callbacks of every net (skorch's defaults and ours): a
# user's callback may not take one.
_OWN_CALLBACKS = frozenset(
    {"epoch_timer", "train_loss", "valid_loss", "print_log"}
    | {"record_lr", "finite_loss", "plateau", "valid_score", "data_parallel"}
    | {"progress_bar"}
)


# Columns of the history that the estimators read back (loss_curve_,
# validation_scores_, best_loss_) or that skorch's loop writes; with the
# estimator's score column, a scoring callback may not write them.
_OWN_COLUMNS = frozenset(
    {"train_loss", "valid_loss", "lr", "epoch", "dur", "batches"}
    | {"train_batch_size", "valid_batch_size"}
)


def user_callbacks(callbacks, owner, score_name):
    """The ``callbacks`` parameter as fresh ``(name, callback)`` pairs.

    Each item is a skorch callback (instance or class) or a ``(name,
    callback)`` pair; unnamed ones are named after their class, as skorch
    does. The callbacks are deep-copied, as :func:`sklearn.base.clone`
    copies parameters: fitting never changes the estimator's parameter, and
    each fit starts from the callbacks as given (the fitted ones are in
    ``net_.callbacks_``). A scoring callback (skorch's EpochScoring,
    BatchScoring) may not record under a column the estimator reads:
    ``score_name``, its validation score, or one of ``_OWN_COLUMNS``.
    """
    pairs = []
    for i, item in enumerate(callbacks or ()):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            name, callback = item
        else:
            name, callback = None, item
        is_callback = isinstance(callback, Callback) or (
            isinstance(callback, type) and issubclass(callback, Callback)
        )
        if not is_callback:
            raise TypeError(
                f"callbacks[{i}] of {owner} is {callback!r}, not a skorch callback. "
                "Pass instances or classes of skorch.callbacks.Callback, or "
                "(name, callback) pairs."
            )
        if name is None:
            name = (callback if isinstance(callback, type) else type(callback)).__name__
        if name in _OWN_CALLBACKS:
            raise ValueError(
                f"callbacks[{i}] of {owner} is named {name!r}, the name of one of "
                f"the estimator's own callbacks ({sorted(_OWN_CALLBACKS)}). Give "
                f"it another name: ('my_{name}', callback)."
            )
        column = getattr(callback, "name", None)
        if isinstance(column, str) and column in _OWN_COLUMNS | {score_name}:
            raise ValueError(
                f"callbacks[{i}] of {owner} records its score as {column!r}, a "
                "column of the history that the estimator writes and reads "
                "back (loss_curve_, validation_scores_, best_loss_). Give it "
                f"another name, such as name='my_{column}'."
            )
        pairs.append((name, copy.deepcopy(callback)))
    return pairs


def make_net(module, criterion, valid_dataset, settings):
    """Build the skorch net that trains ``module``.

    The :class:`Plateau` callback watches the validation loss when a
    validation set is held out, else the training loss. Batches are
    shuffled by a private generator seeded with ``settings.seed`` (torch's
    global one when None). Inside an
    initialised torch.distributed group of several processes, the net trains
    data-parallel (see :class:`DataParallel`) and only process 0 prints.
    """
    verbose = settings.verbose
    generator = None
    if settings.seed is not None:
        generator = torch.Generator().manual_seed(settings.seed)
    shard = data_parallel_group()
    if shard is not None and shard[0] != 0:
        verbose = 0  # only process 0 prints
    optimizer = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[settings.solver]
    # MLPClassifier's alpha: the penalty 0.5 * alpha * ||W||^2 / batch_size
    # on the weights, i.e. a weight decay of alpha / batch_size; no decay on
    # the biases.
    optimizer_params = {
        "weight_decay": settings.alpha / settings.batch_size,
        "param_groups": [("*bias*", {"weight_decay": 0.0})],
    }
    if settings.solver == "sgd":
        optimizer_params["momentum"] = settings.momentum
    if torch.device(settings.device).type in ("cpu", "cuda"):
        # One fused kernel per step instead of one per parameter tensor:
        # about a quarter of the step time for the small networks used here.
        optimizer_params["fused"] = True
    held_out = valid_dataset is not None
    callbacks = [
        ("record_lr", LearningRate()),
        (
            "finite_loss",
            FiniteLoss(settings.learning_rate_init, settings.clip_grad_norm),
        ),
    ]
    if settings.plateau:
        plateau = Plateau(
            "valid_loss" if held_out else "train_loss",
            settings.patience,
            settings.tol,
            adaptive=settings.learning_rate == "adaptive",
            restore_best=held_out,
            sink=print if verbose else noop,
        )
        callbacks.append(("plateau", plateau))
    if held_out:
        callbacks.insert(
            0,
            (
                "valid_score",
                ValidationScore(settings.score_kind, settings.score_name),
            ),
        )
    if shard is not None:
        # Before the callbacks that read the epoch's training loss.
        callbacks.insert(0, ("data_parallel", DataParallel()))
    if verbose >= 2:
        callbacks.append(("progress_bar", EpochProgress()))
    # After ours: they see the epoch's row complete (losses, score, lr).
    callbacks.extend(settings.callbacks)
    params = {f"optimizer__{k}": v for k, v in optimizer_params.items()}
    if not verbose:
        params["callbacks__print_log"] = None
    return Net(
        module,
        criterion,
        optimizer=optimizer,
        lr=settings.learning_rate_init,
        max_epochs=settings.max_epochs,
        batch_size=settings.batch_size,
        iterator_train=BatchIterator,
        iterator_train__shuffle=True,
        iterator_train__generator=generator,
        iterator_train__shard=shard,
        data_parallel=shard is not None,
        iterator_valid=BatchIterator,
        train_split=ValidSplit(valid_dataset) if held_out else None,
        callbacks=callbacks,
        device=settings.device,
        verbose=verbose,
        clip_grad_norm=settings.clip_grad_norm,
        **params,
    )


def restore_net(module, criterion, device, history):
    """A trained net around a ``module`` whose weights are already loaded.

    What a fit leaves in ``net_``, rebuilt from a saved file: the module on
    ``device`` in eval mode, the ``criterion`` and the training ``history``
    (a list of epoch dicts). The training settings (optimizer, callbacks)
    are not part of it: a further fit builds a new net from the
    estimator's parameters, as every fit does.
    """
    net = Net(module, criterion, device=device, verbose=0)
    net.initialize()  # keeps the module instance: no re-initialisation
    net.history = History(history)
    net.module_.eval()
    return net


def fitted_curves(net, score_name):
    """``loss_curve_``, validation scores and losses from the net's history.

    An epoch interrupted by Ctrl-C has no epoch-level loss: its training loss
    is the mean over the batches it completed, and it has no validation.
    """
    loss_curve, scores, valid_losses = [], [], []
    for row in net.history:
        if "train_loss" in row:
            loss_curve.append(row["train_loss"])
        else:
            done = [b for b in row["batches"] if "train_loss" in b]
            if not done:
                continue
            sizes = np.array([b["train_batch_size"] for b in done])
            losses = np.array([b["train_loss"] for b in done])
            loss_curve.append(float((losses * sizes).sum() / sizes.sum()))
        # Ctrl-C between skorch's validation loss and the score (computed
        # after it) leaves an epoch with a loss but no score: not validated,
        # as Plateau, which runs after the score, never saw it.
        if "valid_loss" in row and score_name in row:
            valid_losses.append(row["valid_loss"])
            scores.append(row[score_name])
    return loss_curve, (scores or None), (valid_losses or None)
