"""LSTMClassifier and LSTMRegressor: the base class plus a few hooks each."""

import inspect
import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import DataConversionWarning
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
)
from sklearn.utils.validation import check_array, column_or_1d
from torch import nn

from ._base import BaseRecurrent, Targets
from ._modules import CustomNetwork, whole_patch
from ._sequence import (
    _check_booleans_alone,
    _check_label_kinds,
    _is_missing,
    _missing_name,
    _numbers_as_numbers,
)
from ._validation import (
    _python,
    caller_stacklevel,
    check_target_range,
    nonzero_scale,
)

# The convolutional stem and read-out of the many-to-one estimators (the
# sequence-output estimators have a network of their own). By default
# (conv_channels=(64, 128)) the stem's second convolution, which the cell
# and the pooled read-out read, is twice as wide as its first: on the
# development pool it lifted the long PigCVP set without lengthening fits,
# where a wider first convolution did not (user guide, architecture page).
_STEM_CONSTRAINTS = {
    # A tuple's two channel counts are checked in fit (_check_network).
    "conv_channels": [None, Interval(Integral, 1, None, closed="left"), tuple],
    "kernel_size": [Interval(Integral, 1, None, closed="left")],
    "readout": [StrOptions({"pool", "last"})],
    "random_crop": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="right")],
    "instance_norm": ["boolean"],
    # Checked in fit, with a message that says what a module must be.
    "module": "no_validation",
}


# Constructor keyword arguments of the user's module, as in skorch.
_MODULE_PREFIX = "module__"
# Parameters of the built-in network, unused with module=: the recurrent
# network's, and those of the stem and the read-out.
_BUILT_IN = (
    *BaseRecurrent._network_params,
    "conv_channels",
    "kernel_size",
    "readout",
    "instance_norm",
)


# Targets this many of the first fit's scales from its mean: their squared
# errors, 1e36, summed over a batch, come near float32's range (3.4e38), and
# training "diverged" from 5e18 on.
_FAR_TARGETS = 1e18


def _check_within_scaling(y, mean, scale, name):
    """Raise if ``y`` lies too far from the target scaling that partial_fit
    and warm_start keep from the first fit, for the float32 loss."""
    far = np.abs((y - mean) / scale).max(initial=0.0)
    if far > _FAR_TARGETS:
        raise ValueError(
            f"y lies up to {far:.3g} scales from the mean of the first fit's "
            f"targets: {name} keeps the target scaling of its first fit under "
            f"partial_fit and warm_start=True (mean {_listed(mean)}, scale "
            f"{_listed(scale)}), and the squared errors of such targets "
            "reach the limit of float32 (3.4e38). Give y "
            "in the units of the first fit, or train anew with fit and "
            "warm_start=False."
        )


def _module_keywords(params, name):
    """The constructor's extra keywords, which must be ``module__<name>``
    (or ``module_params``, the name of the signature's ``**``)."""
    unknown = [
        key
        for key in params
        if not key.startswith(_MODULE_PREFIX) and key != "module_params"
    ]
    if unknown:
        raise TypeError(
            f"{name}.__init__() got unexpected keyword argument(s) "
            f"{', '.join(map(repr, unknown))}: parameters beyond the "
            "estimator's own must be module__<name>, passed to the constructor "
            "of ``module``."
        )
    return params


def _thousandth_above(fraction):
    """The smallest multiple of 0.001 above ``fraction``: the validation
    fraction to advise where ``ceil(n * validation_fraction)`` must exceed
    ``n * fraction``."""
    return (math.floor(1000 * fraction) + 1) / 1000


def _listed(values):
    """Per-output values, short: 5 or [5, 1e+09]."""
    shown = [f"{v:.4g}" for v in values]
    return shown[0] if len(shown) == 1 else f"[{', '.join(shown)}]"


def _check_conv_channels(value, name):
    """A tuple of conv_channels must hold the two convolutions' channels."""
    if isinstance(value, tuple) and not (
        len(value) == 2
        and all(isinstance(c, Integral) and not isinstance(c, bool) for c in value)
        and min(value) >= 1
    ):
        raise InvalidParameterError(
            f"The 'conv_channels' parameter of {name} must be an int >= 1, a "
            "tuple of two ints >= 1 (the channels of the stem's first and "
            f"second convolutions) or None. Got {value!r} instead."
        )


