"""Sequence outputs: LSTMTagger (one label per timestep) and LSTMTranscriber (CTC).

The lecture notes name three kinds of sequence labelling. Sequence
classification (one label per sequence) is :class:`LSTMClassifier`. Segment
classification, with the position of every label known, is tagging: one label
per timestep, an aligned many-to-many network. Temporal classification, a
label sequence without alignment, is transcription, trained with
connectionist temporal classification (CTC).
"""

import contextlib
import math
from numbers import Number

import numpy as np
import pandas as pd
import torch
from pandas.api.types import is_numeric_dtype
from sklearn.base import _fit_context
from sklearn.utils.multiclass import check_classification_targets

from ._base import BaseRecurrent, Targets, _positions
from ._modules import IGNORE_INDEX, CTCLoss, TimestepCrossEntropy, TimestepNetwork
from ._validation import _hashable


class _SequenceOutputs(BaseRecurrent):
    """What the tagger and the transcriber share: a per-timestep network,
    bidirectional by default, a random validation split of the sequences and
    per-sequence outputs."""

    # The CTC transcriber emits one output per patch, the tagger one per step.
    _expand_patches = True

    # Labels given per row of a panel X belong to its instances' sequences.
    _per_row_remedy = (
        "Pass y as one array of labels per instance, in the order of X's "
        "instances: for labels given per row, y = [np.ravel(labels) for _, "
        "labels in y.groupby(level=0, sort=False)]."
    )

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=True,
        dropout=0.0,
        fc_size=None,
        patch_size=1,
        solver="adam",
        learning_rate_init=1e-3,
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
        super().__init__(
            cell=cell,
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            fc_size=fc_size,
            patch_size=patch_size,
            solver=solver,
            learning_rate_init=learning_rate_init,
            learning_rate=learning_rate,
            momentum=momentum,
            alpha=alpha,
            batch_size=batch_size,
            max_iter=max_iter,
            clip_grad_norm=clip_grad_norm,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
            device=device,
            n_jobs=n_jobs,
            callbacks=callbacks,
        )

    def _build_network(self, n_features, n_outputs, patch_size):
        # The base class builds it on the meta device first, to check the
        # size of the allocation, then for real.
        return TimestepNetwork(
            n_features=n_features,
            n_outputs=n_outputs,
            expand_patches=self._expand_patches,
            **self._recurrent_kwargs(patch_size),
        )

    def _store_targets(self, targets):
        self.classes_ = targets.classes

    def _constant_output(self, values, n_outputs, weights=None):
        # No constant prediction is a meaningful baseline here: a constant
        # output per step is no CTC alignment, and the tagger's padding is
        # not a class. The "did not learn" warning compares with the first
        # epoch only.
        return None

    def _validation_split(self, targets, rng):
        # Sequences are independent recordings: a random hold-out of whole
        # sequences (never of timesteps, which neighbour each other).
        n = len(targets)
        n_valid = math.ceil(n * self.validation_fraction)
        if n - n_valid < 1:
            raise ValueError(
                f"Early stopping would hold out all {n} sequences "
                f"(validation_fraction={self.validation_fraction}). Use more "
                "sequences or early_stopping=False."
            )
        order = rng.permutation(n)
        return np.sort(order[n_valid:]), np.sort(order[:n_valid])

    def _sequence_outputs(self, X):
        """Per-sequence float32 outputs (n_steps_i, n_outputs) and the
        validated sequences."""
        batches, sequences = self._forward_batches(X)
        outputs = [None] * len(sequences)
        for rows, (logits, lengths) in batches:
            logits = logits.float().cpu().numpy()
            for i, (position, n) in enumerate(
                zip(_positions(rows), lengths.tolist(), strict=True)
            ):
                outputs[position] = logits[i, :n]
        return outputs, sequences

    def _check_label_types(self, labels):
        """Raise, as accuracy_score does, for ``labels`` (1-D) that are
        strings where the classes are not, or the reverse: every one would
        count as an error, and a score of 0 mislead a search silently.
        (Classes of both kinds, or labels fit accepts as tuples, pass.)"""
        kinds = _string_kinds(labels)
        # Only where no label can be a class: a fold of a cross-validation may
        # hold a rare label of the other kind (the transcriber's classes may
        # mix them), which counts as an error like any unseen label.
        if kinds and not kinds & _string_kinds(self.classes_):
            kind = "strings" if True in kinds else "labels that are not strings"
            shown = self.classes_.tolist()[:5]
            raise ValueError(
                f"y holds {kind}, but none of the classes_ seen in fit, {shown}"
                f"{'...' if len(self.classes_) > 5 else ''}, is: every label "
                "would count as an error. Pass labels of the type given to fit "
                "(string and number labels are never equal, as in accuracy_score)."
            )

    def _check_labels_known(self, labels, remedy):
        """Raise if ``labels`` (1-D) holds a label not seen in training;
        ``remedy`` ends the message."""
        if isinstance(labels, np.ndarray):
            labels = labels.tolist()  # Python values: readable in the message
        unseen = set(labels) - set(self.classes_.tolist())
        if unseen:
            shown = ", ".join(sorted(map(repr, unseen))[:10])
            raise ValueError(
                f"y contains label(s) [{shown}] never seen in "
                f"training; {type(self).__name__} knows only the classes_ "
                f"{self.classes_.tolist()[:20]}. {remedy}"
            )


def _observed_bounds(sequences):
    """First observed step and length of every sequence, as int arrays."""
    n, m = len(sequences), sequences.data.shape[1]
    starts = np.zeros(n, np.int64) if sequences.starts is None else sequences.starts
    lengths = (
        np.full(n, m, np.int64) if sequences.lengths is None else sequences.lengths
    )
    return starts, lengths


def _is_list(y):
    return isinstance(y, (list, tuple))


def _label_values(y):
    """A 2-D ``y`` as an array, and the dtype of its labels.

    A frame of nullable numbers (Int64, boolean) gives numbers, not the
    objects that ``np.asarray`` gives and the label checks call "unknown":
    with pd.NA (padding), floats with NaN there, and its labels' dtype is
    then the frame's (the observed labels are cast back to it).
    """
    if isinstance(y, pd.DataFrame) and all(is_numeric_dtype(t) for t in y.dtypes):
        dtype = np.result_type(*[getattr(t, "numpy_dtype", t) for t in y.dtypes])
        if y.isna().to_numpy().any():
            return y.to_numpy(dtype=np.float64, na_value=np.nan), dtype
        return y.to_numpy(dtype=dtype), dtype
    y = np.asarray(y)
    return y, y.dtype


