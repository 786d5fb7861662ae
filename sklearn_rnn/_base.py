"""The one private base class of the recurrent estimators."""

import copy
import math
import os
import re
import threading
import warnings
import weakref
from abc import ABCMeta, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass, replace
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _check_sample_weight,
    _num_samples,
    check_consistent_length,
    check_is_fitted,
)

from . import _skorch
from ._modules import CELLS, RecurrentNetwork
from ._validation import (
    _is_panel_frame,
    caller_stacklevel,
    check_allocation,
    check_column_names,
    check_sequences,
    column_names,
    record_column_names,
    warn_if_transposed,
)

# With patch_size="auto", long sequences are cut into patches so that the
# recurrent cell takes at most this many steps: gradients through hundreds
# of steps vanish (the lecture's lesson) and each step costs time.
_MAX_AUTO_STEPS = 16
# Rows per forward pass at predict time...
_PREDICT_BATCH = 1024
# ...and, on the CPU, padded timesteps (rows times the longest of them):
# long sequences in passes of 1024 build intermediate tensors of hundreds of
# megabytes, which run at the speed of memory (see _predict_passes). Of
# 2**13 to 2**18, 2**16 predicted PLAID's and PigCVP's test sets fastest
# (0.36 s and 0.50 s, against 1.75 s and 1.27 s for one pass; 2**17 took
# 0.65 s and 1.04 s). A GPU runs larger passes faster (see the GPU page of
# the user guide).
_PREDICT_STEPS = 2**16
# random_crop="auto": windows of 80 % of each sequence, but at least 64
# steps, so that sequences of up to 64 steps are read whole. Cropping helps
# where a few long series per class must be told apart by shapes that can
# occur anywhere, and hurts where the class depends on every step of a
# short, aligned sequence. On the development pool of
# benchmarks/classification.py (with voting at prediction), cropping 70 %
# lowered the 24-step sets (ItalyPowerDemand .971 -> .911, UnitTest .955
# -> .818, 2 seeds), hence the minimum; with it, 70 % lost a seed of Coffee
# (286 aligned steps: mean .886, worst .536, 5 seeds) where 80 % kept .986,
# and PigCVP rose from .381 to .648 (70 %) and .554 (80 %). The three
# reserved sets (251 to 1,460 steps; held out from tuning until they
# informed this choice) rose from a mean of .647 to .718 (70 %, 2 seeds)
# and .721 (80 %). See the user guide's page on overfitting. LSTMRegressor
# defaults to 1.0 instead: a window keeps a class, not a regression target.
_AUTO_CROP = 0.8
_AUTO_CROP_MIN_STEPS = 64
# Multiply-adds per recurrent step (parameters x rows of the batch) below
# which torch's intra-op threads cost more than they save. Every tiny
# operator of a small recurrent network ends at a barrier where all threads
# meet; when another process holds one of the cores, each barrier waits for
# a descheduled thread: fits beside a busy process ran several times slower
# than on one thread (3.6-5.4 times in benchmarks/threads.py).
# Measured by ``benchmarks/threads.py`` (see its size sweep).
_THREAD_WORK = 2**25


@dataclass
class Targets:
    """Training targets as the network sees them, and how to decode outputs.

    Attributes
    ----------
    values : torch.Tensor
        Class indices (int64, shape (n_samples,)) or standardised targets
        (float32, shape (n_samples, n_outputs)).
    n_outputs : int
        Outputs of the network: classes, or regression targets.
    classes : ndarray or None
        Class labels (classifier).
    mean, scale : ndarray or None
        Standardisation of each regression target.
    ndim : int
        Dimensions of the ``y`` passed to fit (1 or 2; regressor).
    weights : ndarray or None
        Positive weight of each sample in the loss (``sample_weight``
        times the class weights), or None for equal weights.
    """

    values: torch.Tensor
    n_outputs: int
    classes: np.ndarray | None = None
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    ndim: int = 1
    weights: np.ndarray | None = None


@dataclass
class _PartialState:
    """What consecutive ``partial_fit`` calls share beyond the fitted
    attributes: the skorch net (the optimizer's state, the history), the
    minibatch size and the optimizer settings the net was built with."""

    batch_size: int
    optimizer: tuple
    net: object = None


def _rows_of(positions, rows):
    """Rows of the sequences for ``positions`` of the (kept) targets."""
    return positions if rows is None else rows[positions]