class _ManyToOne(BaseRecurrent):
    """The many-to-one estimators: the built-in network or a user's module.

    ``module`` is a :class:`torch.nn.Module` class, built with the
    ``module__<name>`` parameters (as in skorch) plus ``n_features`` and
    ``n_outputs``. Those parameters are estimator parameters like any other:
    ``get_params`` lists them and ``set_params``, ``clone`` and searches set
    them, although they are not in the constructor's signature. They are
    kept in one private dict, ``_module_params``, rather than as attributes:
    sklearn allows no public attribute that is not in the signature. The
    constructor refuses any other keyword, as a plain signature would (a
    typo such as ``hiden_size`` is caught there, not at ``fit``), except
    ``module_params`` itself: sklearn's
    ``check_do_not_raise_errors_in_init_or_set_params`` passes every name of
    the signature, and only ``fit`` refuses that one.
    """

    def get_params(self, deep=True):
        """Get the parameters of this estimator, ``module__<name>`` included.

        Parameters
        ----------
        deep : bool, default=True
            As in scikit-learn's ``BaseEstimator.get_params``.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)
        params.update(self._module_params)
        return params

    def set_params(self, **params):
        """Set the parameters of this estimator, ``module__<name>`` included.

        Parameters
        ----------
        **params : dict
            Estimator parameters; a ``module__<name>`` parameter may be one
            that the constructor did not get.

        Returns
        -------
        self : estimator instance
            The estimator.
        """
        # BaseEstimator.set_params only takes the names get_params lists; a
        # module__<name> may be new (a grid over a parameter left at its
        # default in the constructor).
        extra = {
            key: params.pop(key)
            for key in list(params)
            if key.startswith(_MODULE_PREFIX) or key in self._module_params
        }
        super().set_params(**params)
        # A new dict, not an update in place: a shallow copy of the estimator
        # (copy.copy) shares the old one, as it shares no other parameter.
        self._module_params = {**self._module_params, **extra}
        return self

    def _module_kwargs(self):
        return {
            key[len(_MODULE_PREFIX) :]: value
            for key, value in self._module_params.items()
        }

    def _check_network(self):
        """Raise for a ``module`` that is not a Module class; warn for
        parameters of the built-in network set alongside it."""
        name = type(self).__name__
        unknown = [
            key
            for key in self._module_params
            if not key.startswith(_MODULE_PREFIX) or key == _MODULE_PREFIX
        ]
        if unknown:
            raise TypeError(
                f"{name} got unexpected parameter(s) {', '.join(map(repr, unknown))}"
                "; parameters beyond the estimator's own must be module__<name>, "
                "passed to the constructor of ``module``."
            )
        module = self.module
        if module is None:
            _check_conv_channels(self.conv_channels, name)
            given = sorted(_MODULE_PREFIX + k for k in self._module_kwargs())
            if given:
                raise ValueError(
                    f"{name} has {', '.join(given)} but module=None: module__"
                    "<name> parameters are passed to a module of your own. Pass "
                    "module=YourModuleClass, or drop them."
                )
            return
        if isinstance(module, nn.Module):
            raise TypeError(
                f"module must be a torch.nn.Module subclass, not an instance: "
                f"got an instance of {type(module).__name__}. Pass the class, "
                f"module={type(module).__name__}, and its constructor arguments "
                f"as module__<name>=value: {name} builds it at each fit."
            )
        if not (isinstance(module, type) and issubclass(module, nn.Module)):
            raise TypeError(
                f"module must be a torch.nn.Module subclass with forward(x, "
                f"lengths) returning (batch, n_outputs); got {module!r}."
            )
        for key in ("n_features", "n_outputs"):
            if key in self._module_kwargs():
                raise ValueError(
                    f"module__{key} is set, but {name} passes {key} to the "
                    "module itself (from the data). Drop it."
                )
        defaults = inspect.signature(type(self).__init__).parameters
        ignored = [
            key for key in _BUILT_IN if getattr(self, key) != defaults[key].default
        ]
        if ignored:
            warnings.warn(
                f"{name}: {', '.join(f'{k}={getattr(self, k)!r}' for k in ignored)} "
                f"set the built-in network, which module={module.__name__} "
                "replaces: they are ignored. Pass the module's own settings as "
                "module__<name>=value.",
                UserWarning,
                stacklevel=caller_stacklevel(),
            )

    def _resolve_patch_size(self, sequences, rows=None):
        # A user's module reads every timestep; it patches if it wants to.
        if self.module is not None:
            return 1
        patch = super()._resolve_patch_size(sequences, rows)
        # The stem's scales must divide the patch (see ConvStem). A larger
        # patch could leave fewer steps than an int readout of several
        # steps reads: that patch is kept, with the scales that divide it.
        several = isinstance(self.readout, Integral) and self.readout > 1
        rounds = self.conv_channels is not None and not several
        if self.patch_size == "auto" and rounds:
            patch = whole_patch(self.kernel_size, patch, self.conv_channels)
        return patch

    def _random_in_training(self):
        # A user's module may draw random numbers (dropout) whatever our
        # dropout parameter says.
        return self.module is not None or super()._random_in_training()

    def _size_parameters(self, patch_size):
        if self.module is None:
            return super()._size_parameters(patch_size)
        kwargs = ", ".join(
            f"module__{k}={v!r}" for k, v in self._module_kwargs().items()
        )
        return (
            f"module={self.module.__name__}{', ' if kwargs else ''}{kwargs}",
            "Build a smaller module.",
        )

    @property
    def _network_params(self):
        crop = ("random_crop",)  # both networks crop
        if self.module is not None:  # the built-in network's sizes are unused
            return ("module", *self._module_params, *crop)
        return (*_BUILT_IN, *crop)

    def _with_defaults(self, signature):
        """A custom module's ``signature`` with the default of each argument
        of its constructor that it leaves unset: a module__<name> set after
        the fit to that default builds the same network."""
        module = signature.get("module")
        if module is None:
            return signature
        try:
            arguments = inspect.signature(module).parameters.values()
        except (TypeError, ValueError):  # no signature to read
            return signature
        defaults = {
            _MODULE_PREFIX + argument.name: argument.default
            for argument in arguments
            if argument.default is not argument.empty
        }
        return {**defaults, **signature}

    def _build_network(self, n_features, n_outputs, patch_size):
        if self.module is None:
            return super()._build_network(n_features, n_outputs, patch_size)
        kwargs = self._module_kwargs()
        try:
            module = self.module(**kwargs, n_features=n_features, n_outputs=n_outputs)
        except TypeError as exc:
            given = ", ".join(["n_features", "n_outputs", *kwargs])
            raise TypeError(
                f"module={self.module.__name__} could not be built with the "
                f"keyword arguments {given}: {exc}. Its constructor must accept "
                "n_features and n_outputs (passed by the estimator) and one "
                "argument per module__<name> parameter."
            ) from exc
        fraction, min_steps = self._crop()
        return CustomNetwork(
            module, n_features, n_outputs, random_crop=fraction, min_crop=min_steps
        )


class LSTMClassifier(ClassifierMixin, _ManyToOne):
    """Recurrent neural network classifier for sequences.

    Reads each sequence with an LSTM (or GRU, or vanilla RNN), fed by a small
    convolutional stem, and classifies it from the final hidden state, the
    mean and maximum of the outputs over all steps and the mean of the
    stem's features (many-to-one).
    Inputs are standardised per feature inside the model, with the training
    set's statistics and, as a second copy, with each sequence's own
    (``instance_norm``); training uses
    minibatches with gradient clipping, learning-rate reduction on plateau
    and early stopping.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell: long short-term memory, gated recurrent unit, or the
        vanilla tanh RNN.

    hidden_size : int, default=64
        Number of features in the hidden state, as in :class:`torch.nn.LSTM`.

    num_layers : int, default=1
        Number of stacked recurrent layers.

    bidirectional : bool, default=False
        Also read each sequence backwards; the final states of both
        directions are concatenated.

    dropout : float, default=0.0
        Dropout probability, in [0, 1), between recurrent layers and before
        each fully-connected layer.

    fc_size : int or None, default=None
        Width of a fully-connected ReLU layer between the read-out (see
        ``readout``) and the output layer. None maps the read-out linearly
        to the output.

    patch_size : int or "auto", default="auto"
        Number of consecutive timesteps that make one recurrent step. Fewer
        recurrent steps train faster and keep gradients from vanishing on
        long sequences. "auto" picks the smallest patch giving at most 16
        steps for the longest training sequence, rounded up with the stem to
        a multiple of its coarsest scale (see ``conv_channels``: 2,000 steps
        give patches of 128, not 125), except with an int ``readout`` of
        several steps.
        Sequences are padded at the start so that the last observation
        always closes the last patch.

    conv_channels : int, tuple of two ints or None, default=(64, 128)
        Channels of the convolutional stem that feeds the recurrent cell: a
        convolution over every timestep (width ``kernel_size``,
        ``conv_channels[0]`` channels), the maximum of each channel over each
        patch, then a convolution of width 3 over the patches
        (``conv_channels[1]`` channels, which the cell reads), both with ReLU;
        an int gives both that many. Its features are shift-invariant: a shape
        is recognised wherever it occurs, which the cell alone learns only from
        many examples. When a patch holds at least ``2 * (kernel_size - 1)``
        steps (12 with the default width), the channels of the first
        convolution are shared between scales 1, 2, 4, ...: at scale ``d`` it
        reads the means of ``d`` consecutive steps, so that shapes of every
        length up to a patch are seen at the cost of one convolution over every
        timestep and a fraction of it for the coarser scales. The coarsest is
        the largest ``d`` with ``(kernel_size - 1) * d`` at most the patch (its
        kernel reads ``kernel_size * d`` steps), with no more scales than the
        first convolution has channels, and every scale divides the patch: a
        ``patch_size`` given as an int keeps only the scales that divide it
        (125: scale 1 alone; 128: scales 1 to 16). None feeds each patch's
        values (concatenated) directly to the cell.

    kernel_size : int, default=7
        Width, in timesteps, of the stem's first convolutions (at scale
        ``d``, in means of ``d`` steps; unused when ``conv_channels`` is
        None).

    readout : {"pool", "last"}, default="pool"
        What the output layer reads. "last": the final hidden state of the
        last recurrent layer (both directions when bidirectional). "pool":
        that state concatenated with the mean and the maximum of the last
        layer's outputs over all steps, so that what the network saw early
        in a long sequence reaches the output directly, and with the stem's
        features averaged over all steps (as the convolutional branch of
        LSTM-FCN), which summarise the whole series wherever its shapes
        occur.

    random_crop : "auto" or float, default="auto"
        Data augmentation by window slicing: at every training step, each
        sequence of the minibatch is replaced by a window of
        ``ceil(random_crop * length)`` consecutive timesteps starting at a
        random step (seeded by ``random_state``). Prediction then sees
        what training saw: it averages the network's outputs (logits, for
        the classifier) over 5 windows of the same length per sequence,
        starting at evenly spaced steps from the first to the last
        possible one (deterministic; 5 forward passes' worth of work). It
        helps where a few long series must be told apart by shapes that may
        occur anywhere in them; it hurts where the class depends on where in
        the sequence something happens, and on short sequences. "auto"
        trains on windows of 80 % of each sequence, but of at least 64
        steps, so that sequences of up to 64 steps are read whole (see the
        user guide's page on overfitting for the measurements). 1.0 trains
        and predicts on whole sequences.

    instance_norm : bool, default=True
        Also give the network each sequence standardised by its own mean
        and standard deviation (per feature, over its observed steps),
        beside its values standardised with the training set's. Where
        amplitudes differ by orders of magnitude between sequences, the
        training set's scale leaves the small ones near zero and their
        shapes out of reach; their own scale puts every shape within
        reach, while the other copy keeps the amplitude. It doubles the
        network's input features. False gives the values standardised with
        the training set's only.

    module : torch.nn.Module subclass, default=None
        A network of your own, replacing the built-in one: a class (not an
        instance), built at each fit as ``module(n_features=P,
        n_outputs=K, **kwargs)`` where ``kwargs`` are the estimator's
        ``module__<name>=value`` parameters without their prefix (K: the
        number of classes, also for two, or of regression targets). These
        are estimator parameters like any other, for ``set_params``,
        ``clone`` and searches. Its ``forward(x, lengths)`` gets ``x``,
        float32 (batch, time, P), standardised per feature and zero past
        each sequence's length, and ``lengths``, int64 (batch,) on the
        device of ``x``, or None when all the batch's sequences have full
        length; it returns (batch, K): logits for the classifier,
        standardised targets for the regressor. Training, early stopping,
        the thread budget, ``random_crop`` and the sklearn API are the
        same. The parameters of the built-in network (``cell`` to
        ``readout`` above, and ``instance_norm``) are ignored, with a
        warning when set. See
        :ref:`custom-module`.

    solver : {"adam", "sgd"}, default="adam"
        Optimizer: Adam, or stochastic gradient descent with ``momentum``.

    learning_rate_init : float, default=2e-3
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

    max_iter : int, default=400
        Maximum number of epochs. A fit that reaches it before a final
        plateau (see ``learning_rate``) warns with
        :class:`~sklearn.exceptions.ConvergenceWarning`, as MLPClassifier
        does; the fitted model is usable. Twice MLPClassifier's 200: with
        random crops (the classifier's default), small sets of long series
        still improve after 200 epochs (PigCVP stops on its plateau after
        about 330); fits that reach their plateau earlier are not affected.

    clip_grad_norm : float or None, default=1.0
        Clip the gradient norm of each step to this value, against the
        exploding gradients of recurrent networks. None disables clipping.

    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the training data, monitor its
        loss for the plateaus described under ``learning_rate``, and restore
        the weights of the epoch with the lowest validation loss when
        training ends. "auto" enables it with 1000 samples or more, and
        trains without it where the data cannot be split (for the classifier,
        a stratified hold-out needs, in each part, a sample of every class
        seen twice or more, while a class seen once stays in training; True
        raises an error where that fails). Without it, the training loss is
        monitored in the same way.

    validation_fraction : float, default=0.1
        Proportion of the training data held out for early stopping: a
        random sample of the sequences (stratified by class for the
        classifier), except for the regressor, which holds out its last
        samples (windows cut from one series overlap, and a random split
        would leak validation targets into training: pass windows in time
        order).

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
        standardisation of X (and of a regressor's targets) stays that of
        the first fit, which the weights were trained for, and so does the
        patch (``patch_size_``, and with it the stem's scales), even for
        longer or shorter sequences. ``loss_curve_`` and
        ``validation_scores_`` hold the epochs of the last fit, which
        ``n_iter_`` counts (MLPClassifier's ``loss_curve_`` goes on over warm
        fits while its ``n_iter_`` starts again).

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout, any random crops
        (``random_crop``) and the validation split where it is random (see
        ``validation_fraction``). Torch's global generator is left as it
        was: shuffling and crops use private generators, and
        initialisation and dropout seed the global one inside
        :func:`torch.random.fork_rng`, one fit at a time per process.
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

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as in
        :class:`~sklearn.linear_model.LogisticRegression`: the weight of a
        sample's class multiplies its sample weight, so a positive
        ``class_weight`` is the same as ``sample_weight=class_weight[y]``
        (normalised as described in :meth:`fit`; a class weight of 0 keeps its
        samples in the split and the batches, where a sample weight of 0 leaves
        them out), in the loss and in the standardisation of the inputs.
        "balanced" weighs each class by ``n_samples / (n_classes * count)``,
        the count summing the sample weights. A dict may leave classes out
        (weight 1). :meth:`partial_fit` takes a dict only.

    label_smoothing : float, default=0.1
        Share, in [0, 1), of each target's probability spread evenly over
        all classes in the cross-entropy, as in
        :class:`torch.nn.CrossEntropyLoss`. It
        keeps the network from growing its logits without bound once the
        training set is classified correctly, so the training loss reaches
        a floor (a plateau that ends training, see ``learning_rate``) and
        the predicted probabilities stay moderate. 0 is the plain
        cross-entropy.

    **module_params : dict
        The ``module__<name>=value`` parameters, passed to the constructor
        of ``module`` as ``name=value``. Any other name is an error at fit.

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
        Timesteps per recurrent step actually used (1 with ``module``,
        which reads every timestep).

    n_outputs_ : int
        Number of outputs of the network (per timestep for the sequence
        estimators): the number of classes for LSTMClassifier and
        LSTMTagger (also for two, where MLPClassifier has a single output),
        the number of classes plus one (CTC's blank) for LSTMTranscriber,
        the number of targets for LSTMRegressor.

    n_iter_ : int
        Number of epochs run, including one interrupted by Ctrl-C: by the
        last ``fit`` (a warm start included, which counts afresh, where
        MLPClassifier adds on), or by all ``partial_fit`` calls since.

    interrupted_ : bool
        Whether Ctrl-C ended training. ``fit`` then leaves the estimator
        fitted with the best weights so far and raises
        :exc:`KeyboardInterrupt` again, so that loops and searches stop.

    loss_curve_ : list of float
        Mean training loss of each epoch (over the batches it completed, for
        an epoch interrupted by Ctrl-C).
        The loss is the cross-entropy with ``label_smoothing``, weighted
        by the sample and class weights.

    validation_scores_ : list of float or None
        Score (accuracy, weighted by the sample and class weights) on the
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
    LSTMRegressor : The same network for regression targets.
    sklearn.neural_network.MLPClassifier : Feed-forward network on tables.

    Notes
    -----
    ``X`` is a 3-D array (n_samples, n_timesteps, n_features), a 2-D array of
    univariate sequences (n_samples, n_timesteps), or a list of arrays of
    different lengths. In a 3-D array, rows that are entirely NaN at the start
    or end of a sequence mark padding, which never affects a prediction:
    each sequence's final state is read at its own last step, so a
    prediction never depends on the other sequences of the batch. The number
    of timesteps may differ between fit and predict.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import LSTMClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 12, 2))
    >>> y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    >>> clf = LSTMClassifier(hidden_size=8, learning_rate_init=0.01, batch_size=32,
    ...                      max_iter=20, random_state=0)
    >>> clf.fit(X, y).predict(X[:3])
    array(['up', 'down', 'down'], dtype='<U4')
    >>> y[:3]
    array(['up', 'down', 'down'], dtype='<U4')
    >>> clf.predict_proba(X[:1]).shape
    (1, 2)
    """

    _parameter_constraints: dict = {
        **BaseRecurrent._parameter_constraints,
        **_STEM_CONSTRAINTS,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
    }
    _onnx_kind = "proba"
    _score_name = "valid_acc"

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
        conv_channels=(64, 128),
        kernel_size=7,
        readout="pool",
        random_crop="auto",
        instance_norm=True,
        module=None,
        solver="adam",
        learning_rate_init=2e-3,
        learning_rate="adaptive",
        momentum=0.9,
        alpha=1e-2,
        batch_size="auto",
        max_iter=400,
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
        class_weight=None,
        label_smoothing=0.1,
        **module_params,
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
        self.conv_channels = conv_channels
        self.kernel_size = kernel_size
        self.readout = readout
        self.random_crop = random_crop
        self.instance_norm = instance_norm
        self.module = module
        # The module__<name> keywords (see _ManyToOne).
        self._module_params = _module_keywords(module_params, type(self).__name__)
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences ``X`` and class labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Training sequences. A 2-D array holds univariate sequences; a 3-D
            array may mark shorter sequences with NaN rows at their start or
            end; a list may hold sequences of different lengths.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss: the loss of
            each sequence is multiplied by its weight and by the weight of
            its class (``class_weight``), as in scikit-learn. The weights are
            normalised to mean 1 over the training samples (and over the
            held-out ones): only their ratios matter, and the learning rate
            keeps its meaning. Samples of weight 0 are left out of training,
            as if removed, but their labels are checked and count among
            ``classes_``, as in scikit-learn. The held-out loss and score of
            early stopping and the standardisation of the inputs are weighted
            too. None weighs all samples equally.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train for one epoch on ``X`` and ``y``, continuing from before.

        As :meth:`sklearn.neural_network.MLPClassifier.partial_fit`: each
        call makes one pass over the given data, in minibatches, with no
        held-out set, learning-rate schedule or early stopping. The first
        call on an unfitted estimator needs ``classes`` and fixes the input
        standardisation, the patch size and the minibatch size from its
        data; the optimizer's state (Adam's moments) carries over between
        calls, unless ``set_params`` changed an optimizer setting (solver,
        learning rate, momentum, alpha, clipping or verbosity) or the
        callbacks: the next call then starts a new optimizer with the new
        values, and the new callbacks. After
        :meth:`fit`, ``partial_fit`` continues from the fitted
        weights with a new optimizer; :meth:`fit` after ``partial_fit``
        starts afresh (unless ``warm_start=True``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Sequences of this call. A 2-D array holds univariate sequences; a 3-D
            array may mark shorter sequences with NaN rows at their start or
            end; a list may hold sequences of different lengths.
        y : array-like of shape (n_samples,)
            Class labels, among ``classes``.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss, normalised to
            mean 1 over this call's samples (see :meth:`fit`) before the
            class weights multiply it: a dict ``class_weight`` keeps its
            effect between calls that hold different classes.
        classes : array-like of shape (n_classes,), default=None
            All the class labels of the stream, at least 2. Required on the
            first call, optional later (it must then be the same); ``y`` of
            a call need not hold every class.

        Returns
        -------
        self : object
            The estimator, trained one more epoch.
        """
        if isinstance(self.class_weight, str):  # "balanced", as SGDClassifier
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: the "
                "class frequencies of one call are not those of the stream. "
                "Compute the weights from all the labels (or a large sample) "
                "with sklearn.utils.class_weight.compute_class_weight("
                "'balanced', classes=classes, y=y) and pass "
                "class_weight=dict(zip(classes, weights))."
            )
        first = not hasattr(self, "net_")
        _check_partial_fit_first_call(self, classes)
        if first and len(self.classes_) < 2:
            given = [_python(c) for c in self.classes_]
            del self.classes_
            raise ValueError(
                f"classes must hold at least 2 class labels, got {given}: "
                f"{type(self).__name__} needs 2 or more, as fit does."
            )
        try:
            return self._partial_fit(X, y, sample_weight)
        except BaseException:  # Ctrl-C before the first batch too
            # A failed first call leaves the estimator unfitted: the next
            # first call must name the classes again.
            if first and not hasattr(self, "net_"):
                del self.classes_
            raise

    def _encode_targets(self, y, warm, weights=None, rows=None):
        y = _one_label_per_sequence(y, type(self).__name__)
        if np.ndim(y) == 2 and np.shape(y)[1] == 1:
            # scikit-learn's warning (its checks match the words), pointing
            # at the user's call rather than at this line.
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. "
                "Please change the shape of y to (n_samples, ), for example "
                "using ravel().",
                DataConversionWarning,
                stacklevel=caller_stacklevel(),
            )
        y = column_or_1d(y)
        if y.dtype == object:
            # scikit-learn calls these "Unknown label type ... continuous
            # values": missing labels, a mix, and numbers held as objects.
            _check_object_labels(y)
            y = _numbers_as_numbers(y)
        check_classification_targets(y)
        # The classes are those of the whole y, as in scikit-learn: a class
        # whose samples all have weight 0 keeps its column of predict_proba,
        # which scorers such as log_loss match against y.
        if warm:
            classes = self.classes_
            unseen = np.setdiff1d(y, classes)
            if unseen.size:
                raise ValueError(
                    f"y has new labels {unseen.tolist()}, not among the classes "
                    f"{classes.tolist()} of the model: "
                    "warm_start=True needs the classes of the first fit, and "
                    "partial_fit those given by classes= on its first call."
                )
        else:
            classes = np.unique(y)
            if len(classes) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes "
                    f"in the data, but the data contains only one class: "
                    f"{_python(classes[0])!r}."
                )
        encoded = np.searchsorted(classes, y).astype(np.int64)
        if rows is not None:
            encoded = encoded[rows]
        if self.class_weight is not None:
            # As in sklearn, the class weight multiplies the sample weight:
            # class_weight is exactly sample_weight=class_weight[y], the
            # same per-sample loss, normalised the same way.
            class_weight = self._class_weights(classes, encoded, weights)
            weights = class_weight[encoded] * (1.0 if weights is None else weights)
        return Targets(
            torch.from_numpy(encoded),
            n_outputs=len(classes),
            classes=classes,
            weights=weights,
        )

    def _store_targets(self, targets):
        self.classes_ = targets.classes

    def _criterion(self, targets):
        # With weights, per-sample losses that the sample weights (class
        # weights included) multiply. Not CrossEntropyLoss(weight=...): it
        # divides each batch by the sum of its own class weights (a batch of
        # one class would ignore them) and weighs the smoothed part of the
        # targets by every class's weight.
        reduction = "mean" if targets.weights is None else "none"
        loss = nn.CrossEntropyLoss(
            reduction=reduction, label_smoothing=self.label_smoothing
        )
        return loss, "accuracy"

    def _constant_output(self, values, n_outputs, weights=None):
        # Logits of the (weighted) class frequencies.
        counts = torch.bincount(values, weights=weights, minlength=n_outputs).double()
        return torch.log(counts.clamp_min(0.5) / counts.sum()).float()

    def _class_weights(self, classes, encoded, weights=None):
        """Weight of each of ``classes`` in the loss, from ``class_weight``.

        Over all ``classes``, also those absent from this fit's y (a warm
        start on part of the classes): such classes get weight 1, as do the
        classes that a dict does not name. As in scikit-learn's
        :func:`~sklearn.utils.class_weight.compute_class_weight`, a dict may
        name labels this fit's y lacks (a cross-validation fold without a
        rare class) when it names every class of y; naming other labels
        while leaving a class out looks like a mistake. "balanced" counts the
        samples by their ``weights``, as scikit-learn does.
        """
        if isinstance(self.class_weight, dict):
            known = set(classes.tolist())
            unknown = [k for k in self.class_weight if k not in known]
            unweighted = [c for c in classes.tolist() if c not in self.class_weight]
            if unknown and unweighted:
                raise ValueError(
                    f"class_weight has labels {unknown} that are not in "
                    f"the classes {classes.tolist()}, and none for the classes "
                    f"{unweighted}. Name every class (or only classes of y)."
                )
            try:
                weight = np.array(
                    [self.class_weight.get(c, 1.0) for c in classes], dtype=float
                )
            except (TypeError, ValueError):  # not numbers
                weight = np.array([np.nan])
            if not (np.isfinite(weight).all() and (weight >= 0).all() and weight.any()):
                raise ValueError(
                    "class_weight must map labels to finite weights >= 0, not "
                    f"all 0; got {self.class_weight!r}."
                )
            return weight
        # "balanced": from the (weighted) frequencies of the classes present.
        present = np.unique(encoded)
        weight = np.ones(len(classes))
        weight[present] = compute_class_weight(
            "balanced", classes=present, y=encoded, sample_weight=weights
        )
        return weight

    def _validation_split(self, targets, rng):
        # A class seen once cannot be in both parts: it stays in training,
        # and the other classes are split stratified.
        counts = np.bincount(targets)
        index = np.flatnonzero(counts[targets] >= 2)
        try:
            train, valid = train_test_split(
                index,
                test_size=self.validation_fraction,
                stratify=targets[index],
                random_state=rng,
            )
        except ValueError as exc:
            # Each part needs a sample of every class that can be split.
            n_classes, n = np.count_nonzero(counts >= 2), len(index)
            n_valid = math.ceil(n * self.validation_fraction)
            if n_classes == 0:
                remedy = "every class has a single sample, so none can be held out:"
            elif n_valid < n_classes:
                # At least as many held out as classes, which the split
                # needs: ceil(n * fraction) >= n_classes (the advice 0.33 of
                # 303 samples of 101 classes held out 100).
                smallest = _thousandth_above((n_classes - 1) / n)
                remedy = f"use validation_fraction >= {smallest:g}, or"
            elif n - n_valid < n_classes:
                remedy = "use a smaller validation_fraction, or"
            else:
                remedy = "use more samples, or"
            raise ValueError(
                f"Early stopping could not hold out a stratified "
                f"validation_fraction={self.validation_fraction} of the "
                f"{len(targets)} samples ({exc}): {remedy} set "
                "early_stopping=False."
            ) from exc
        singletons = np.flatnonzero(counts[targets] < 2)
        return np.sort(np.concatenate([train, singletons])), np.sort(valid)

    def predict_proba(self, X):
        """Probability of each class for each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Sequences, in any of the forms accepted by :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities, columns ordered as ``classes_``.
        """
        logits = torch.from_numpy(self._forward(X)).double()
        return torch.softmax(logits, dim=1).numpy()

    def predict_log_proba(self, X):
        """Logarithm of the probability of each class for each sequence.

        Computed from the network's outputs directly (a log-softmax), so
        classes of tiny probability get a finite log-probability rather than
        ``log(0)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Sequences, in any of the forms accepted by :meth:`fit`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns ordered as ``classes_``.
        """
        logits = torch.from_numpy(self._forward(X)).double()
        return torch.log_softmax(logits, dim=1).numpy()

    def predict(self, X):
        """Most probable class of each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Sequences, in any of the forms accepted by :meth:`fit`.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted labels.
        """
        index = self._forward(X).argmax(axis=1)
        return self.classes_[index]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of :meth:`predict` on ``X`` against the labels ``y``.

        As :meth:`fit` does, labels held as numbers in an object array (a
        pandas column of dtype object, for example) are compared as
        numbers: scikit-learn's :func:`~sklearn.metrics.accuracy_score`
        calls them of unknown type.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Sequences, in any of the forms accepted by :meth:`fit`.

        y : array-like of shape (n_samples,)
            True labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Mean accuracy, weighted by ``sample_weight``.
        """
        y = np.asarray(y)
        if y.dtype == object:
            y = _numbers_as_numbers(y.ravel()).reshape(y.shape)
        return super().score(X, y, sample_weight=sample_weight)


def _one_label_per_sequence(y, name):
    """``y`` as an array, with an error naming the estimators that fit a
    label per timestep where it holds one (2-D, or a ragged list of label
    sequences): sklearn's "y should be a 1d array" says nothing of them."""
    if isinstance(y, list | tuple):
        _check_booleans_alone(list(y))  # np.asarray would make True 1
    try:
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
    except ValueError as error:
        if isinstance(y, list | tuple) and y and all(map(np.ndim, y)):
            raise ValueError(_per_timestep_message("a ragged list", name)) from error
        raise
    if y.ndim > 1 and y.shape[1:] != (1,):  # a column warns and is raveled
        # Columns may also be several labels per sequence (multilabel).
        several = (
            " For several labels per sequence (multilabel, multi-output), wrap "
            "it in scikit-learn's MultiOutputClassifier or OneVsRestClassifier."
        )
        described = f"an array of shape {y.shape}"
        raise ValueError(_per_timestep_message(described, name) + several)
    return y


def _check_object_labels(y):
    """Name a missing label (None, NaN, pd.NA) of an object ``y``, and a mix
    of string and number labels."""
    labels = y.tolist()
    missing = next((i for i, label in enumerate(labels) if _is_missing(label)), None)
    if missing is not None:
        raise ValueError(
            f"y[{missing}] is {_missing_name(labels[missing])}, a missing label: "
            "give every sequence a label, or leave out those without one."
        )
    _check_label_kinds([y])


def _per_timestep_message(described, name):
    return (
        f"y should be a 1d array of one label per sequence, got {described} "
        f"instead. {name} fits one label per sequence; for a label per "
        "timestep use LSTMTagger, for a label sequence of its own length per "
        "sequence LSTMTranscriber."
    )


class LSTMRegressor(RegressorMixin, _ManyToOne):
    """Recurrent neural network regressor for sequences.

    Reads each sequence with an LSTM (or GRU, or vanilla RNN), fed by a small
    convolutional stem, and predicts one or several targets from the final
    hidden state, the mean and maximum of the outputs over all steps and the
    mean of the stem's features (many-to-one). Inputs are standardised per
    feature (with the training set's statistics and, as a second copy, with
    each sequence's own: ``instance_norm``) and targets per output inside
    the model; predictions are returned on the original scale.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell: long short-term memory, gated recurrent unit, or the
        vanilla tanh RNN.

    hidden_size : int, default=64
        Number of features in the hidden state, as in :class:`torch.nn.LSTM`.

    num_layers : int, default=1
        Number of stacked recurrent layers.

    bidirectional : bool, default=False
        Also read each sequence backwards; the final states of both
        directions are concatenated.

    dropout : float, default=0.0
        Dropout probability, in [0, 1), between recurrent layers and before
        each fully-connected layer.

    fc_size : int or None, default=None
        Width of a fully-connected ReLU layer between the read-out (see
        ``readout``) and the output layer. None maps the read-out linearly
        to the output.

    patch_size : int or "auto", default="auto"
        Number of consecutive timesteps that make one recurrent step. Fewer
        recurrent steps train faster and keep gradients from vanishing on
        long sequences. "auto" picks the smallest patch giving at most 16
        steps for the longest training sequence, rounded up with the stem to
        a multiple of its coarsest scale (see ``conv_channels``: 2,000 steps
        give patches of 128, not 125), except with an int ``readout`` of
        several steps.
        Sequences are padded at the start so that the last observation
        always closes the last patch.

    conv_channels : int, tuple of two ints or None, default=(64, 128)
        Channels of the convolutional stem that feeds the recurrent cell: a
        convolution over every timestep (width ``kernel_size``,
        ``conv_channels[0]`` channels), the maximum of each channel over each
        patch, then a convolution of width 3 over the patches
        (``conv_channels[1]`` channels, which the cell reads), both with ReLU;
        an int gives both that many. Its features are shift-invariant: a shape
        is recognised wherever it occurs, which the cell alone learns only from
        many examples. When a patch holds at least ``2 * (kernel_size - 1)``
        steps (12 with the default width), the channels of the first
        convolution are shared between scales 1, 2, 4, ...: at scale ``d`` it
        reads the means of ``d`` consecutive steps, so that shapes of every
        length up to a patch are seen at the cost of one convolution over every
        timestep and a fraction of it for the coarser scales. The coarsest is
        the largest ``d`` with ``(kernel_size - 1) * d`` at most the patch (its
        kernel reads ``kernel_size * d`` steps), with no more scales than the
        first convolution has channels, and every scale divides the patch: a
        ``patch_size`` given as an int keeps only the scales that divide it
        (125: scale 1 alone; 128: scales 1 to 16). None feeds each patch's
        values (concatenated) directly to the cell.

    kernel_size : int, default=7
        Width, in timesteps, of the stem's first convolutions (at scale
        ``d``, in means of ``d`` steps; unused when ``conv_channels`` is
        None).

    readout : {"pool", "last"} or int, default="pool"
        What the output layer reads. "last": the final hidden state of the
        last recurrent layer (both directions when bidirectional). "pool":
        that state concatenated with the mean and the maximum of the last
        layer's outputs over all steps, so that what the network saw early
        in a long sequence reaches the output directly, and with the stem's
        features averaged over all steps (as the convolutional branch of
        LSTM-FCN), which summarise the whole series wherever its shapes
        occur.
        An int ``k``: the outputs of the last ``k`` recurrent steps, each
        through the same output layer, give ``k`` consecutive groups of the
        targets (``n_outputs`` must be a multiple of ``k``): a many-to-many
        read-out, where step ``j`` of the last ``k`` is read for the ``j``-th
        group, as when the last steps of each sequence hold inputs known
        for the values to predict (:class:`RNNForecaster` reads future
        exogenous values so). A step is a patch when ``patch_size`` > 1;
        ``random_crop`` must be 1.0. 1 is "last". With ``bidirectional``,
        a step's output also holds the backward direction at that step,
        which has read the steps after it.

    random_crop : "auto" or float, default=1.0
        Data augmentation by window slicing: at every training step, each
        sequence of the minibatch is replaced by a window of
        ``ceil(random_crop * length)`` consecutive timesteps starting at a
        random step (seeded by ``random_state``). Prediction then averages
        the network's outputs over 5 windows of the same length per
        sequence, starting at evenly spaced steps from the first to the
        last possible one (deterministic; 5 forward passes' worth of work).
        "auto" trains on windows of 80 % of each sequence, but of at least
        64 steps, as :class:`LSTMClassifier` does by default. The
        regressor's default, 1.0, trains and predicts on whole sequences: a
        window keeps a sequence's class, but not, in general, its target
        (an amount summed over the whole sequence, or what follows its
        end), and on the benchmarks crops raised the error where the
        target depends on positions (spectra) and on what a recording ends
        with. On a very small, noisy set they regularise, and may help (see
        the user guide's page on overfitting for the measurements).

    instance_norm : bool, default=True
        Also give the network each sequence standardised by its own mean
        and standard deviation (per feature, over its observed steps),
        beside its values standardised with the training set's. Where
        amplitudes differ by orders of magnitude between sequences, the
        training set's scale leaves the small ones near zero and their
        shapes out of reach; their own scale puts every shape within
        reach, while the other copy keeps the amplitude. It doubles the
        network's input features. False gives the values standardised with
        the training set's only.

    module : torch.nn.Module subclass, default=None
        A network of your own, replacing the built-in one: a class (not an
        instance), built at each fit as ``module(n_features=P,
        n_outputs=K, **kwargs)`` where ``kwargs`` are the estimator's
        ``module__<name>=value`` parameters without their prefix (K: the
        number of classes, also for two, or of regression targets). These
        are estimator parameters like any other, for ``set_params``,
        ``clone`` and searches. Its ``forward(x, lengths)`` gets ``x``,
        float32 (batch, time, P), standardised per feature and zero past
        each sequence's length, and ``lengths``, int64 (batch,) on the
        device of ``x``, or None when all the batch's sequences have full
        length; it returns (batch, K): logits for the classifier,
        standardised targets for the regressor. Training, early stopping,
        the thread budget, ``random_crop`` and the sklearn API are the
        same. The parameters of the built-in network (``cell`` to
        ``readout`` above, and ``instance_norm``) are ignored, with a
        warning when set. See
        :ref:`custom-module`.

    solver : {"adam", "sgd"}, default="adam"
        Optimizer: Adam, or stochastic gradient descent with ``momentum``.

    learning_rate_init : float, default=2e-3
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

    max_iter : int, default=400
        Maximum number of epochs. A fit that reaches it before a final
        plateau (see ``learning_rate``) warns with
        :class:`~sklearn.exceptions.ConvergenceWarning`, as MLPClassifier
        does; the fitted model is usable. Twice MLPClassifier's 200: with
        random crops (the classifier's default), small sets of long series
        still improve after 200 epochs (PigCVP stops on its plateau after
        about 330); fits that reach their plateau earlier are not affected.

    clip_grad_norm : float or None, default=1.0
        Clip the gradient norm of each step to this value, against the
        exploding gradients of recurrent networks. None disables clipping.

    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the training data, monitor its
        loss for the plateaus described under ``learning_rate``, and restore
        the weights of the epoch with the lowest validation loss when
        training ends. "auto" enables it with 1000 samples or more, and
        trains without it where the data cannot be split (for the classifier,
        a stratified hold-out needs, in each part, a sample of every class
        seen twice or more, while a class seen once stays in training; True
        raises an error where that fails). Without it, the training loss is
        monitored in the same way.

    validation_fraction : float, default=0.1
        Proportion of the training data held out for early stopping: a
        random sample of the sequences (stratified by class for the
        classifier), except for the regressor, which holds out its last
        samples (windows cut from one series overlap, and a random split
        would leak validation targets into training: pass windows in time
        order).

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
        standardisation of X (and of a regressor's targets) stays that of
        the first fit, which the weights were trained for, and so does the
        patch (``patch_size_``, and with it the stem's scales), even for
        longer or shorter sequences. ``loss_curve_`` and
        ``validation_scores_`` hold the epochs of the last fit, which
        ``n_iter_`` counts (MLPClassifier's ``loss_curve_`` goes on over warm
        fits while its ``n_iter_`` starts again).

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout, any random crops
        (``random_crop``) and the validation split where it is random (see
        ``validation_fraction``). Torch's global generator is left as it
        was: shuffling and crops use private generators, and
        initialisation and dropout seed the global one inside
        :func:`torch.random.fork_rng`, one fit at a time per process.
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

    **module_params : dict
        The ``module__<name>=value`` parameters, passed to the constructor
        of ``module`` as ``name=value``. Any other name is an error at fit.

    Attributes
    ----------
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
        Timesteps per recurrent step actually used (1 with ``module``,
        which reads every timestep).

    n_outputs_ : int
        Number of outputs of the network (per timestep for the sequence
        estimators): the number of classes for LSTMClassifier and
        LSTMTagger (also for two, where MLPClassifier has a single output),
        the number of classes plus one (CTC's blank) for LSTMTranscriber,
        the number of targets for LSTMRegressor.

    n_iter_ : int
        Number of epochs run, including one interrupted by Ctrl-C: by the
        last ``fit`` (a warm start included, which counts afresh, where
        MLPClassifier adds on), or by all ``partial_fit`` calls since.

    interrupted_ : bool
        Whether Ctrl-C ended training. ``fit`` then leaves the estimator
        fitted with the best weights so far and raises
        :exc:`KeyboardInterrupt` again, so that loops and searches stop.

    loss_curve_ : list of float
        Mean training loss of each epoch (over the batches it completed, for
        an epoch interrupted by Ctrl-C).
        The loss is the mean squared error of the targets as standardised
        inside the estimator (each output to mean 0 and standard deviation
        1 on the training data), so it does not depend on the units of y:
        predicting the mean gives a loss of about 1.

    validation_scores_ : list of float or None
        Score (R²) on the held-out data after each epoch; None without
        early stopping.
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
    LSTMClassifier : The same network for class labels.
    make_windows : Cut a series into (window, target) pairs.
    RNNForecaster : Forecasting with sktime's interface.

    Notes
    -----
    Early stopping holds out the *last* ``validation_fraction`` of the
    samples, not a random part: neighbouring windows of a series overlap, so
    a random split would leak the validation targets into training.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import LSTMRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 10, 1))
    >>> y = X[:, -3:, 0].sum(axis=1)
    >>> reg = LSTMRegressor(hidden_size=16, learning_rate_init=0.01, batch_size=32,
    ...                     max_iter=30, random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.9
    True
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _parameter_constraints: dict = {
        **BaseRecurrent._parameter_constraints,
        **_STEM_CONSTRAINTS,
        # An int: a many-to-many read-out of the last steps.
        "readout": [
            StrOptions({"pool", "last"}),
            Interval(Integral, 1, None, closed="left"),
        ],
    }
    _onnx_kind = "regression"
    _score_name = "valid_r2"

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
        conv_channels=(64, 128),
        kernel_size=7,
        readout="pool",
        random_crop=1.0,
        instance_norm=True,
        module=None,
        solver="adam",
        learning_rate_init=2e-3,
        learning_rate="adaptive",
        momentum=0.9,
        alpha=1e-2,
        batch_size="auto",
        max_iter=400,
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
        **module_params,
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
        self.conv_channels = conv_channels
        self.kernel_size = kernel_size
        self.readout = readout
        self.random_crop = random_crop
        self.instance_norm = instance_norm
        self.module = module
        # The module__<name> keywords (see _ManyToOne).
        self._module_params = _module_keywords(module_params, type(self).__name__)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Training sequences. A 2-D array holds univariate sequences; a 3-D
            array may mark shorter sequences with NaN rows at their start or
            end; a list may hold sequences of different lengths.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss: the loss of
            each sequence is multiplied by its weight. The weights are
            normalised to mean 1 over the training samples (and over the
            held-out ones): only their ratios matter, and the learning rate
            keeps its meaning. Samples of weight 0 are left out of training,
            as if removed (their targets are still checked). The held-out
            loss and score of early stopping are weighted too, and the inputs
            and the targets are standardised
            with their weighted mean and standard deviation. None weighs all
            samples equally.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on ``X`` and ``y``, continuing from before.

        As :meth:`sklearn.neural_network.MLPRegressor.partial_fit`: each
        call makes one pass over the given data, in minibatches, with no
        held-out set, learning-rate schedule or early stopping. The first
        call on an unfitted estimator fixes the input standardisation, the
        target scaling, the patch size and the minibatch size from its
        data; the optimizer's state (Adam's moments) carries over between
        calls, unless ``set_params`` changed an optimizer setting (solver,
        learning rate, momentum, alpha, clipping or verbosity) or the
        callbacks: the next call then starts a new optimizer with the new
        values, and the new callbacks. After
        :meth:`fit`, ``partial_fit`` continues from the fitted
        weights with a new optimizer; :meth:`fit` after ``partial_fit``
        starts afresh (unless ``warm_start=True``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Sequences of this call. A 2-D array holds univariate sequences; a 3-D
            array may mark shorter sequences with NaN rows at their start or
            end; a list may hold sequences of different lengths.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss, normalised to
            mean 1 over this call's samples (see :meth:`fit`).

        Returns
        -------
        self : object
            The estimator, trained one more epoch.
        """
        return self._partial_fit(X, y, sample_weight)

    def _encode_targets(self, y, warm, weights=None, rows=None):
        if isinstance(y, (list, tuple)):
            # NumPy's own message for rows of different lengths speaks of an
            # "inhomogeneous shape"; say which rows and what is expected.
            shapes = [np.shape(row) for row in y]
            odd = next((i for i, s in enumerate(shapes) if s != shapes[0]), None)
            if odd is not None:
                raise ValueError(
                    f"y[0] has shape {shapes[0]} but y[{odd}] has shape "
                    f"{shapes[odd]}: {type(self).__name__} needs one target per "
                    "sequence, or the same number of targets (n_outputs) for "
                    "every sequence, as an array of shape (n_samples,) or "
                    "(n_samples, n_outputs)."
                )
        y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
        y2 = y.reshape(len(y), -1).astype(np.float64)
        check_target_range(y2)
        if rows is not None:
            y2 = y2[rows]
        if warm:
            if y2.shape[1] != len(self._y_mean):
                raise ValueError(
                    f"y has {y2.shape[1]} outputs but the model was fitted with "
                    f"{len(self._y_mean)}; warm_start=True and partial_fit need "
                    "the same outputs."
                )
            mean, scale = self._y_mean, self._y_scale
            _check_within_scaling(y2, mean, scale, type(self).__name__)
        else:
            # Only a constant output keeps the scale 1: any spread, however
            # small, is standardised (targets in small units are common).
            # Weighted moments: those of the data with the rows repeated.
            mean = np.average(y2, axis=0, weights=weights)
            constant = np.ptp(y2, axis=0) == 0
            std = np.sqrt(np.average((y2 - mean) ** 2, axis=0, weights=weights))
            scale = nonzero_scale(std, constant)
        scaled = torch.from_numpy(((y2 - mean) / scale).astype(np.float32))
        return Targets(
            scaled,
            n_outputs=y2.shape[1],
            mean=mean,
            scale=scale,
            ndim=y.ndim,
            weights=weights,
        )

    def _store_targets(self, targets):
        self._y_mean = targets.mean
        self._y_scale = targets.scale
        self._y_ndim = targets.ndim

    def _criterion(self, targets):
        if targets.weights is not None:
            return nn.MSELoss(reduction="none"), "r2"  # weighted per sample
        return nn.MSELoss(), "r2"

    def _constant_output(self, values, n_outputs, weights=None):
        if weights is None:
            return values.mean(dim=0)
        return (values * weights[:, None]).sum(dim=0) / weights.sum()

    def _validation_split(self, targets, rng):
        n = len(targets)
        n_valid = math.ceil(n * self.validation_fraction)
        if n - n_valid < 1:
            raise ValueError(
                f"Early stopping would hold out all {n} samples "
                f"(validation_fraction={self.validation_fraction}). Use more "
                "samples or early_stopping=False."
            )
        if n_valid < 2:
            # R² of one sample is undefined (NaN validation_scores_), and the
            # mean of one target predicts it exactly: every fit would be
            # reported as having learned nothing.
            # Two held out and one left to train on: only from 3 samples,
            # with a fraction above 1 / n.
            smallest = _thousandth_above(1 / n)
            fraction = f"validation_fraction >= {smallest:g}, " if n >= 3 else ""
            raise ValueError(
                f"Early stopping would hold out 1 of the {n} samples "
                f"(validation_fraction={self.validation_fraction}); the "
                "validation score (R²) needs at least 2. Use more samples, "
                f"{fraction}or early_stopping=False."
            )
        return np.arange(n - n_valid), np.arange(n - n_valid, n)

    def predict(self, X):
        """Predict targets for sequences.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
                (n_samples, n_timesteps) or list of arrays
            Sequences, in any of the forms accepted by :meth:`fit`.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions on the scale of the training targets.
        """
        return self._unscaled(self._forward(X))

    def _unscaled(self, out):
        """Network outputs on the scale of the training targets."""
        out = out * self._y_scale + self._y_mean
        return out.ravel() if self._y_ndim == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