def _holds_arrays(y):
    """Whether ``y`` is a 1-D object array or Series of arrays (what a
    DataFrame column of label arrays gives): a list in another container."""
    values = y.to_numpy() if isinstance(y, pd.Series) else y
    return (
        isinstance(values, np.ndarray)
        and values.dtype == object
        and values.ndim == 1
        and all(np.ndim(v) >= 1 for v in values)
    )


class LSTMTagger(_SequenceOutputs):
    """Recurrent network labelling every timestep of a sequence.

    Aligned many-to-many: the network reads each sequence (both ways by
    default) and emits one class label per timestep, as in framewise
    phoneme classification or activity segmentation. This is the lecture
    notes' *segment classification*: the label sequence is as long as the
    input and aligned with it.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell: long short-term memory, gated recurrent unit, or the
        vanilla tanh RNN.

    hidden_size : int, default=64
        Number of features in the hidden state, as in :class:`torch.nn.LSTM`.

    num_layers : int, default=1
        Number of stacked recurrent layers.

    bidirectional : bool, default=True
        Also read each sequence backwards, so that each timestep's output
        sees the whole sequence. False makes the network causal: each output
        depends only on the timesteps up to its own (and the rest of its
        patch when ``patch_size`` > 1), as online use requires.

    dropout : float, default=0.0
        Dropout probability, in [0, 1), between recurrent layers and before
        each fully-connected layer.

    fc_size : int or None, default=None
        Width of a fully-connected ReLU layer between the recurrent outputs
        and the output layer. None maps the recurrent outputs linearly to
        the output.

    patch_size : int or "auto", default=1
        Number of consecutive timesteps fed to the cell as one step (their
        features concatenated, the last patch padded with zeros at its end).
        The network still gives one output per input timestep: the output layer
        emits one label distribution for each step of the patch. Patches
        shorten training on long sequences, at some cost near label boundaries.
        "auto" picks the smallest patch giving at most 16 recurrent steps for
        the longest training sequence.

    solver : {"adam", "sgd"}, default="adam"
        Optimizer: Adam, or stochastic gradient descent with ``momentum``.

    learning_rate_init : float, default=1e-3
        Initial learning rate.

    learning_rate : {"adaptive", "constant"}, default="adaptive"
        What happens on a plateau, when the monitored loss (validation loss
        with early stopping, else training loss) has not improved by ``tol``
        for ``n_iter_no_change`` epochs. "adaptive" divides the learning rate
        by 5 and trains on; training stops at the first plateau that follows
        two divisions without any improvement since the first, or where the
        rate would fall below ``1e-3 * learning_rate_init`` (after four
        divisions). "constant" stops at the first plateau.

    momentum : float, default=0.9
        Momentum of the "sgd" solver.

    alpha : float, default=1e-2
        Strength of the L2 penalty on the weights (not the biases), with the
        meaning it has in :class:`~sklearn.neural_network.MLPClassifier`: each
        minibatch's loss gains ``0.5 * alpha * ||W||^2 / batch_size``, which is
        a weight decay of ``alpha / batch_size`` in the optimizer. The default
        is 100 times MLPClassifier's: with its 1e-4, small training sets
        overfit (BasicMotions test accuracy 0.960 instead of 0.995, mean of 10
        seeds).

    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" uses ``min(128, max(16, n_samples // 32))``
        with ``n_samples`` the training sequences (those not held out for
        early stopping): small datasets get many updates per epoch, large
        ones throughput.

    max_iter : int, default=200
        Maximum number of epochs. A fit that reaches it before a final
        plateau (see ``learning_rate``) warns with
        :class:`~sklearn.exceptions.ConvergenceWarning`, as MLPClassifier
        does; the fitted model is usable.

    clip_grad_norm : float or None, default=1.0
        Clip the gradient norm of each step to this value, against the
        exploding gradients of recurrent networks. None disables clipping.

    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the training data, monitor its
        loss for the plateaus described under ``learning_rate``, and restore
        the weights of the epoch with the lowest validation loss when
        training ends. "auto" enables it with 1000 sequences or more, and
        trains without it where the data cannot be split (True raises an
        error there). Without it, the training loss is monitored in the
        same way.

    validation_fraction : float, default=0.1
        Proportion of the training sequences held out for early stopping: a
        random sample of whole sequences (never of timesteps, which
        neighbour each other).

    n_iter_no_change : int, default=10
        Epochs without improvement of the monitored loss that make a plateau
        (see ``learning_rate``).

    tol : float, default=1e-4
        Minimum decrease of the monitored loss that counts as improvement.

    warm_start : bool, default=False
        Reuse the weights of the previous fit as initialisation (the
        optimizer and learning rate start afresh). The parameters that
        build the network (its sizes, ``cell``, ``dropout``...) must be
        those it was built with: ``fit`` raises if one has changed. The
        standardisation of X stays that of the first fit, which the weights
        were trained for.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation
        split. Torch's global generator is left as it was: shuffling uses a
        private generator, and initialisation and dropout seed the global
        one inside :func:`torch.random.fork_rng`, one fit at a time per
        process.
        The same value gives identical predictions on CPU, also for fits
        running at the same time in threads (with ``dropout > 0`` these run
        one after the other). None seeds them (but the split, which draws
        from NumPy's global generator) with one draw from torch's global
        generator. See :ref:`reproducibility`.

    verbose : int, default=0
        0 is silent, 1 prints a table per epoch (the validation score's
        column is named after its metric: ``valid_acc`` for accuracy,
        ``valid_r2``, ``valid_step_acc`` for the accuracy over timesteps,
        ``valid_1-ler`` for one minus the label error rate; see
        :ref:`verbose`), 2 adds a progress bar of the epoch's batches.
        Colours and the bar are only written when standard output is a
        terminal (or a notebook): log files and captured output get plain
        text, and there ``verbose=2`` prints the same as ``verbose=1``.

    device : str, default="auto"
        Torch device: "auto" (CUDA when available), "cpu", "cuda",
        "cuda:<index>" or "mps".

    n_jobs : int, default=None
        Number of torch intra-op threads for ``fit`` and ``predict``: the
        threads that share each matrix product of the network, not parallel
        fits. None chooses one thread for networks whose work per recurrent
        step (parameters times batch rows) is below about 3e7 multiply-adds,
        which includes fitting the default sizes: there, extra threads wait on
        each other at every small operation, and a fit ran up to 40 times
        slower whenever another process was busy. ``predict`` counts the rows
        of each pass (up to 1,024 sequences and 65,536 padded timesteps), so
        that a pass of more than a few hundred sequences of the default sizes
        (of up to about 150 timesteps for the classifier and the regressor, 70
        for the tagger and the transcriber) uses torch's count, as larger
        networks do (``n_jobs=1`` keeps it on one thread). Larger networks use
        the count torch has when the call starts (``torch.get_num_threads()``,
        which follows ``OMP_NUM_THREADS``, ``torch.set_num_threads``,
        threadpoolctl limits and the limits of joblib's workers). -1 uses that
        count whatever the size, -2 one thread fewer, and so on; a positive
        value sets the count. Torch's setting is restored when the call
        returns.

    callbacks : list or None, default=None
        Extra :mod:`skorch.callbacks` for the training loop (checkpointing,
        a TensorBoard or MLflow logger...): callback instances or classes,
        or ``(name, callback)`` pairs, run after the estimator's own
        callbacks, which keep working (plateaus, early stopping, the check
        of a finite loss). Unnamed callbacks are named after their class,
        as in skorch; a name of the estimator's own callbacks raises an
        error. Each fit trains deep copies, as :func:`~sklearn.base.clone`
        makes: the parameter is left unchanged and the fitted callbacks are
        in ``net_.callbacks_``. skorch's scoring callbacks see the
        network's raw outputs (logits, standardised targets), not those of
        ``predict``. See :ref:`callbacks`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    n_features_in_ : int
        Number of features per timestep seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit. Defined only when ``X`` was
        an sktime panel DataFrame (``pd-multiindex`` or ``nested_univ``,
        whose columns are features) with string column names. The columns
        of a plain 2-D DataFrame are timesteps, not features: they are not
        recorded here, but predicting on such a frame with its columns in
        another order is an error (see :ref:`column-names`).

    patch_size_ : int
        Timesteps per recurrent step actually used.

    n_outputs_ : int
        Number of outputs of the network (per timestep for the sequence
        estimators): the number of classes for LSTMClassifier and
        LSTMTagger (also for two, where MLPClassifier has a single output),
        the number of classes plus one (CTC's blank) for LSTMTranscriber,
        the number of targets for LSTMRegressor.

    n_iter_ : int
        Number of epochs run by the last ``fit``, including one interrupted
        by Ctrl-C (a warm start counts afresh, where MLPClassifier adds on).

    interrupted_ : bool
        Whether Ctrl-C ended training. ``fit`` then leaves the estimator
        fitted with the best weights so far and raises
        :exc:`KeyboardInterrupt` again, so that loops and searches stop.

    loss_curve_ : list of float
        Mean training loss of each epoch (over the batches it completed, for
        an epoch interrupted by Ctrl-C).
        The loss is the cross-entropy averaged over observed timesteps.

    validation_scores_ : list of float or None
        Score (accuracy over the observed timesteps) on the held-out data after
        each epoch; None without early stopping.
        An epoch cut short by Ctrl-C has no score (None if it was the first).

    best_loss_ : float
        Lowest validation loss with early stopping (the restored epoch), else
        (or when interrupted before the first validation) lowest training
        loss; the same loss as ``loss_curve_``.

    best_validation_score_ : float or None
        With early stopping, the validation score of the epoch whose weights
        were restored (that of ``best_loss_``); None without it, or when
        interrupted before the first validation. MLPClassifier's name.

    loss_ : float
        Training loss of the last epoch, ``loss_curve_[-1]``, as in
        MLPClassifier (with early stopping the weights kept may be those of
        an earlier epoch).

    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the torch module and
        ``net_.history`` the full training history.

    See Also
    --------
    LSTMClassifier : One label per sequence (many-to-one).
    LSTMTranscriber : A label sequence without alignment (CTC).

    Notes
    -----
    ``X`` takes every form :class:`LSTMClassifier` takes. ``y`` holds one
    label per timestep: an array of shape (n_samples, n_timesteps) matching
    ``X`` (labels at the NaN padding steps of a 3-D ``X`` are ignored and may
    be anything), or a list with one 1-D array of labels per sequence, as
    long as its observed part.

    Padding never counts: the loss is the cross-entropy averaged over the
    observed timesteps of a batch, and :meth:`score` is the accuracy over the
    observed timesteps.

    With ``bidirectional=True`` (the default) the label of a timestep depends
    on the whole sequence. ``bidirectional=False`` makes the tagger causal,
    for online use: with ``patch_size=1`` the label of step t depends only on
    steps 0 to t, so labels can be emitted as the data arrives. With
    ``patch_size=p > 1`` a step's label also depends on the other steps of its
    patch of p.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import LSTMTagger
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 20, 1))
    >>> y = np.where(X[:, :, 0] > 0, "high", "low")  # one label per step
    >>> tagger = LSTMTagger(hidden_size=8, learning_rate_init=0.05,
    ...                     max_iter=20, random_state=0)
    >>> tagger.fit(X, y).predict(X[:2])[1, :6]
    array(['low', 'high', 'high', 'low', 'high', 'low'], dtype='<U4')
    >>> y[1, :6]
    array(['low', 'high', 'high', 'low', 'high', 'low'], dtype='<U4')
    >>> tagger.predict_proba(X[:2]).shape
    (2, 20, 2)
    >>> tagger.score(X, y) > 0.95
    True
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the network to sequences ``X`` and per-timestep labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Training sequences. A 2-D array holds univariate sequences; a 3-D
            array may mark shorter sequences with NaN rows at their start or
            end; a list may hold sequences of different lengths.
        y : array-like of shape (n_samples, n_timesteps) or list of arrays
            One label per timestep: an array matching ``X`` (labels at NaN
            padding steps are ignored), or one 1-D array per sequence, as
            long as its observed part (a list, or a Series or object array
            of arrays). When ``X`` is a list of different lengths, ``y`` is
            such a list too.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y)

    def _check_targets(self, y, sequences):
        """One 1-D array of labels per sequence, of its observed length."""
        if y is None:
            raise ValueError("LSTMTagger requires y: one label per timestep.")
        n, m = len(sequences), sequences.data.shape[1]
        starts, lengths = _observed_bounds(sequences)
        if _holds_arrays(y):  # a column of per-sequence arrays
            y = list(y)
        if _is_list(y):
            if len(y) != n:
                raise ValueError(
                    f"y has {len(y)} label sequences but X has {n} sequences; "
                    "give one 1-D array of labels per sequence."
                )
            labels = []
            for i, yi in enumerate(y):
                # A string is one label, not a sequence of characters.
                as_text = " (a string is one label: list(y[i]) splits it)"
                text = isinstance(yi, str)
                if _is_list(yi) and len(_string_kinds(yi)) == 2:
                    # NumPy would make a NaN or a number among strings a
                    # string ('nan', '0'): as objects, the checks see them.
                    values = np.empty(len(yi), dtype=object)
                    values[:] = yi
                    yi = values
                elif _is_list(yi):
                    _check_booleans_alone(list(yi))
                yi = np.asarray(yi)
                if yi.ndim != 1 or len(yi) != lengths[i]:
                    raise ValueError(
                        f"y[{i}] has shape {yi.shape}{as_text if text else ''} "
                        f"but sequence {i} of X has {lengths[i]} observed "
                        "timesteps; give one label per observed timestep, as a "
                        "1-D array."
                    )
                labels.append(yi)
            return [_numbers_as_numbers(yi) for yi in _without_missing(labels)]
        y, dtype = _label_values(y)
        if sequences.from_list:
            # The list sets no padding: which cells of a row of y would be a
            # shorter sequence's labels (its first ones? its last ones?)
            raise ValueError(
                f"y is an array of shape {y.shape}, but X is a list of "
                "sequences of different lengths, which says nothing of where "
                "each row of y is padded. Give y as a list too: one 1-D array "
                "of labels per sequence, y[i] as long as X[i]."
            )
        if y.ndim != 2 or y.shape != (n, m):
            raise ValueError(
                f"y has shape {y.shape} but LSTMTagger needs one label per "
                f"timestep of X: an array of shape (n_samples, n_timesteps) = "
                f"{(n, m)}, or a list of 1-D label arrays, one per sequence. "
                "For one label per sequence use LSTMClassifier."
            )
        labels = _without_missing(
            [
                y[i, s : s + k]
                for i, (s, k) in enumerate(zip(starts, lengths, strict=True))
            ],
            starts,
        )
        if dtype.kind == "O":
            return [_numbers_as_numbers(yi) for yi in labels]
        return [yi.astype(dtype, copy=False) for yi in labels]

    def _encode_targets(self, y, warm, weights=None, rows=None):
        _check_label_kinds(y)
        flat = np.concatenate(y)
        check_classification_targets(flat)
        if warm:
            classes = self.classes_
            unseen = np.setdiff1d(flat, classes)
            if unseen.size:
                raise ValueError(
                    f"warm_start=True needs the classes of the first fit "
                    f"{classes.tolist()}; y has new labels {unseen.tolist()}."
                )
        else:
            classes = np.unique(flat)
            if len(classes) < 2:
                raise ValueError(
                    f"LSTMTagger needs at least 2 classes among the labels of y, "
                    f"but y contains only {classes.tolist()}."
                )
        codes = np.searchsorted(classes, flat)
        lengths = np.array([len(yi) for yi in y])
        encoded = np.full((len(y), lengths.max()), IGNORE_INDEX, np.int64)
        # Labels aligned at the start, as the batches of X are.
        encoded[np.arange(lengths.max()) < lengths[:, None]] = codes
        return Targets(
            torch.from_numpy(encoded), n_outputs=len(classes), classes=classes
        )

    # Accuracy over the observed timesteps.
    _score_name = "valid_step_acc"

    def _criterion(self, targets):
        return TimestepCrossEntropy(), _timestep_accuracy

    def _shape_like(self, X, sequences, per_sequence):
        """An array when X is an array without padding, else a list."""
        if _is_list(X) or sequences.lengths is not None:
            return per_sequence
        return np.stack(per_sequence)

    def predict_proba(self, X):
        """Probability of each class at each timestep.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Sequences, in any of the forms accepted by :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_timesteps, n_classes) or list
            Class probabilities, last axis ordered as ``classes_``. A list of
            arrays (n_timesteps_i, n_classes), one per sequence over its
            observed steps, when ``X`` is a list or has NaN padding.
        """
        outputs, sequences = self._sequence_outputs(X)
        proba = [
            torch.softmax(torch.from_numpy(o).double(), dim=1).numpy() for o in outputs
        ]
        return self._shape_like(X, sequences, proba)

    def predict(self, X):
        """Most probable class at each timestep.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Sequences, in any of the forms accepted by :meth:`fit`.

        Returns
        -------
        y : ndarray of shape (n_samples, n_timesteps) or list
            Predicted labels. A list of 1-D arrays, one per sequence over its
            observed steps, when ``X`` is a list or has NaN padding.
        """
        outputs, sequences = self._sequence_outputs(X)
        labels = [self.classes_[o.argmax(axis=1)] for o in outputs]
        return self._shape_like(X, sequences, labels)

    def score(self, X, y):
        """Accuracy over all observed timesteps.

        Every observed timestep counts once, so longer sequences weigh more.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Sequences, in any of the forms accepted by :meth:`fit`.
        y : array-like of shape (n_samples, n_timesteps) or list of arrays
            True labels, in any of the forms accepted by :meth:`fit`.

        Returns
        -------
        score : float
            Fraction of observed timesteps labelled correctly.
        """
        outputs, sequences = self._sequence_outputs(X)
        labels = self._check_targets(y, sequences)
        flat = np.concatenate(labels)
        self._check_label_types(flat)
        pred = np.concatenate([self.classes_[o.argmax(axis=1)] for o in outputs])
        # A label never seen in training is never predicted: an error, as in
        # accuracy_score (a fold of a cross-validation may hold a rare one).
        return float(np.mean(pred == flat))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        # One label per timestep: several outputs per sample, never one.
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags


class LSTMTranscriber(_SequenceOutputs):
    """Recurrent network transcribing sequences into label sequences (CTC).

    Unaligned many-to-many: each input sequence is mapped to a sequence of
    labels, usually shorter, without being told which timesteps carry which
    label, as in speech or handwriting recognition. This is the lecture
    notes' *temporal classification*. The network emits, at each (patch of)
    timestep, a distribution over the labels and an internal blank; training
    maximises the probability of the label sequence summed over all its
    alignments (connectionist temporal classification, torch's
    :class:`~torch.nn.CTCLoss`). Predictions are decoded greedily: the most
    probable output at each step, repeats merged, blanks removed. (A prefix
    beam search, written for the measurement and not kept, was measured on
    ``benchmarks/transcription.py``: beams of 16
    lowered the label error rate from 0.0355 to 0.0349 and from 0.0531 to
    0.0513 on two seeds, for about 50 times the decoding time; it is not
    offered.)

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell: long short-term memory, gated recurrent unit, or the
        vanilla tanh RNN.

    hidden_size : int, default=64
        Number of features in the hidden state, as in :class:`torch.nn.LSTM`.

    num_layers : int, default=1
        Number of stacked recurrent layers.

    bidirectional : bool, default=True
        Also read each sequence backwards, so that each timestep's output
        sees the whole sequence. False makes the network causal: each output
        depends only on the timesteps up to its own (and the rest of its
        patch when ``patch_size`` > 1), as online use requires.

    dropout : float, default=0.0
        Dropout probability, in [0, 1), between recurrent layers and before
        each fully-connected layer.

    fc_size : int or None, default=None
        Width of a fully-connected ReLU layer between the recurrent outputs
        and the output layer. None maps the recurrent outputs linearly to
        the output.

    patch_size : int or "auto", default=1
        Number of consecutive timesteps fed to the cell as one step (their
        features concatenated, the last patch padded with zeros at its end).
        The network emits one output per patch, so a patch of p shortens the
        output to ``ceil(n_timesteps / p)`` steps, which must leave room for
        the labels (see Notes). "auto" picks the smallest patch giving at most
        16 recurrent steps for the longest training sequence, reduced until
        every training sequence has enough output steps for its labels.

    solver : {"adam", "sgd"}, default="adam"
        Optimizer: Adam, or stochastic gradient descent with ``momentum``.

    learning_rate_init : float, default=1e-3
        Initial learning rate.

    learning_rate : {"adaptive", "constant"}, default="adaptive"
        What happens on a plateau, when the monitored loss (validation loss
        with early stopping, else training loss) has not improved by ``tol``
        for ``n_iter_no_change`` epochs. "adaptive" divides the learning rate
        by 5 and trains on; training stops at the first plateau that follows
        two divisions without any improvement since the first, or where the
        rate would fall below ``1e-3 * learning_rate_init`` (after four
        divisions). "constant" stops at the first plateau.

    momentum : float, default=0.9
        Momentum of the "sgd" solver.

    alpha : float, default=1e-2
        Strength of the L2 penalty on the weights (not the biases), with the
        meaning it has in :class:`~sklearn.neural_network.MLPClassifier`: each
        minibatch's loss gains ``0.5 * alpha * ||W||^2 / batch_size``, which is
        a weight decay of ``alpha / batch_size`` in the optimizer. The default
        is 100 times MLPClassifier's: with its 1e-4, small training sets
        overfit (BasicMotions test accuracy 0.960 instead of 0.995, mean of 10
        seeds).

    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" uses ``min(128, max(16, n_samples // 32))``
        with ``n_samples`` the training sequences (those not held out for
        early stopping): small datasets get many updates per epoch, large
        ones throughput.

    max_iter : int, default=200
        Maximum number of epochs. A fit that reaches it before a final
        plateau (see ``learning_rate``) warns with
        :class:`~sklearn.exceptions.ConvergenceWarning`, as MLPClassifier
        does; the fitted model is usable.

    clip_grad_norm : float or None, default=1.0
        Clip the gradient norm of each step to this value, against the
        exploding gradients of recurrent networks. None disables clipping.

    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the training data, monitor its
        loss for the plateaus described under ``learning_rate``, and restore
        the weights of the epoch with the lowest validation loss when
        training ends. "auto" enables it with 1000 sequences or more, and
        trains without it where the data cannot be split (True raises an
        error there). Without it, the training loss is monitored in the
        same way.

    validation_fraction : float, default=0.1
        Proportion of the training sequences held out for early stopping: a
        random sample of whole sequences (never of timesteps, which
        neighbour each other).

    n_iter_no_change : int, default=10
        Epochs without improvement of the monitored loss that make a plateau
        (see ``learning_rate``).

    tol : float, default=1e-4
        Minimum decrease of the monitored loss that counts as improvement.

    warm_start : bool, default=False
        Reuse the weights of the previous fit as initialisation (the
        optimizer and learning rate start afresh). The parameters that
        build the network (its sizes, ``cell``, ``dropout``...) must be
        those it was built with: ``fit`` raises if one has changed. The
        standardisation of X stays that of the first fit, which the weights
        were trained for.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation
        split. Torch's global generator is left as it was: shuffling uses a
        private generator, and initialisation and dropout seed the global
        one inside :func:`torch.random.fork_rng`, one fit at a time per
        process.
        The same value gives identical predictions on CPU, also for fits
        running at the same time in threads (with ``dropout > 0`` these run
        one after the other). None seeds them (but the split, which draws
        from NumPy's global generator) with one draw from torch's global
        generator. See :ref:`reproducibility`.

    verbose : int, default=0
        0 is silent, 1 prints a table per epoch (the validation score's
        column is named after its metric: ``valid_acc`` for accuracy,
        ``valid_r2``, ``valid_step_acc`` for the accuracy over timesteps,
        ``valid_1-ler`` for one minus the label error rate; see
        :ref:`verbose`), 2 adds a progress bar of the epoch's batches.
        Colours and the bar are only written when standard output is a
        terminal (or a notebook): log files and captured output get plain
        text, and there ``verbose=2`` prints the same as ``verbose=1``.

    device : str, default="auto"
        Torch device: "auto" (CUDA when available), "cpu", "cuda",
        "cuda:<index>" or "mps".

    n_jobs : int, default=None
        Number of torch intra-op threads for ``fit`` and ``predict``: the
        threads that share each matrix product of the network, not parallel
        fits. None chooses one thread for networks whose work per recurrent
        step (parameters times batch rows) is below about 3e7 multiply-adds,
        which includes fitting the default sizes: there, extra threads wait on
        each other at every small operation, and a fit ran up to 40 times
        slower whenever another process was busy. ``predict`` counts the rows
        of each pass (up to 1,024 sequences and 65,536 padded timesteps), so
        that a pass of more than a few hundred sequences of the default sizes
        (of up to about 150 timesteps for the classifier and the regressor, 70
        for the tagger and the transcriber) uses torch's count, as larger
        networks do (``n_jobs=1`` keeps it on one thread). Larger networks use
        the count torch has when the call starts (``torch.get_num_threads()``,
        which follows ``OMP_NUM_THREADS``, ``torch.set_num_threads``,
        threadpoolctl limits and the limits of joblib's workers). -1 uses that
        count whatever the size, -2 one thread fewer, and so on; a positive
        value sets the count. Torch's setting is restored when the call
        returns.

    callbacks : list or None, default=None
        Extra :mod:`skorch.callbacks` for the training loop (checkpointing,
        a TensorBoard or MLflow logger...): callback instances or classes,
        or ``(name, callback)`` pairs, run after the estimator's own
        callbacks, which keep working (plateaus, early stopping, the check
        of a finite loss). Unnamed callbacks are named after their class,
        as in skorch; a name of the estimator's own callbacks raises an
        error. Each fit trains deep copies, as :func:`~sklearn.base.clone`
        makes: the parameter is left unchanged and the fitted callbacks are
        in ``net_.callbacks_``. skorch's scoring callbacks see the
        network's raw outputs (logits, standardised targets), not those of
        ``predict``. See :ref:`callbacks`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels, without the blank.

    n_features_in_ : int
        Number of features per timestep seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit. Defined only when ``X`` was
        an sktime panel DataFrame (``pd-multiindex`` or ``nested_univ``,
        whose columns are features) with string column names. The columns
        of a plain 2-D DataFrame are timesteps, not features: they are not
        recorded here, but predicting on such a frame with its columns in
        another order is an error (see :ref:`column-names`).

    patch_size_ : int
        Timesteps per recurrent step actually used.

    n_outputs_ : int
        Number of outputs of the network (per timestep for the sequence
        estimators): the number of classes for LSTMClassifier and
        LSTMTagger (also for two, where MLPClassifier has a single output),
        the number of classes plus one (CTC's blank) for LSTMTranscriber,
        the number of targets for LSTMRegressor.

    n_iter_ : int
        Number of epochs run by the last ``fit``, including one interrupted
        by Ctrl-C (a warm start counts afresh, where MLPClassifier adds on).

    interrupted_ : bool
        Whether Ctrl-C ended training. ``fit`` then leaves the estimator
        fitted with the best weights so far and raises
        :exc:`KeyboardInterrupt` again, so that loops and searches stop.

    loss_curve_ : list of float
        Mean training loss of each epoch (over the batches it completed, for
        an epoch interrupted by Ctrl-C).
        The loss is the CTC loss of each sequence divided by the length of
        its label sequence, averaged over sequences (torch's
        ``reduction="mean"``).

    validation_scores_ : list of float or None
        Score (one minus the label error rate of greedy decoding) on the
        held-out data after each epoch; None without early stopping.
        An epoch cut short by Ctrl-C has no score (None if it was the first).

    best_loss_ : float
        Lowest validation loss with early stopping (the restored epoch), else
        (or when interrupted before the first validation) lowest training
        loss; the same loss as ``loss_curve_``.

    best_validation_score_ : float or None
        With early stopping, the validation score of the epoch whose weights
        were restored (that of ``best_loss_``); None without it, or when
        interrupted before the first validation. MLPClassifier's name.

    loss_ : float
        Training loss of the last epoch, ``loss_curve_[-1]``, as in
        MLPClassifier (with early stopping the weights kept may be those of
        an earlier epoch).

    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the torch module and
        ``net_.history`` the full training history.

    See Also
    --------
    LSTMTagger : One label per timestep, aligned.
    LSTMClassifier : One label per sequence.

    Notes
    -----
    ``y`` is a list with one label sequence per sequence of ``X``: a list,
    tuple or 1-D array of hashable labels, or a string (a sequence of
    characters). A 2-D array is read as one label sequence per row.

    CTC emits at most one label per output step, and separates two equal
    consecutive labels by a blank: a label sequence of length L with R
    repeated consecutive labels needs at least L + R output steps, that is
    ``ceil(n_timesteps / patch_size_)``. A shorter input is an error naming the
    sequence and both lengths, raised before training: the CTC loss of such
    an input is infinite, and torch's ``zero_infinity=True`` would silently
    drop it from training, so the loss keeps ``zero_infinity=False``. With
    ``patch_size="auto"`` the patch is the largest (up to the rule of
    :class:`LSTMClassifier`) that leaves every training sequence enough steps.

    An empty label sequence is valid: it says the input contains nothing to
    transcribe, and the network learns to emit only blanks for such inputs.
    At least one label must occur in ``y`` as a whole.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import LSTMTranscriber
    >>> rng = np.random.RandomState(0)
    >>> words = ["".join(rng.choice(list("ab"), size=rng.randint(1, 4)))
    ...          for _ in range(100)]
    >>> # Each label is a burst of 4 steps at its own level, then 2 quiet steps.
    >>> level = {"a": 1.0, "b": -1.0}
    >>> X = [np.concatenate([[level[c]] * 4 + [0.0] * 2 for c in w]) for w in words]
    >>> X = [x + 0.1 * rng.normal(size=len(x)) for x in X]
    >>> model = LSTMTranscriber(hidden_size=16, learning_rate_init=0.05,
    ...                         max_iter=10, random_state=0).fit(X, words)
    >>> ["".join(labels) for labels in model.predict(X[:3])]
    ['b', 'ab', 'bb']
    >>> words[:3]
    ['b', 'ab', 'bb']
    >>> model.score(X, words) > 0.95
    True
    """

    _expand_patches = False

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the network to sequences ``X`` and label sequences ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Training sequences. A 2-D array holds univariate sequences; a 3-D
            array may mark shorter sequences with NaN rows at their start or
            end; a list may hold sequences of different lengths.
        y : list of label sequences
            One sequence of hashable labels per sequence of ``X`` (a list,
            tuple, 1-D array or string), without alignment; a 2-D array (or
            torch tensor, or DataFrame) holds one label sequence per row, so
            all of them have its width. None, NaN and ``pd.NA`` are missing
            values, not labels, and an error.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y)

    def _check_targets(self, y, sequences):
        """One list of labels per sequence."""
        if y is None:
            raise ValueError(
                "LSTMTranscriber requires y: one label sequence per sequence."
            )
        if hasattr(y, "__array__") and not isinstance(y, (np.ndarray, pd.Series)):
            y = np.asarray(y)  # a torch tensor or a DataFrame of labels
        if isinstance(y, np.ndarray) and y.ndim == 2:
            y = list(y)
        elif isinstance(y, pd.Series):
            y = y.tolist()
        if not (_is_list(y) or (isinstance(y, np.ndarray) and y.ndim == 1)):
            raise ValueError(
                f"y must be a list of label sequences, one per sequence of X; got "
                f"{type(y).__name__}."
            )
        if len(y) != len(sequences):
            raise ValueError(
                f"y has {len(y)} label sequences but X has {len(sequences)} "
                "sequences; give one label sequence per sequence."
            )
        labels = []
        for i, yi in enumerate(y):
            if isinstance(yi, str):
                yi = list(yi)
            elif isinstance(yi, (np.ndarray, pd.Series)) and yi.ndim == 1:
                yi = yi.tolist()
            elif hasattr(yi, "__array__") and np.ndim(yi) == 1:
                # A pandas array (Categorical, StringArray) or a tensor.
                yi = np.asarray(yi).tolist()
            elif not isinstance(yi, (list, tuple)):
                raise ValueError(
                    f"y[{i}] is {yi!r}, not a label sequence. y must hold one "
                    "sequence of labels (a list, tuple, 1-D array or string) "
                    "per sequence of X; for one label per sequence use "
                    "LSTMClassifier."
                )
            yi = list(yi)
            unhashable = [label for label in yi if not _hashable(label)]
            if unhashable:
                raise TypeError(
                    f"The labels of y must be hashable; y[{i}] holds "
                    f"{unhashable[0]!r}. Use tuples instead of lists as labels."
                )
            missing = [j for j, label in enumerate(yi) if _is_missing(label)]
            if missing:
                j = missing[0]
                raise ValueError(
                    f"y[{i}] holds {_missing_name(yi[j])} at position {j}: a "
                    "label sequence needs no padding (each has its own "
                    "length), and a missing value is not a label."
                )
            labels.append(yi)
        return labels

    def _encode_targets(self, y, warm, weights=None, rows=None):
        flat = [label for yi in y for label in yi]
        _check_booleans_alone(flat)  # True == 1: one key of the label index
        if warm:
            classes = self.classes_
            self._check_labels_known(
                flat,
                "warm_start=True needs the classes of the first fit: set "
                "warm_start=False to train a new network on the new labels.",
            )
        else:
            if not flat:
                raise ValueError(
                    "Every label sequence in y is empty: LSTMTranscriber needs "
                    "at least one label to learn."
                )
            classes = _unique_labels(flat)
        # Index 0 is CTC's blank; labels are 1..n_classes, and 0 pads.
        index = {label: i + 1 for i, label in enumerate(classes.tolist())}
        width = max(1, max(len(yi) for yi in y))
        encoded = np.zeros((len(y), width), np.int64)
        for i, yi in enumerate(y):
            encoded[i, : len(yi)] = [index[label] for label in yi]
        return Targets(
            torch.from_numpy(encoded), n_outputs=len(classes) + 1, classes=classes
        )

    def _fit_patch_size(self, sequences, targets, warm, rows):
        _, lengths = _observed_bounds(sequences)
        codes = targets.values.numpy()
        # Steps CTC needs: one per label, plus a blank between equal neighbours.
        needed = (codes > 0).sum(axis=1) + (
            (codes[:, 1:] == codes[:, :-1]) & (codes[:, 1:] > 0)
        ).sum(axis=1)
        if warm or self.patch_size != "auto":
            patch = super()._fit_patch_size(sequences, targets, warm, rows)
        else:
            patch = self._resolve_patch_size(sequences, rows)
            # The largest patch up to the usual rule that fits every label
            # sequence; patch 1 is checked below.
            while patch > 1 and np.any(-(-lengths // patch) < needed):
                patch -= 1
        steps = -(-lengths // patch)
        short = np.flatnonzero(steps < needed)
        if short.size:
            i = short[0]
            after = "" if patch == 1 else f" ({steps[i]} after patch_size={patch})"
            repeats = needed[i] - (codes[i] > 0).sum()
            if warm and patch > 1:
                # warm_start keeps the network's patch: a smaller one needs a
                # new network.
                remedy = (
                    f"warm_start=True keeps the patch_size of the first fit "
                    f"({patch}): set warm_start=False to train a new network "
                    "with a smaller patch_size, or "
                )
            elif patch > 1:
                remedy = "Use a smaller patch_size, or "
            else:
                remedy = "Upsample the input, or "
            raise ValueError(
                f"Sequence {i} of X has {lengths[i]} timesteps{after}, too short "
                f"for its label sequence of length {(codes[i] > 0).sum()}: CTC "
                f"needs at least {needed[i]} steps (one per label plus one blank "
                f"between each of the {repeats} pair(s) of equal consecutive "
                "labels). " + remedy + "drop or shorten that label sequence."
            )
        return patch

    # One minus the label error rate (it is negative when decoding makes
    # more edits than there are labels): not an accuracy.
    _score_name = "valid_1-ler"

    def _criterion(self, targets):
        return CTCLoss(), _ctc_score

    def predict(self, X):
        """Decode the label sequence of each input sequence.

        Greedy decoding: the most probable output at each step, consecutive
        repeats merged and blanks removed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Sequences, in any of the forms accepted by :meth:`fit`.

        Returns
        -------
        y : list of ndarray
            One 1-D array of labels (from ``classes_``) per sequence; it may
            be empty.
        """
        outputs, _ = self._sequence_outputs(X)
        return [self.classes_[_greedy(o.argmax(axis=1)) - 1] for o in outputs]

    def score(self, X, y):
        """One minus the label error rate.

        The label error rate is the edit distance (insertions, deletions and
        substitutions) between each decoded and true label sequence, summed
        over the sequences, divided by the summed length of the true label
        sequences (taken as 1 if all are empty).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Sequences, in any of the forms accepted by :meth:`fit`.
        y : list of label sequences
            True label sequences, in the form accepted by :meth:`fit`.

        Returns
        -------
        score : float
            ``1 - label error rate``; 1 is a perfect transcription, and it
            can be negative when the predictions hold many insertions.
        """
        outputs, sequences = self._sequence_outputs(X)
        refs = self._check_targets(y, sequences)
        self._check_label_types([label for ref in refs for label in ref])
        index = {label: i + 1 for i, label in enumerate(self.classes_.tolist())}
        edits = total = 0
        for o, ref in zip(outputs, refs, strict=True):
            # A label never seen in training (-1) is never predicted: an
            # error, as the tagger and accuracy_score count it.
            edits += _edit_distance(
                _greedy(o.argmax(axis=1)), [index.get(label, -1) for label in ref]
            )
            total += len(ref)
        return float(1.0 - edits / max(total, 1))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        # A sequence of labels per sample, never a single one.
        tags.target_tags.single_output = False
        return tags


def _string_kinds(labels):
    """Whether ``labels`` hold strings (True), other labels (False), or both."""
    if isinstance(labels, np.ndarray) and labels.dtype.kind != "O":
        return {labels.dtype.kind in "US"} if labels.size else set()
    values = labels.tolist() if isinstance(labels, np.ndarray) else labels
    return {isinstance(label, str) for label in values}


def _without_missing(labels, starts=None):
    """``labels`` (one array per sequence, its observed timesteps), checked
    for missing values (NaN, None, pd.NA): every observed timestep needs a
    label. ``starts``: where each sequence's labels begin in a 2-D ``y``
    (after leading padding)."""
    for i, yi in enumerate(labels):
        if yi.dtype.kind == "f":
            missing = np.flatnonzero(np.isnan(yi))
        elif yi.dtype.kind == "O":  # labels of mixed types, or with None
            missing = [j for j, label in enumerate(yi.tolist()) if _is_missing(label)]
        else:
            continue
        if len(missing):
            where = (
                f"y[{i}][{missing[0]}]"
                if starts is None
                else f"y[{i}, {starts[i] + missing[0]}]"
            )
            raise ValueError(
                f"{where} is {_missing_name(yi[missing[0]])}, where sequence "
                f"{i} of X is observed: every observed timestep needs a label, "
                "and a missing value is not one. (Labels at the padding steps "
                "of X are ignored.)"
            )
    return labels


def _missing_name(label):
    """How an error message names a missing label: NaN, None or <NA>."""
    return "NaN" if isinstance(label, (float, np.floating)) else repr(label)


def _numbers_as_numbers(labels):
    """An object array of labels that are all numbers as the numeric array
    ``np.asarray`` makes of their list; other labels unchanged.

    Object arrays of numbers are what a 2-D object ``y`` padded with None, or
    a categorical frame, gives once its padding is cut away; scikit-learn's
    label checks call them "unknown".
    """
    if labels.dtype != object:
        return labels
    values = labels.tolist()
    if values and all(isinstance(v, Number) for v in values):
        _check_booleans_alone(values)
        return np.asarray(values)
    return labels


def _check_booleans_alone(values):
    """Refuse a list of labels that mixes booleans and numbers: np.asarray
    (or np.concatenate) would make True the number 1, two labels one class."""
    booleans = [isinstance(v, (bool, np.bool_)) for v in values]
    if any(booleans) and not all(booleans):
        # As Python values: NumPy scalars print as np.True_, np.int64(1).
        boolean = bool(values[booleans.index(True)])
        numbers = (
            v
            for v, b in zip(values, booleans, strict=True)
            if not b and isinstance(v, Number)
        )
        number = next(numbers, None)
        number = number.item() if isinstance(number, np.generic) else number
        if number is not None:
            raise ValueError(
                f"The labels mix booleans and numbers ({boolean!r} and "
                f"{number!r}): as numbers, True and 1 (False and 0) would be "
                "one class. Give the labels one type."
            )


def _check_label_kinds(labels):
    """Refuse per-timestep labels that mix strings and numbers, as
    scikit-learn's classifiers do: ``np.concatenate`` would silently turn
    the numbers into strings (0 into "0")."""
    kinds = set().union(*map(_string_kinds, labels))
    if len(kinds) > 1:
        raise ValueError(
            "Mix of label input types (string and number) in y: give every "
            "label as a string, or every label as a number."
        )
    # One sequence of booleans, another of numbers: np.concatenate too would
    # make True the number 1.
    numeric = [yi for yi in labels if yi.dtype.kind in "biuf"]
    if any(yi.dtype.kind == "b" for yi in numeric):
        _check_booleans_alone([yi[0] for yi in numeric if len(yi)])


def _is_missing(label):
    """Whether a label is a missing value: None, pandas' NA or a float NaN
    (scikit-learn's encoders read None and NaN as missing, not as labels)."""
    return (
        label is None
        or label is pd.NA
        or (isinstance(label, (float, np.floating)) and np.isnan(label))
    )


def _unique_labels(labels):
    """Distinct labels as an array: sorted when they are mutually comparable,
    else in order of first appearance (say, tuples and integers together)."""
    distinct = list(dict.fromkeys(labels))  # hashable: see _check_targets
    with contextlib.suppress(TypeError):
        distinct = sorted(distinct)
    try:
        array = np.asarray(distinct)
    except ValueError:  # nested labels of different lengths
        array = None
    if array is None or array.ndim != 1 or array.tolist() != distinct:
        # numpy would turn [1, "a"] into strings, or nest tuples: keep objects.
        array = np.empty(len(distinct), dtype=object)
        array[:] = distinct
    return array


def _greedy(best):
    """CTC's best path: the per-step argmax with repeats merged, blanks (0)
    removed. Returns class indices from 1."""
    best = np.asarray(best)
    keep = np.ones(len(best), bool)
    keep[1:] = best[1:] != best[:-1]
    return best[keep & (best != 0)]


def _edit_distance(a, b):
    """Levenshtein distance between two sequences of integers."""
    a, b = list(a), list(b)
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, z in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != z))
            )
        previous = current
    return previous[-1]


def _timestep_accuracy(preds, targets):
    """Validation accuracy over the observed timesteps of the batches."""
    correct = total = 0
    for (logits, _), target in zip(preds, targets, strict=True):
        target = target[:, : logits.shape[1]].to(logits.device)
        observed = target != IGNORE_INDEX
        correct += (logits.argmax(dim=-1)[observed] == target[observed]).sum().item()
        total += observed.sum().item()
    return correct / max(total, 1)


def _ctc_score(preds, targets):
    """Validation ``1 - label error rate`` of greedy decoding."""
    edits = total = 0
    for (logits, lengths), target in zip(preds, targets, strict=True):
        best = logits.argmax(dim=-1).cpu().numpy()
        for row, n, ref in zip(
            best, lengths.tolist(), target.cpu().numpy(), strict=True
        ):
            ref = ref[ref > 0]
            edits += _edit_distance(_greedy(row[:n]), ref)
            total += len(ref)
    return 1.0 - edits / max(total, 1)