class BaseRecurrent(BaseEstimator, metaclass=ABCMeta):
    """Base class of the recurrent estimators.

    Subclasses provide the target encoding, the loss, the validation split
    and the mapping from network outputs to predictions.

    Warning: This class should not be used directly. Use derived classes
    instead.
    """

    _parameter_constraints: dict = {
        "cell": [StrOptions(set(CELLS))],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "fc_size": [None, Interval(Integral, 1, None, closed="left")],
        "patch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "solver": [StrOptions({"adam", "sgd"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [StrOptions({"constant", "adaptive"})],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "clip_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "device": [str],
        "n_jobs": [
            None,
            Interval(Integral, 1, None, closed="left"),
            Interval(Integral, None, -1, closed="right"),
        ],
        "callbacks": [list, None],
    }

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        fc_size=None,
        patch_size="auto",
        solver="adam",
        learning_rate_init=2e-3,
        learning_rate="adaptive",
        momentum=0.9,
        alpha=1e-2,
        batch_size="auto",
        max_iter=200,
        clip_grad_norm=1.0,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        verbose=0,
        device="auto",
        n_jobs=None,
        callbacks=None,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.fc_size = fc_size
        self.patch_size = patch_size
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.clip_grad_norm = clip_grad_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.device = device
        self.n_jobs = n_jobs
        self.callbacks = callbacks

    # -- hooks for the subclasses ------------------------------------------

    @abstractmethod
    def _encode_targets(self, y, warm, weights=None, rows=None):
        """Validated ``y`` -> :class:`Targets` of the ``rows`` trained on
        (None: all); ``warm``: keep the fitted encoding (classes, target
        scaling); ``weights``: the positive sample weights of those rows, or
        None. The whole ``y`` is checked, and a classifier's classes are
        those of the whole ``y``, as in scikit-learn."""

    @abstractmethod
    def _store_targets(self, targets):
        """Set the fitted attributes that decode outputs (``classes_``...)."""

    @abstractmethod
    def _criterion(self, targets):
        """The loss module and the validation score: "accuracy", "r2", or a
        function of the validation batches' outputs and targets (see
        ``_skorch.ValidationScore``)."""

    @abstractmethod
    def _constant_output(self, values, n_outputs, weights=None):
        """The network output (n_outputs,) of the best constant prediction
        (for the sample ``weights``, when not None).

        None where no constant prediction is meaningful (outputs per
        timestep): the "did not learn" warning then compares with the first
        epoch only.
        """

    @abstractmethod
    def _validation_split(self, targets, rng):
        """Row indices (train, valid) for early stopping."""

    # -- fit ----------------------------------------------------------------

    def _fit(self, X, y, sample_weight=None):
        """The fit of every estimator: ``fit`` of the subclasses calls it.

        The public ``fit`` is defined on each estimator, so that its
        signature says what it accepts (``sample_weight`` or not, which
        metadata routing reads) and an unexpected keyword names the
        estimator, not this class.
        """
        _reject_booleans(self)
        self._check_network()
        warm = self.warm_start and hasattr(self, "net_")
        if warm:  # before anything of the fitted model is reset
            self._check_same_network("warm_start=True")
        device = _resolve_device(self.device, type(self).__name__)
        sequences = check_sequences(X, estimator=self)
        warn_if_transposed(sequences, self)
        if warm and sequences.n_features != self.n_features_in_:
            raise ValueError(
                f"X has {sequences.n_features} features per timestep, but "
                f"{type(self).__name__} was fitted with {self.n_features_in_}; "
                "warm_start=True needs the same features."
            )
        if warm:
            # The network goes on from the columns it was fitted on: checked
            # as partial_fit and MLPClassifier(warm_start=True) check them.
            check_column_names(self, X, reset=False)
        y = self._check_fit_targets(y, sequences, X)
        weights, rows = self._check_sample_weight(sample_weight, len(sequences))
        # Recorded once the fit succeeds: a failed fit keeps the fitted model.
        names = column_names(X)
        targets = self._encode_targets(y, warm, weights, rows)
        random_state = self.random_state
        if random_state is None:
            # Data-parallel processes must split and shuffle alike.
            random_state = _skorch.shared_seed()
        rng = check_random_state(random_state)
        if random_state is None:
            seed = _global_draw()
        else:
            seed = int(rng.randint(2**31 - 1))
        train, valid = self._split(targets.values, rng)
        patch_size = self._fit_patch_size(sequences, targets, warm, rows)
        if warm:
            # Train a copy, so that a failed fit leaves the model intact.
            module = copy.deepcopy(self.net_.module_)
        else:
            with _seeded(seed, "cpu"):  # the weights are initialised on the CPU
                module = self._init_module(sequences, train, targets, patch_size, rows)
        # Shuffling draws from a private generator (see _skorch.make_net);
        # crops and dropout from those that _random_sources seeds.
        n_threads = self._n_threads(module, self._batch_size(len(train)))
        with (
            self._random_sources(module, seed, device),
            _torch_threads(n_threads),
        ):
            result, baseline = self._train(
                module, sequences, targets, train, valid, device, seed, rows
            )
            self._check_finite_outputs(module, sequences, device)
        self._set_fitted(result, sequences, targets, patch_size, valid is not None)
        if not warm:
            record_column_names(self, names)
            self._built_with_ = self._network_signature()
        self._partial_ = None  # a later partial_fit starts its own optimizer
        if result.interrupted:
            epoch = len(result.loss_curve)
            # Without a validation loss nothing is restored: the weights are
            # those of the last batch, maybe in the middle of an epoch.
            weights = (
                f"the weights of epoch {result.kept}, its lowest validation loss"
                if valid is not None and result.valid_losses
                else f"the weights it had reached in epoch {epoch}"
            )
            raise KeyboardInterrupt(
                f"{type(self).__name__}.fit was interrupted at epoch {epoch}; "
                f"the estimator is fitted with {weights} (interrupted_=True) "
                "and can be used or trained further."
            )
        self._warn_if_not_converged(result, baseline, valid is not None)
        return self

    def _partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``X``, continuing the previous calls (or fit).

        The first call (on an unfitted estimator) fixes what later calls
        share: the input standardisation and the regression target scaling
        from its data, the patch size and the minibatch size. The optimizer
        (Adam's moments) carries over between calls; there is no held-out
        set, no learning-rate schedule and no early stopping.
        """
        _reject_booleans(self)
        first = not hasattr(self, "net_")
        if first:
            self._check_network()
        else:
            self._check_same_network("partial_fit")
        device = _resolve_device(self.device, type(self).__name__)
        sequences = check_sequences(
            X, estimator=self, n_features=None if first else self.n_features_in_
        )
        warn_if_transposed(sequences, self)
        # Later calls check the column names; the first records them once it
        # succeeds, so that a failed first call leaves nothing fitted (read
        # now: unreadable names must fail before training).
        names = column_names(X) if first else None
        if not first:
            check_column_names(self, X, reset=False)
        y = self._check_fit_targets(y, sequences, X)
        weights, rows = self._check_sample_weight(sample_weight, len(sequences))
        # The classifier's first call knows classes_ already (classes=).
        known = not first or getattr(self, "classes_", None) is not None
        targets = self._encode_targets(y, known, weights, rows)
        state = getattr(self, "_partial_", None)
        if self.random_state is None:
            # Data-parallel processes must shuffle alike, as in fit.
            seed = _skorch.shared_seed()
            seed = _global_draw() if seed is None else seed
        else:
            # A different seed per call: dropout masks must not repeat.
            rng = check_random_state(self.random_state)
            seed = int(rng.randint(2**31 - 1)) + (0 if first else self.n_iter_)
            seed %= 2**31 - 1
        if first:
            patch_size = self._resolve_patch_size(sequences, rows)
            with _seeded(seed, "cpu"):
                module = self._init_module(
                    sequences,
                    np.arange(len(targets.values)),
                    targets,
                    patch_size,
                    rows,
                )
        else:
            patch_size = self.patch_size_
            module = self.net_.module_
        optimizer = self._optimizer_settings()
        if state is None:
            # The first call, or the first after fit: a new optimizer.
            state = _PartialState(self._batch_size(len(targets.values)), optimizer)
        elif state.optimizer != optimizer:
            # Changed with set_params since the net was built, which would
            # keep the old values: this call starts a new optimizer (and
            # net) with the new ones. The minibatch size stays the first's.
            state = _PartialState(state.batch_size, optimizer)
        net = state.net
        n_threads = self._n_threads(module, state.batch_size)
        with (
            self._random_sources(module, seed, device),
            _torch_threads(n_threads),
        ):
            criterion, score_kind = self._criterion(targets)
            settings = self._settings(
                device, seed, state.batch_size, 1, score_kind, plateau=False
            )
            weights = _call_weights(targets.weights, weights)
            if net is not None:
                # This call's loss: per-sample (weighted) or plain mean.
                net.criterion_ = criterion.to(device)
            # The epoch trains the fitted network in place (no copy per
            # call): a call that fails, or diverges, puts its weights back.
            saved = None
            if not first:  # tensor copies: deepcopy took 6 % of a small call
                saved = {k: v.detach().clone() for k, v in module.state_dict().items()}
            # The epochs so far, which this call's epoch extends in place.
            history = None if first else (self.net_ if net is None else net).history
            n_epochs = 0 if history is None else len(history)
            try:
                result = _skorch.train_epoch(
                    net,
                    module,
                    criterion,
                    sequences,
                    targets.values,
                    settings,
                    weights=weights,
                    rows=rows,
                    # The net of a previous call already holds it.
                    history=history if net is None else None,
                )
                self._check_finite_outputs(module, sequences, device)
            except Exception:
                if saved is not None:
                    module.load_state_dict(saved)
                    # Nor does the failed epoch count in n_iter_ and
                    # loss_curve_ of the calls after it.
                    del history[n_epochs:]
                    # Adam's moments may have diverged too: the next call
                    # starts a new optimizer, with the same minibatch size.
                    self._partial_ = replace(state, net=None)
                raise
        if result.interrupted and len(result.loss_curve) == n_epochs:
            # Ctrl-C before this call's first batch: nothing to keep, not
            # even an empty epoch in the history.
            if history is not None:
                del history[n_epochs:]
            raise KeyboardInterrupt(
                f"{type(self).__name__}.partial_fit was interrupted before its "
                "first batch completed; the estimator is as it was."
            )
        state.net = result.net
        self._set_fitted(result, sequences, targets, patch_size, False)
        if first:
            record_column_names(self, names)
            self._built_with_ = self._network_signature()
        self._partial_ = state
        if result.interrupted:
            raise KeyboardInterrupt(
                f"{type(self).__name__}.partial_fit was interrupted; the "
                "estimator keeps the weights of the batches it completed."
            )
        return self

    def _check_finite_outputs(self, module, sequences, device):
        """Raise if the trained network outputs non-finite values.

        Each batch's loss is taken before its step, so a last step that
        overflows (a learning rate far too high) leaves a finite training
        loss and weights that predict NaN or inf. One forward pass over a
        few training sequences tells.
        """
        training = module.training
        module.eval()
        try:
            with torch.no_grad():
                out = _module_outputs(module, sequences, slice(0, 8), device)
        finally:
            module.train(training)
        if _first_non_finite(out) is not None:
            raise _skorch.diverged(
                "the trained network's outputs are not finite",
                self.learning_rate_init,
                self.clip_grad_norm,
            )

    def _check_fit_targets(self, y, sequences, X):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        if getattr(y, "requires_grad", False):
            raise TypeError(
                "y is a torch tensor that requires grad; pass y.detach() (or "
                "y.detach().cpu().numpy())."
            )
        if (
            _is_panel_frame(X)
            and len(X) == _num_samples(y)
            and len(sequences) != len(X)
        ):
            # As many rows as targets: a table of samples whose index is
            # (instance, time), as sktime's global reduction passes, which no
            # structure tells from a panel of one sequence per instance.
            raise ValueError(
                f"y has {_num_samples(y)} targets, one per row of X, but X is a "
                f"pd-multiindex panel of {len(sequences)} sequences (one per "
                f"instance, its rows the timesteps). {self._per_row_remedy}"
            )
        return self._check_targets(y, sequences)

    def _check_sample_weight(self, sample_weight, n_samples):
        """``(weights, rows)``: the weights to train with and the rows of
        ``X`` (and ``y``) they belong to (None: all rows).

        sklearn's check rejects negative, non-finite and all-zero weights and
        a wrong shape. Rows of zero weight are left out, as if they had been
        removed: the split, the batches and the scaling are those of the
        other rows (but a classifier's classes are those of the whole ``y``,
        see ``_encode_targets``). Equal weights change nothing and become
        None.
        """
        if sample_weight is None:
            return None, None
        weights = _check_sample_weight(
            sample_weight,
            np.empty((n_samples, 0)),
            dtype=np.float64,
            ensure_non_negative=True,
        )
        if not weights.any():
            # scikit-learn says so itself from 1.9 on; before, the rows of
            # weight 0 were left out and nothing remained.
            raise ValueError(
                "sample_weight must contain at least one non-zero number: "
                "samples of weight 0 are left out of training, and none would "
                "remain."
            )
        rows = None
        if not weights.all():
            rows = np.flatnonzero(weights)
            weights = weights[rows]
        if np.all(weights == weights[0]):
            return None, rows
        # Only their ratios count. At most 1, weights near the top of the
        # float64 range no longer overflow the sums of weighted means to inf.
        return weights / weights.max(), rows

    def _check_targets(self, y, sequences):
        """Check that ``y`` matches the sequences; return it as encoded next.

        Sequence-output estimators override this to check each sequence's
        labels against its length.
        """
        try:
            check_consistent_length(np.arange(len(sequences)), y)
        except ValueError:
            # scikit-learn's "[20, 5]" says neither which is which nor that a
            # panel frame gives one sequence per instance.
            raise ValueError(
                "Found input variables with inconsistent numbers of samples: y "
                f"has {_num_samples(y)} targets, but X has {len(sequences)} "
                "sequences. Give one target per sequence (a pd-multiindex "
                "frame X holds one sequence per instance, not per row)."
            ) from None
        return y

    def _fit_patch_size(self, sequences, targets, warm, rows):
        """The patch size of this fit: the previous one on a warm start.

        ``targets`` is the :class:`Targets` of the fit (the transcriber
        checks that every label sequence fits in the output steps);
        ``rows`` are the sequences it trains on (None: all).
        """
        if warm:
            return self.patch_size_
        return self._resolve_patch_size(sequences, rows)

    # The parameters built into the network. warm_start and partial_fit
    # train the fitted network further, so a change to one of them since it
    # was built would be silently ignored; they raise instead.
    _network_params = (
        "cell",
        "hidden_size",
        "num_layers",
        "bidirectional",
        "dropout",
        "fc_size",
        "patch_size",
    )

    def _network_signature(self):
        """The values of ``_network_params``, as the network was built."""
        params = self.get_params(deep=False)
        return {name: params[name] for name in self._network_params}

    def _with_defaults(self, signature):
        """``signature`` with the value its network takes for each parameter
        it leaves unset: none here, the built-in network records all of its
        own."""
        return signature

    def _check_same_network(self, how):
        """Raise if a parameter built into the fitted network has changed.

        ``how`` is "warm_start=True", "partial_fit" or "save". Estimators
        fitted before the check existed (pickles of older versions) have no
        record of their network's parameters and are trusted.
        """
        built = getattr(self, "_built_with_", None)
        if built is None:
            return
        built = self._with_defaults(built)
        now = self._with_defaults(self._network_signature())
        names = sorted(built.keys() | now.keys())
        if not _same_value(built.get("module"), now.get("module")):
            # Another kind of network: its own parameters are not comparable.
            names = ["module"]
        changed = [
            f"{name} (built with {built.get(name)!r}, now {now.get(name)!r})"
            for name in names
            if not _same_value(built.get(name), now.get(name))
        ]
        if not changed:
            return
        changed = "; ".join(changed)
        if how == "save":
            # The file holds the parameters, and load builds the network
            # from them: it would not fit these weights.
            raise ValueError(
                f"{type(self).__name__}: save writes the parameters with the "
                f"weights, and sklearn_rnn.load builds the network from them, "
                f"but {changed} changed since the network was built. Set them "
                "back before saving, or fit again to train a network with the "
                "new values."
            )
        # Only fit without warm_start builds a new network.
        remedy = (
            "Call fit with warm_start=False"
            if how == "partial_fit"
            else "Set warm_start=False and call fit"
        )
        raise ValueError(
            f"{type(self).__name__}: {how} trains the fitted network further, "
            f"but {changed} changed since it was built. {remedy} to train a "
            "new network with the new values, or set them back."
        )

    def _warn_if_not_converged(self, result, baseline, early):
        """Warn, as MLPClassifier does, when max_iter ended training.

        Also warn when training ended no better than after its first epoch,
        or than a constant prediction (``baseline``: the mean target, or the
        class frequencies): a learning rate far too high oscillates without
        diverging (gradient clipping keeps the loss finite), and nothing
        else would say so. ``baseline`` is None where no constant prediction
        is meaningful (sequence outputs): only the first epoch then counts.
        """
        name = type(self).__name__
        loss = result.kept_loss
        first = result.monitored[0] if result.monitored else None
        parts = []
        stalled = len(result.monitored) >= 2 and loss >= (
            first if baseline is None else min(first, baseline)
        )
        if stalled:
            monitor = "validation" if early else "training"
            # Name the bound that the loss did not beat.
            if baseline is not None and baseline < first:
                bound = (
                    f"that of a constant prediction ({baseline:.4g}; after the "
                    f"first epoch: {first:.4g})"
                )
            else:
                bound = f"after its first epoch ({first:.4g})"
            parts.append(
                f"training ended with a {monitor} loss of {loss:.4g}, no "
                f"lower than {bound}: the "
                f"network did not learn. If the learning rate is too high, "
                f"lower learning_rate_init (currently "
                f"{self.learning_rate_init:g}), for instance to "
                f"{self.learning_rate_init / 100:g}."
            )
        if len(result.loss_curve) == self.max_iter and not result.converged:
            remedy = (
                "" if early else ", or early_stopping=True to stop on a held-out loss"
            )
            parts.append(
                f"the maximum number of epochs (max_iter={self.max_iter}) was "
                "reached before the monitored loss stopped improving. Consider "
                f"increasing max_iter{remedy}."
            )
        if parts:
            message = " Also, ".join(parts)
            warnings.warn(
                f"{name}: {message}", ConvergenceWarning, stacklevel=caller_stacklevel()
            )

    def _early_stopping_on(self, n_samples):
        if self.early_stopping == "auto":
            return n_samples >= 1000
        return bool(self.early_stopping)

    def _split(self, targets, rng):
        """Row indices (train, valid); valid is None without early stopping."""
        n_samples = len(targets)
        if self._early_stopping_on(n_samples):
            try:
                return self._validation_split(targets.numpy(), rng)
            except ValueError:
                # "auto" only asks for early stopping where it is cheap; data
                # that cannot be split (more classes than held-out samples)
                # trains without it, while early_stopping=True must fail.
                if self.early_stopping != "auto":
                    raise
        return np.arange(n_samples), None

    def _check_network(self):
        """Check the parameters of the network beyond their constraints
        (called first in fit; the many-to-one estimators check ``module``)."""

    def _random_in_training(self):
        """Whether training draws from torch's global generator (dropout),
        which must then be seeded for the whole training. Random crops draw
        from a private generator (see ``_crop_generator``)."""
        return self.dropout > 0

    @contextmanager
    def _random_sources(self, module, seed, device):
        """Seed, for a training section, what it draws from: the crops'
        private generator, and torch's global one when dropout needs it."""
        seeded = seed if self._random_in_training() else None
        with _crop_generator(module, seed), _seeded(seeded, device):
            yield

    def _crop(self):
        """``(fraction, min_steps)`` of the random crops (see ``random_crop``
        of the many-to-one estimators); ``(1.0, 1)``: none."""
        value = getattr(self, "random_crop", 1.0)
        if value == "auto":
            return _AUTO_CROP, _AUTO_CROP_MIN_STEPS
        return float(value), 1

    def _resolve_patch_size(self, sequences, rows=None):
        # Sequences of weight 0 are left out as if removed (rows): they do
        # not set the patch either.
        longest = sequences.max_length(rows)
        if self.patch_size == "auto":
            return max(1, math.ceil(longest / _MAX_AUTO_STEPS))
        if self.patch_size > longest:
            # Valid (one patch per sequence, and a stem of coarser scales), but
            # each batch is padded to a whole patch, which the weights' size
            # check does not see.
            channels = getattr(self, "conv_channels", None) or 1
            width = max(np.max(channels), sequences.n_features)
            rows = self._batch_size(len(sequences))
            check_allocation(
                2 * 4 * rows * self.patch_size * width,  # values and gradients
                f"A batch padded to patch_size={self.patch_size} (the longest "
                f"sequence of X has {longest} timesteps)",
                f"Use patch_size <= {longest}, or 'auto'.",
            )
        # A Python int, as patch_size_: np.int64 from a grid would not
        # survive the JSON header of a saved file.
        return int(self.patch_size)

    def _build_network(self, n_features, n_outputs, patch_size):
        """The untrained many-to-one network (of LSTMClassifier and
        LSTMRegressor, which have the stem's parameters); sequence-output
        estimators override it."""
        fraction, min_steps = self._crop()
        steps = self.readout if isinstance(self.readout, Integral) else 1
        if steps > 1 and n_outputs % steps:
            raise ValueError(
                f"readout={steps} reads {steps} groups of outputs, one per last "
                f"step, but y has {n_outputs} outputs, not a multiple of {steps}."
            )
        if steps > 1 and fraction < 1:
            raise ValueError(
                f"readout={steps} reads the last {steps} steps of each sequence, "
                f"which random crops (random_crop={self.random_crop}) would cut "
                "off. Set random_crop=1.0."
            )
        return RecurrentNetwork(
            n_features=n_features,
            n_outputs=n_outputs,
            random_crop=fraction,
            min_crop=min_steps,
            **self._recurrent_kwargs(patch_size),
            **_python_values(
                conv_channels=self.conv_channels,
                kernel_size=self.kernel_size,
                readout=self.readout,
                instance_norm=self.instance_norm,
            ),
        )

    def _recurrent_kwargs(self, patch_size):
        """Constructor arguments of the recurrent layers and the head, which
        every built-in network takes, with the fit's ``patch_size``."""
        params = {name: getattr(self, name) for name in BaseRecurrent._network_params}
        return _python_values(**{**params, "patch_size": patch_size})

    def _size_parameters(self, patch_size):
        """The parameters that set the network's size, and how to shrink it,
        for error messages."""
        sizes = {
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "patch_size": patch_size,
            "fc_size": self.fc_size,
            # The stem, where the estimator has one.
            "conv_channels": getattr(self, "conv_channels", None),
        }
        if sizes["conv_channels"] is not None:
            sizes["kernel_size"] = self.kernel_size
        given = {name: value for name, value in sizes.items() if value is not None}
        return (
            ", ".join(f"{name}={value}" for name, value in given.items()),
            f"Use smaller values of {', '.join(given)}.",
        )

    def _init_module(self, sequences, train, targets, patch_size, rows=None):
        """The network for ``targets``, its input standardisation from the
        targets at positions ``train`` (``rows`` of the sequences, see
        :func:`_rows_of`), with their weights."""

        def build():
            return self._build_network(
                sequences.n_features, targets.n_outputs, patch_size
            )

        # Count the weights on the meta device (no memory) before allocating:
        # training holds them 4 times (weights, gradients, Adam's moments).
        with torch.device("meta"):
            weights = list(build().parameters())
        n_weights = sum(p.numel() for p in weights)
        size, remedy = self._size_parameters(patch_size)
        if not any(p.requires_grad for p in weights):
            # Else torch's "optimizer got an empty parameter list", or its
            # "element 0 of tensors does not require grad" for frozen ones.
            raise ValueError(
                f"The network ({size}) has no trainable parameters (none with "
                "requires_grad=True): fit would have nothing to train. Give the "
                "module at least one torch.nn.Parameter, or unfreeze its weights."
            )
        check_allocation(
            16 * n_weights, f"A network of {n_weights:,} weights ({size})", remedy
        )
        # On one thread, whatever the caller's count: the orthogonal
        # initialisation (a QR factorisation) rounds differently on several
        # threads from 64 units on, and the same random_state must give the
        # same network in a GridSearchCV worker (fewer threads) as in the
        # process that refits the best candidate.
        with _torch_threads(1):
            module = build()
        # Weighted as the loss is: a weight of 2 standardises as a repeated
        # sequence would (as StandardScaler's sample_weight does), and a
        # class weight as the sample weight it equals (class_weight[y]).
        weights = None if targets.weights is None else targets.weights[train]
        mean, std = sequences.moments(_rows_of(train, rows), weights=weights)
        module.x_mean.copy_(torch.from_numpy(mean))
        module.x_scale.copy_(torch.from_numpy(std))
        return module

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            # Small data needs many updates per epoch, large data throughput.
            return min(128, max(16, n_samples // 32))
        return min(self.batch_size, n_samples)

    def _optimizer_settings(self):
        """The parameters that a skorch net fixes when it is built: the
        optimizer's, the gradient clipping, the printing and the callbacks
        (compared by identity: the same callback objects are the same)."""
        return (
            self.solver,
            self.learning_rate_init,
            self.momentum,
            self.alpha,
            self.clip_grad_norm,
            self.verbose,
            # A copy: a list changed in place is then a change too (and None
            # is no callbacks, as [] is).
            tuple(self.callbacks or ()),
        )

    def _settings(self, device, seed, batch_size, max_epochs, score_kind, plateau=True):
        """:class:`_skorch.TrainingSettings` of this estimator."""
        return _skorch.TrainingSettings(
            solver=self.solver,
            learning_rate_init=self.learning_rate_init,
            momentum=self.momentum,
            alpha=self.alpha,
            batch_size=batch_size,
            max_epochs=max_epochs,
            learning_rate=self.learning_rate,
            patience=self.n_iter_no_change,
            tol=self.tol,
            clip_grad_norm=self.clip_grad_norm,
            score_kind=score_kind,
            score_name=self._score_name,
            device=device,
            verbose=self.verbose,
            seed=seed,
            plateau=plateau,
            callbacks=_skorch.user_callbacks(
                self.callbacks, type(self).__name__, self._score_name
            ),
        )

    def _train(self, module, sequences, targets, train, valid, device, seed, rows):
        criterion, score_kind = self._criterion(targets)
        batch_size = self._batch_size(len(train))
        settings = self._settings(device, seed, batch_size, self.max_iter, score_kind)
        # Each epoch's training loss and validation loss are then weighted
        # means.
        weights = _normalised_weights(targets.weights, (train, valid))
        # Before training: skorch moves the criterion, with any class weights
        # it holds, to the training device, and the targets stay on the CPU.
        baseline = self._baseline_loss(criterion, targets, train, valid, weights)
        result = _skorch.train(
            module,
            criterion,
            sequences,
            targets.values,
            train,
            valid,
            settings,
            weights=weights,
            rows=rows,
        )
        return result, baseline

    def _baseline_loss(self, criterion, targets, train, valid, weights):
        """Loss of the best constant prediction on the monitored rows (for
        regression, the loss of R² = 0): a network doing no better has learned
        nothing. Weighted as the monitored loss is; None where no constant
        prediction is meaningful."""
        part = torch.from_numpy(train if valid is None else valid)
        monitored = targets.values[part]
        part_weights = None if weights is None else weights[part]
        constant = self._constant_output(monitored, targets.n_outputs, part_weights)
        if constant is None:
            return None
        with torch.no_grad():
            expanded = constant.expand(len(monitored), -1)
            if part_weights is None:
                return criterion(expanded, monitored).item()
            losses = criterion(expanded, monitored)
            return _skorch.weighted_mean(losses, part_weights).item()

    def _set_fitted(self, result, sequences, targets, patch_size, early):
        if not result.loss_curve:
            if result.interrupted:
                raise KeyboardInterrupt(
                    f"{type(self).__name__}.fit was interrupted before the first "
                    "batch completed; the model was not fitted."
                )
            raise RuntimeError("Training ended before the first batch completed.")
        self._store_targets(targets)
        self.n_outputs_ = targets.n_outputs
        self.n_features_in_ = sequences.n_features
        self.patch_size_ = patch_size
        self.net_ = result.net
        self.loss_curve_ = result.loss_curve
        self.validation_scores_ = result.validation_scores if early else None
        # Interrupted before the first validation: no validation loss yet.
        self.best_loss_ = min(result.valid_losses or result.loss_curve)
        # MLPClassifier's names for what users of it read.
        self.loss_ = result.loss_curve[-1]
        scores = self.validation_scores_
        self.best_validation_score_ = (
            scores[result.kept - 1] if scores and result.kept <= len(scores) else None
        )
        self.n_iter_ = len(result.loss_curve)
        self.interrupted_ = result.interrupted

    # -- predict --------------------------------------------------------------

    def _forward(self, X, sequences=None):
        """Raw network outputs for ``X`` as a float32 array (n_samples, n_out);
        for ``sequences`` instead, where they are validated already."""
        outputs, _ = self._forward_batches(X, sequences)
        rows, outs = zip(*outputs, strict=True)
        out = (torch.cat(outs) if len(outs) > 1 else outs[0]).cpu().numpy()
        if isinstance(rows[0], slice):  # passes in the order of X
            return out
        ordered = np.empty_like(out)
        ordered[np.concatenate(rows)] = out
        return ordered

    def _forward_batches(self, X, sequences=None):
        """The module's outputs for ``X``, as ``(rows, outputs)`` for each
        forward pass (``rows`` a slice or an array of positions in ``X``;
        see :func:`_predict_passes`), and ``X`` validated as
        :class:`Sequences` (or ``sequences``, validated for this estimator's
        features by the caller: the forecaster's networks share one
        validation of their windows)."""
        if not hasattr(self, "net_"):
            # sklearn's check reads the tags first: a tenth of the overhead of
            # a single-sequence predict, for the error alone.
            check_is_fitted(self)
        if sequences is None:
            # Before the count of features: the names say more.
            check_column_names(self, X, reset=False)
            sequences = check_sequences(
                X, estimator=self, n_features=self.n_features_in_
            )
        module, device = self.net_.module_, self.net_.device
        steps = _PREDICT_STEPS if torch.device(device).type == "cpu" else None
        passes = _predict_passes(sequences, steps)
        n_threads = self._n_threads(module, len(_positions(passes[0])))
        outputs = []
        with torch.inference_mode(), _torch_threads(n_threads):
            for rows in passes:
                out = _module_outputs(module, sequences, rows, device)
                row = _first_non_finite(out)
                if row is not None:
                    self._raise_non_finite(sequences, _positions(rows)[row])
                outputs.append((rows, out))
        return outputs, sequences

    def _raise_non_finite(self, sequences, i):
        """Predictions must never be NaN: name the sequence that overflowed.

        Finite inputs far outside the training data's range (1e38 where
        training saw values near 1) overflow float32 inside the network.
        """
        x, _ = sequences.batch(np.array([i]))
        with np.errstate(invalid="ignore"):
            peak = np.nanmax(np.abs(x)) if np.isfinite(x).any() else np.nan
        raise ValueError(
            f"{type(self).__name__}'s network outputs for sequence {i} of X are "
            f"not finite: its values (up to {peak:.3g} in absolute value) lie "
            "too far outside the range of the training data for float32 "
            "arithmetic. Check the scale and units of X."
        )

    def _n_threads(self, module, batch_size):
        """Torch intra-op threads for running ``module`` on batches of a size.

        ``torch.get_num_threads()`` at the time of the call is the budget: it
        follows ``OMP_NUM_THREADS``, ``torch.set_num_threads``, threadpoolctl
        limits and the limits joblib gives its workers.
        """
        # Checked here, not only in fit: set_params(n_jobs=...) on a fitted
        # (or loaded) model before predicting is a use of its own.
        validate_parameter_constraints(
            {"n_jobs": self._parameter_constraints["n_jobs"]},
            {"n_jobs": self.n_jobs},
            caller_name=type(self).__name__,
        )
        _reject_booleans(self, ["n_jobs"])
        budget = torch.get_num_threads()
        if self.n_jobs is None:
            work = batch_size * _n_weights(module)
            return 1 if work < _THREAD_WORK else budget
        if self.n_jobs < 0:  # joblib's meaning: -1 is all, -2 all but one...
            return max(1, budget + 1 + self.n_jobs)
        return self.n_jobs

    # The validation score's column in the table printed with verbose >= 1,
    # named after its metric.
    _score_name = "valid_score"

    # The remedy when y has one target per row of a panel X (see
    # _check_fit_targets): a many-to-one estimator reads such rows as samples.
    _per_row_remedy = (
        "If each row of X is a sample (a window of lags, as sktime's "
        "make_reduction passes with pooling='global'), pass X.to_numpy(); for "
        "forecasting panels, use pooling='local' or RNNForecaster."
    )

    # What the ONNX graph outputs: "proba" (classifiers) or "regression";
    # None where there is no export: to_onnx is then not an attribute.
    _onnx_kind = None

    def _has_onnx_export(self):
        if self._onnx_kind is None:
            # available_if raises its own "has no attribute" from this one,
            # which then says why.
            raise AttributeError(
                f"{type(self).__name__} has no to_onnx: its outputs per "
                "timestep have no ONNX export. Pickle it or use save."
            )
        return True

    @available_if(_has_onnx_export)
    def to_onnx(self, path):
        """Export the fitted predictor to an ONNX file.

        The graph maps a float32 batch of sequences of equal length to what
        ``predict_proba`` (classifiers, output "probabilities") or
        ``predict`` (regressors, output "predictions", always 2-D) returns:
        the standardisation of the inputs, the network and the output
        mapping are all inside. Its input "x" has shape (batch, time,
        n_features) with both batch and time dynamic. Sequences of different
        lengths cannot be expressed in the graph: run each such
        sequence alone, as a batch of one at its own length, which gives
        the result of ``predict``. A sequence holding NaN (padding) gets
        NaN outputs. With an int ``readout`` ``k``, sequences need ``k``
        recurrent steps (more than ``(k - 1) * patch_size_`` timesteps, as
        a sequence is padded at its start to whole patches), which
        ``predict`` checks and the graph does not. Needs the ``onnx`` package.

        Parameters
        ----------
        path : str or path-like
            File to write.

        Returns
        -------
        path : str or path-like
            ``path``, for chaining.
        """
        check_is_fitted(self)
        from ._persistence import export_onnx

        export_onnx(self, path, self._onnx_kind)
        return path

    def save(self, path):
        """Save the fitted estimator to a file that loads without running code.

        One `safetensors <https://huggingface.co/docs/safetensors>`_ file:
        the network's weights as tensors, and in its metadata a JSON
        document with the parameters (``get_params()``), the fitted
        attributes (classes, scaling, patch size, training curves...), the
        training history and the versions of the format, sklearn_rnn and
        torch. Read it back with :func:`sklearn_rnn.load`, which never
        unpickles. See :ref:`persistence`.

        Parameters
        ----------
        path : str or path-like
            File to write (by convention ending in ``.safetensors``).

        Returns
        -------
        path : str or path-like
            ``path``, for chaining.

        Raises
        ------
        TypeError
            If a parameter or fitted attribute is not a plain value (a class,
            a callback object, a RandomState instance as ``random_state``):
            the format stores no code. Pickle such an estimator instead.
        ValueError
            If a parameter that builds the network (``hidden_size``,
            ``random_crop``...) was changed with ``set_params`` since the fit:
            the file would not describe the fitted network.
        IsADirectoryError, FileNotFoundError
            If ``path`` is a directory, or its directory does not exist.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> import sklearn_rnn
        >>> from sklearn_rnn import LSTMRegressor
        >>> rng = np.random.RandomState(0)
        >>> X = rng.normal(size=(60, 8, 1))
        >>> y = X[:, -3:, 0].sum(axis=1)
        >>> reg = LSTMRegressor(hidden_size=8, max_iter=5, random_state=0).fit(X, y)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = reg.save(os.path.join(folder, "model.safetensors"))
        ...     loaded = sklearn_rnn.load(path)
        >>> bool(np.array_equal(loaded.predict(X), reg.predict(X)))
        True
        """
        check_is_fitted(self)
        self._check_same_network("save")
        from ._persistence import save_estimator

        save_estimator(self, path)
        return path

    def __sklearn_is_fitted__(self):
        # Cheaper than sklearn's scan of all attributes: predict on a single
        # sequence is a hot path.
        return hasattr(self, "net_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


# The weight count of each module that _n_threads has seen: counting walks
# the module tree, a tenth of a single-sequence predict's own overhead. A
# network's count is fixed once it is built (warm starts and partial_fit
# keep its shape); weak keys let the modules go.
_WEIGHT_COUNTS = weakref.WeakKeyDictionary()


def _n_weights(module):
    count = _WEIGHT_COUNTS.get(module)
    if count is None:
        count = _WEIGHT_COUNTS[module] = sum(p.numel() for p in module.parameters())
    return count


def _normalised_weights(weights, parts):
    """Sample weights as a float32 tensor, normalised to mean 1 over each of
    ``parts`` (row indices; None is skipped); None without weights.

    Only the ratios of the weights matter then, and the learning rate keeps
    its meaning whatever their scale.
    """
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    normalised = np.empty_like(w)
    for part, name in zip(parts, ("training", "validation"), strict=True):
        if part is None:
            continue
        # Divided by the largest first: the mean of weights near the top of
        # the float64 range would overflow to inf, and every weight to 0.
        top = w[part].max(initial=0.0)
        if top == 0:
            remedy = "Give some of its sequences a positive weight"
            if name == "validation":
                remedy += ", or set early_stopping=False to hold out none"
            raise ValueError(
                f"Every sequence of the {name} set has weight 0 (from "
                f"sample_weight and class_weight), so its loss is undefined. "
                f"{remedy}."
            )
        scaled = w[part] / top
        normalised[part] = scaled / scaled.mean()
    return torch.from_numpy(normalised.astype(np.float32))


def _call_weights(weights, sample_weights):
    """The loss weights of one ``partial_fit`` call, as a float32 tensor (or
    None): ``weights`` (sample times class weights) divided by the mean of
    the call's ``sample_weights`` alone.

    The sample weights are normalised within each call, as ``fit``
    normalises them over its data; the class weights are not, so that they
    keep their effect between calls whose chunks hold different classes.
    """
    if weights is None:
        return None
    mean = 1.0 if sample_weights is None else float(np.mean(sample_weights))
    return torch.from_numpy((np.asarray(weights) / mean).astype(np.float32))


def _reject_booleans(estimator, names=None):
    """Raise for a bool given to a numeric parameter (of ``names``, by
    default all).

    sklearn's ``Interval(Integral, ...)`` and ``Interval(Real, ...)`` accept
    booleans (``True`` is an int in Python), but ``num_layers=True`` or
    ``momentum=True`` is almost surely a mistake.
    """
    constraints = estimator._parameter_constraints
    for name in constraints if names is None else names:
        value = getattr(estimator, name)
        if not isinstance(value, bool | np.bool_) or "boolean" in constraints[name]:
            continue
        kinds = {c.type for c in constraints[name] if isinstance(c, Interval)}
        if not kinds:
            continue
        integer = kinds == {Integral}
        example = f"an integer such as {name}=1" if integer else "a number"
        raise InvalidParameterError(
            f"The {name!r} parameter of {type(estimator).__name__} must be "
            f"{'an int' if integer else 'a number'}, not a bool; got {value!r}. "
            f"Pass {example}."
        )


def _resolve_device(device, owner):
    """Map "auto" to CUDA when available and check that CUDA exists."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    match = re.fullmatch(r"cuda(?::(\d+))?", device)
    if device == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            "device='mps' was requested but MPS is not available on this "
            "machine. Use device='cpu' or device='auto'."
        )
    if device in ("cpu", "mps") or match:
        if match and not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available on "
                "this machine. Use device='cpu' or device='auto'."
            )
        if (
            match
            and match.group(1)
            and int(match.group(1)) >= torch.cuda.device_count()
        ):
            raise ValueError(
                f"device={device!r} was requested but only "
                f"{torch.cuda.device_count()} CUDA device(s) are available."
            )
        return device
    raise InvalidParameterError(
        f"The 'device' parameter of {owner} must be 'auto', 'cpu', 'cuda', "
        f"'cuda:<index>' or 'mps'. Got {device!r} instead."
    )


# fork_rng saves torch's global generator and restores it on exit: sections
# that overlap in threads would restore each other's seeded states. They are
# serialised instead (they are short, except training with dropout).
_GLOBAL_RNG_LOCK = threading.RLock()


def _global_draw():
    """A seed drawn from torch's global generator, for a fit without a
    ``random_state``: its sections are then seeded like any other, and wait
    for each other like any other (see ``_seeded``), rather than drawing
    from the global generator as they run, where they would draw from (and
    be reverted with) the seeded stream of a fit with dropout running in
    another thread."""
    with _GLOBAL_RNG_LOCK:
        return int(torch.randint(2**31 - 1, ()))


def _locks_after_fork():
    """New locks in a child process: one held by another thread of the
    parent at the fork would never be released there."""
    global _GLOBAL_RNG_LOCK
    _GLOBAL_RNG_LOCK = threading.RLock()
    _INTRA_OP_DEFAULT.lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_locks_after_fork)


def _first_non_finite(out):
    """Position in the batch of the first sequence with a non-finite output
    (for per-step outputs ``(logits, lengths)``, at its observed steps), or
    None."""
    values = out[0] if isinstance(out, tuple) else out
    # The common case in one reduction; NumPy's costs a third of torch's on
    # the small batches of single-sequence predictions.
    if values.device.type == "cpu":
        finite = np.isfinite(values.numpy()).all()
    else:
        finite = torch.isfinite(values).all()
    if finite:
        return None
    if isinstance(out, tuple):
        logits, lengths = out
        observed = torch.arange(logits.shape[1]) < lengths.cpu()[:, None]
        bad = ~torch.isfinite(logits).all(dim=-1) & observed.to(logits.device)
    else:
        bad = ~torch.isfinite(out.reshape(len(out), -1))
    rows = bad.any(dim=1).nonzero()
    return int(rows[0, 0]) if len(rows) else None


def _predict_passes(sequences, max_steps):
    """The rows of each forward pass of a prediction: slices in the order of
    the sequences, or, for sequences of different lengths that need more
    than one pass, arrays of positions taken in order of length.

    A pass holds at most ``_PREDICT_BATCH`` rows and, unless a single
    sequence is longer, ``max_steps`` padded steps (None: no bound). Its
    outputs do not depend on which rows share it (up to float32 rounding),
    so taking sequences of similar lengths together only saves the padding:
    see ``benchmarks/predict_passes.py``.
    """
    n = len(sequences)
    lengths = sequences.lengths
    longest = max(sequences.max_length(), 1)
    rows = _PREDICT_BATCH if max_steps is None else max_steps // longest
    rows = max(1, min(_PREDICT_BATCH, rows))
    if lengths is None or rows >= n:
        return [slice(lo, min(lo + rows, n)) for lo in range(0, n, rows)]
    order = np.argsort(lengths, kind="stable")
    ascending = lengths[order]
    passes, lo = [], 0
    while lo < n:
        # The k-th row of a pass is its longest: k rows cost k times it.
        k = np.arange(1, min(_PREDICT_BATCH, n - lo) + 1)
        fits = len(k)
        if max_steps is not None:
            cost = k * ascending[lo : lo + len(k)]
            fits = int(np.searchsorted(cost, max_steps, side="right"))
        hi = lo + max(fits, 1)
        # In the order of X within the pass: memory order, and the only
        # order in which h5py reads a selection of rows.
        passes.append(np.sort(order[lo:hi]))
        lo = hi
    return passes


def _positions(rows):
    """Positions in X of a pass's rows."""
    return np.arange(rows.start, rows.stop) if isinstance(rows, slice) else rows


def _module_outputs(module, sequences, index, device):
    """``module`` on the sequences ``index`` (x on ``device``, lengths on
    the CPU, where packing (bidirectional cells on a GPU) wants them)."""
    x, lengths = sequences.batch(index)
    x = torch.from_numpy(x).to(device)
    return module(x, None if lengths is None else torch.from_numpy(lengths))


def _python_values(**params):
    """``params`` with NumPy scalars (``np.int64`` from a grid built with
    ``np.arange``, ``np.bool_``), alone or in a tuple, as Python values:
    the parameter checks accept them as integers and booleans, and torch's
    layers do not."""

    def plain(value):
        if isinstance(value, tuple):
            return tuple(plain(v) for v in value)
        return value.item() if isinstance(value, np.generic) else value

    return {name: plain(value) for name, value in params.items()}


def _same_value(a, b):
    """Whether two parameter values are equal, arrays and tensors (which a
    module__<name> parameter may hold) included."""
    if a is b:
        return True
    try:
        return bool(a == b)
    except (ValueError, TypeError, RuntimeError):  # elementwise comparison
        try:
            return bool(np.array_equal(np.asarray(a), np.asarray(b)))
        except (ValueError, TypeError, RuntimeError):
            return False


@contextmanager
def _torch_threads(n_threads):
    """Run the block with ``n_threads`` intra-op threads, then restore.

    Only torch's intra-op count changes, for the duration of the block; the
    environment (``OMP_NUM_THREADS``) and torch's inter-op pool are left
    alone. The previous count comes back on any exit, including an
    exception or a KeyboardInterrupt, and so does the count that threads
    adopt (see :class:`_IntraOpDefault`).
    """
    previous = torch.get_num_threads()
    if n_threads == previous:
        yield
        return
    _INTRA_OP_DEFAULT.enter(previous)
    try:
        torch.set_num_threads(n_threads)
        yield
    finally:
        _INTRA_OP_DEFAULT.exit(previous)


class _IntraOpDefault:
    """Torch's process-wide intra-op count across blocks of _torch_threads.

    ``torch.set_num_threads`` sets the calling thread's count and also the
    count that every thread adopts the first time it uses torch. Setting the
    caller's count back would make it that default for the rest of the
    process, which is wrong when the caller's count is its own: a
    threadpoolctl limit, or the count of a thread that started while
    another fit had changed the default. So the default is read (in a new
    thread) when the first of the blocks running at a time starts, and
    written back (from a new thread, which leaves the caller's count alone)
    when the last one ends. The read is skipped when the caller's count is
    the default last read: a thread costs a few hundred microseconds, a
    noticeable share of a small prediction. (So a default that another
    thread set meanwhile, while the caller kept the count last read, is
    set back to that count.)
    """

    def __init__(self):
        self.lock = threading.Lock()
        self._active = 0
        self._default = None

    def enter(self, previous):
        with self.lock:
            if self._active == 0 and previous != self._default:
                self._default = _in_new_thread(torch.get_num_threads)
            self._active += 1

    def exit(self, previous):
        with self.lock:
            self._active -= 1
            torch.set_num_threads(previous)
            if self._active == 0 and previous != self._default:
                _in_new_thread(torch.set_num_threads, self._default)


_INTRA_OP_DEFAULT = _IntraOpDefault()


def _in_new_thread(function, *args):
    """``function(*args)`` run in a new thread (and its result)."""
    result = []
    thread = threading.Thread(target=lambda: result.append(function(*args)))
    thread.start()
    thread.join()
    return result[0]


@contextmanager
def _crop_generator(module, seed):
    """Lend ``module`` a private generator, seeded with ``seed``, for its
    random crops during the block.

    Crops drawn from torch's global generator would have to seed it for
    the whole training, which serialises threaded fits (see ``_seeded``);
    with the crops on by default for long sequences, that would be most
    fits. The generator is removed on exit: it cannot be pickled. Without
    a seed the crops draw from the global generator.
    """
    if seed is None:
        yield
        return
    module.crop_generator = torch.Generator().manual_seed(seed)
    try:
        yield
    finally:
        del module.crop_generator


@contextmanager
def _seeded(seed, device):
    """Seed torch's global generator for a section, then restore it.

    Nothing happens for ``seed=None``. Only one seeded section runs at a time
    in a process, so that the global generator is left as it was even when
    fits run at the same time in threads.
    """
    if seed is None:
        yield
        return
    cuda = device.startswith("cuda")
    index = (torch.device(device).index or 0) if cuda else None
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=[index] if cuda else []):
        torch.random.default_generator.manual_seed(seed)
        if cuda:
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
        yield
