"""PyTorch modules. Only torch here: no sklearn, skorch or numpy logic."""

import math
import threading
from numbers import Integral

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
# Crops whose outputs are averaged at prediction when training crops
# (random_crop < 1): see _voting_crops. Measured on the development pool of
# benchmarks/classification.py (2 seeds, random_crop 0.5 to 0.9), no count
# of 3, 5 or 9 was best everywhere (PigCVP at 0.7: 0.707, 0.680, 0.663;
# Coffee at 0.6: 0.661, 0.786, 0.786), and averaging probabilities rather
# than logits moved no set by more than 0.025. 5 is the middle, at the cost
# of five whole-sequence predictions at most.
N_CROPS = 5


class RecurrentNetwork(nn.Module):
    """Many-to-one recurrent network: (batch, time, features) -> (batch, outputs).

    The forward pass standardises the inputs with fixed per-feature buffers,
    turns each patch of ``patch_size`` consecutive timesteps into one
    recurrent step (through a :class:`ConvStem`, or by concatenating its
    values), runs an RNN/LSTM/GRU, and maps the read-out (the final hidden
    state of the last layer, read at each sequence's own last step, both
    directions concatenated when bidirectional, with the mean and max of its
    outputs over steps, and the mean of the stem's features, for
    ``readout="pool"``) through an optional ReLU layer to the outputs.

    Parameters
    ----------
    n_features : int
        Features per timestep of the raw input.
    n_outputs : int
        Size of the output (classes for a classifier, targets for a regressor).
    cell : {"lstm", "gru", "rnn"}
        Recurrent cell; "rnn" is the vanilla tanh RNN.
    hidden_size, num_layers, bidirectional
        As in :class:`torch.nn.LSTM`.
    dropout : float
        Dropout between recurrent layers and before each fully-connected layer.
    fc_size : int or None
        Width of a fully-connected ReLU layer between the recurrent state and
        the output layer; None for a linear read-out.
    patch_size : int
        Number of consecutive timesteps fed to the cell as one step.
    conv_channels : int, (int, int) or None
        Channels of the convolutional stem's first and second convolutions
        (an int: both); None for no stem.
    kernel_size : int
        Width of the stem's first convolution.
    readout : {"pool", "last"} or int
        "last": the final hidden state; "pool": also the mean and the max of
        the last layer's outputs over the observed steps, and the mean of
        the stem's features over them (with a stem). An int ``k``: the last
        layer's outputs at each of the last ``k`` observed steps, through
        the same output layer, give ``k`` consecutive groups of
        ``n_outputs / k`` outputs (a many-to-many read-out; 1 is "last").
    random_crop : float
        In training mode, each sequence is replaced by a random window of
        this fraction of its length (1.0: whole sequences). In eval mode,
        the output is the mean of the outputs for ``n_crops`` windows of
        that length at evenly spaced starts (see :func:`_voting_crops`).
    n_crops : int
        Windows averaged in eval mode when ``random_crop`` < 1; 0 reads
        whole sequences instead.
    min_crop : int
        Steps a window keeps at least (a sequence shorter than that is kept
        whole): ``max(ceil(random_crop * length), min(length, min_crop))``.
    instance_norm : bool
        Also feed each sequence standardised by its own mean and standard
        deviation over its observed steps, per feature, beside the values
        standardised with the training set's (see
        :func:`_own_standardised`).
    """

    # A network pickled before voting (or the minimum, or the stem's mean
    # in the read-out) existed has no n_crops (min_crop, stem_mean) of its
    # own: it keeps predicting as it did.
    n_crops = 0
    min_crop = 1
    stem_mean = False
    instance_norm = False

    def __init__(
        self,
        n_features,
        n_outputs,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        fc_size=None,
        patch_size=1,
        conv_channels=None,
        kernel_size=7,
        readout="last",
        random_crop=1.0,
        n_crops=N_CROPS,
        min_crop=1,
        instance_norm=False,
    ):
        super().__init__()
        self.patch_size = patch_size
        self.instance_norm = instance_norm
        self.readout = readout
        self.random_crop = random_crop
        self.n_crops = n_crops
        self.min_crop = min_crop
        # Filled by the estimator from the training data; buffers so that they
        # move with .to(device) and travel with the state dict and pickles.
        self.register_buffer("x_mean", torch.zeros(n_features))
        self.register_buffer("x_scale", torch.ones(n_features))
        self.stem = None
        # The sequence's own standardisation doubles the features.
        n_inputs = n_features * (2 if instance_norm else 1)
        input_size = n_inputs * patch_size
        if conv_channels:
            self.stem = ConvStem(n_inputs, conv_channels, kernel_size, patch_size)
            input_size = self.stem.conv2.out_channels
        self.rnn = _recurrent_layers(
            cell, input_size, hidden_size, num_layers, bidirectional, dropout
        )
        width = hidden_size * (2 if bidirectional else 1)
        if readout == "pool":
            width *= 3  # last step, mean and max
        # The head maps each of the last k steps to its group of outputs.
        n_outputs //= _read_steps(readout)
        # With "pool", the stem's features averaged over the steps also
        # reach the head, as the convolutional branch of LSTM-FCN (Karim et
        # al. 2017) does: statistics of the whole series, wherever its
        # shapes occur, beside what the cell made of their order.
        self.stem_mean = readout == "pool" and self.stem is not None
        if self.stem_mean:
            width += input_size
        self.head = _head(width, fc_size, dropout, n_outputs)

    def forward(self, x, lengths=None):
        """Map a batch of sequences to outputs.

        Parameters
        ----------
        x : Tensor of shape (batch, time, n_features)
            Sequences aligned at the start. Values past a sequence's length
            are ignored (they may be NaN).
        lengths : Tensor of shape (batch,) or None
            Observed length of each sequence; None when all are full length.
        """
        # Values past a sequence's length (possibly NaN) never reach the
        # output: the stem zeroes them, patching selects observed steps
        # only, and the recurrent layers zero the rest (_run_recurrent).
        # Before cropping: a crop and its whole sequence share a scale.
        return _cropped(self, self._inputs(x, lengths), lengths)

    def _inputs(self, x, lengths):
        """What the layers read: ``x`` standardised with the training set's
        statistics and, with ``instance_norm``, with each sequence's own."""
        x = (x - self.x_mean) / self.x_scale
        if self.instance_norm:
            x = torch.cat([x, _own_standardised(x, lengths)], dim=2)
        return x

    def without_stem_mean(self):
        """Drop the stem's mean from the read-out (for files saved before
        it was read): the head's first layer then reads what it read then."""
        if self.stem_mean:
            self.stem_mean = False
            index, first = first_linear(self.head)
            width = first.in_features - self.stem.conv2.out_channels
            self.head[index] = nn.Linear(width, first.out_features)

    def _forward(self, x, lengths):
        features = None
        if self.stem is not None:
            x, lengths = self.stem(x, lengths)
            features = x
        elif self.patch_size > 1:
            x, lengths = _patch(x, lengths, self.patch_size)
        out, h = _run_recurrent(self.rnn, x, lengths)
        steps = _read_steps(self.readout)
        if steps > 1:
            return self._read_last_steps(out, lengths, steps)
        if self.readout != "pool":  # "last" (or 1)
            return self.head(h)
        if lengths is None:
            read = [h, out.mean(1), out.amax(1)]
            if self.stem_mean:
                read.append(features.mean(1))
            return self.head(torch.cat(read, dim=1))
        lengths = lengths.to(out.device)
        mask = _mask(lengths, out.shape[1])[..., None]
        mean = (out * mask).sum(1) / lengths[:, None]
        top = out.masked_fill(~mask, -torch.inf).amax(1)
        read = [h, mean, top]
        if self.stem_mean:
            # Past a sequence's end the stem's output is not zero (its last
            # convolution's bias): mask it.
            inside = _mask(lengths, features.shape[1])[..., None]
            read.append((features * inside).sum(1) / lengths[:, None])
        return self.head(torch.cat(read, dim=1))

    def _read_last_steps(self, out, lengths, steps):
        """The head on each of the last ``steps`` observed outputs, the
        groups of outputs concatenated oldest first: (batch, n_outputs)."""
        shortest = out.shape[1] if lengths is None else int(lengths.min())
        if shortest < steps:
            raise ValueError(
                f"readout={steps} reads the outputs of the last {steps} steps, "
                f"but a sequence has {shortest} (after patches of "
                f"{self.patch_size} timesteps). Give longer sequences, a smaller "
                "readout or patch_size=1."
            )
        if lengths is None:
            last = out[:, -steps:]
        else:
            offsets = torch.arange(-steps, 0, device=out.device)
            last = _at_steps(out, lengths.to(out.device)[:, None] + offsets)
        return self.head(last).flatten(1)


def _read_steps(readout):
    """How many of the last steps the head reads (1 for "last" and "pool")."""
    return readout if isinstance(readout, Integral) else 1


class ConvStem(nn.Module):
    """Convolutions at several scales, max over each patch, convolution.

    The first convolutions read the series at scales 1, 2, 4, ... (see
    :func:`_scales`): at scale ``d``, the mean of each ``d`` consecutive
    steps, so that the same kernel detects shapes from a few steps long
    (scale 1, every timestep) to a patch long, as the downsampled branches
    of the multi-scale CNN of Cui et al. (2016) and MiniRocket's dilations
    do; shapes longer than a patch are the recurrent cell's work. Each is
    shift-invariant (the same weights at every position), and its maximum
    over each patch of ``patch_size`` steps shortens the series for the
    recurrent cell while keeping a feature wherever it occurs in the
    patch. A coarse scale costs what a dilated kernel would at full
    resolution divided by ``d``. As without the stem, a sequence is padded
    at its start with zeros (the standardised mean) to whole patches.
    Values past its length are zeroed before each convolution, as the
    convolution's own padding would be for the sequence alone, and there
    is no batch normalisation: the output never depends on the rest of
    the batch. ``channels`` are those of the first convolutions (shared
    between the scales) and of the second, or an int for both.

    ``scales`` and ``dilated`` rebuild the stems of files saved by earlier
    versions (see :meth:`as_saved`); by default, the scales of
    :func:`_scales`, each read as means.
    """

    def __init__(
        self, n_features, channels, kernel_size, patch_size, scales=None, dilated=False
    ):
        super().__init__()
        self.patch_size = patch_size
        first, out = _stem_channels(channels)
        # The first convolutions' channels are shared between the scales
        # (the finest takes the remainder): a stem has as many weights
        # whatever the patch.
        if scales is None:
            scales = _scales(kernel_size, patch_size)
        scales = scales[:first]
        widths = [first // len(scales)] * len(scales)
        widths[0] += first - sum(widths)
        # An even kernel is padded by _pad_same, as torch would pad it for
        # "same" (which then warns that it copies the input).
        same = "same" if kernel_size % 2 else 0
        self.conv1 = nn.Conv1d(n_features, widths[0], kernel_size, padding=same)
        coarser = zip(scales[1:], widths[1:], strict=True)
        if dilated:
            # Files saved before the coarse scales: dilated kernels over
            # every timestep (d times the cost of a scale's).
            self.dilated = nn.ModuleList(
                nn.Conv1d(n_features, w, kernel_size, dilation=d) for d, w in coarser
            )
        else:
            self.coarse = nn.ModuleList(
                nn.Conv1d(n_features, w, kernel_size, padding=same) for _, w in coarser
            )
        self.conv2 = nn.Conv1d(first, out, 3, padding="same")

    def as_saved(self, state, prefix="stem."):
        """The stem that ``state`` (a state dict saved by any version)
        holds, for the same parameters: this one, or one of the layouts of
        earlier files. Files saved before the coarse scales hold dilated
        convolutions at full resolution (``dilated``); files saved before
        those hold one convolution of all the first channels, whatever the
        patch."""
        if f"{prefix}dilated.0.weight" in state:
            scales = _scales(self._kernel_size, self.patch_size, whole=False)
            return self._rebuilt(scales, dilated=True)
        if len(self.coarse) and f"{prefix}coarse.0.weight" not in state:
            return self._rebuilt([1])
        return self

    def extra_repr(self):
        coarse = getattr(self, "coarse", None)
        if coarse is None:
            return ""
        return f"scales={tuple(2**i for i in range(len(coarse) + 1))}"

    @property
    def _kernel_size(self):
        return self.conv1.kernel_size[0]

    def _rebuilt(self, scales, dilated=False):
        return ConvStem(
            self.conv1.in_channels,
            (self.conv2.in_channels, self.conv2.out_channels),
            self._kernel_size,
            self.patch_size,
            scales=scales,
            dilated=dilated,
        )

    def forward(self, x, lengths):
        """(batch, time, features) -> (batch, patches, channels), lengths."""
        p = self.patch_size
        if p > 1:
            # Whole patches, each sequence padded at its start with zeros
            # (the standardised mean) and zeroed past its end: cheap on the
            # raw features, and then no per-sequence work at full length.
            x, lengths = _patch(x, lengths, p)
            x = x.reshape(x.shape[0], -1, self.conv1.in_channels)
        elif lengths is not None:
            lengths = lengths.to(x.device)
            x = x.masked_fill(~_mask(lengths, x.shape[1])[..., None], 0)
        # Channels first, the layout of Conv1d, until the recurrent cell.
        # Past its end a sequence is zero, as the convolution's own padding
        # would be for that sequence alone.
        h = self._first_maxima(x.transpose(1, 2), p)
        h = torch.cat(h, 1) if len(h) > 1 else h[0]
        # ReLU after the maximum: the same result (ReLU is increasing) on p
        # times less data.
        h = torch.relu(h)
        if lengths is not None:
            h = h.masked_fill(~_mask(lengths.to(h.device), h.shape[2])[:, None], 0)
        h = torch.relu(self.conv2(h))
        return h.transpose(1, 2), lengths

    def _first_maxima(self, x, p):
        """Each first convolution's maximum over each patch, before they
        are joined: p times less data to concatenate (and to split in the
        backward pass)."""
        coarse = getattr(self, "coarse", None)
        if coarse is None:
            # A stem pickled before the coarse scales (with dilated
            # convolutions, or, before those, none).
            convs = [self.conv1, *getattr(self, "dilated", ())]
            return [_patch_max(conv(_pad_same(x, conv)), p) for conv in convs]
        maxima = [_patch_max(self.conv1(_pad_same(x, self.conv1)), p)]
        for conv in coarse:
            # The mean of each pair of steps: scale d reads means over d
            # steps. Patches hold whole pairs (scales divide the patch);
            # slices are 7 times faster than avg_pool1d here.
            x = (x[..., ::2] + x[..., 1::2]) * 0.5
            p //= 2
            maxima.append(_patch_max(conv(_pad_same(x, conv)), p))
        return maxima


def _pad_same(x, conv):
    """Zeros on both sides of ``x``, as ``padding="same"`` would add for
    ``conv``: ONNX Runtime has no dilated convolution with "same" padding,
    and torch copies the input for an even kernel. (Nothing for a
    convolution that pads itself.)"""
    if conv.padding == "same":
        return x
    total = conv.dilation[0] * (conv.kernel_size[0] - 1)
    return nn.functional.pad(x, (total // 2, total - total // 2))


def _patch_max(h, p):
    """The maximum of each channel over each patch of ``p`` steps."""
    return nn.functional.max_pool1d(h, p) if p > 1 else h


def _scales(kernel_size, patch_size, whole=True):
    """Scales of the stem's first convolutions: 1, 2, 4, ... while
    ``(kernel_size - 1)`` times the next scale is at most the patch and
    (``whole``) the scale divides the patch.

    The coarsest then sees shapes as long as a patch (its kernel reads
    ``kernel_size * scale`` steps: at most one mean more than a patch), the
    finest every timestep. Patches shorter than ``2 * (kernel_size - 1)`` steps (12
    with the default width 7) keep scale 1 alone. ``whole=False`` gives
    the dilations of files saved before the coarse scales, which did not
    need to divide the patch.
    """
    scales = [1]
    while kernel_size > 1 and (kernel_size - 1) * scales[-1] * 2 <= patch_size:
        if whole and patch_size % (scales[-1] * 2):
            break
        scales.append(scales[-1] * 2)
    return scales


def whole_patch(kernel_size, patch_size, channels):
    """The smallest patch from ``patch_size`` up that the coarsest scale of
    a stem of ``channels`` divides, so that the stem reads every scale its
    span allows (a patch of 125 steps becomes 128, with scales 1 to 16)."""
    first, _ = _stem_channels(channels)
    coarsest = _scales(kernel_size, patch_size, whole=False)[:first][-1]
    return -(-patch_size // coarsest) * coarsest


def _stem_channels(channels):
    """The channels of the stem's first convolutions and of its second."""
    return (channels, channels) if isinstance(channels, Integral) else channels


def _cropped(network, x, lengths):
    """``network._forward`` on random crops (training) or on the mean over
    voting crops (eval) when ``network.random_crop`` < 1, else as it is."""
    crop = (network.random_crop, network.min_crop)
    if network.random_crop < 1 and not _whole_windows(x, lengths, *crop):
        if network.training:
            # The estimator lends a seeded private generator while it trains
            # (see _base._crop_generator); without one, the global one.
            generator = getattr(network, "crop_generator", None)
            x, lengths = _random_crop(x, lengths, *crop, generator=generator)
        elif network.n_crops:
            return _vote(network._forward, x, lengths, crop, network.n_crops)
    return network._forward(x, lengths)


def _random_crop(x, lengths, fraction, min_steps=1, generator=None):
    """A random window of ``ceil(fraction * length)`` steps of each sequence.

    Windows start at independent random steps, drawn on the CPU from
    ``generator`` (torch's global one if None), whatever the device of
    ``x``. Sequences of equal length stay of equal length, so the batch
    needs no lengths.
    """
    full, keep = _crop_lengths(x, lengths, fraction, min_steps)
    draws = torch.rand(x.shape[0], generator=generator).to(x.device)
    start = (draws * (full - keep + 1)).long()
    return _window(x, lengths, keep, start)


def _whole_windows(x, lengths, fraction, min_steps):
    """Whether every window of the batch would be its whole sequence.

    Then cropping and voting change nothing but the cost: with
    ``random_crop="auto"``, sequences of up to 64 steps train and predict
    at the price of whole sequences. Never while exporting to ONNX: the
    graph must vote for inputs of any length.
    """
    if torch.onnx.is_in_onnx_export():
        return False
    longest = x.shape[1] if lengths is None else int(lengths.max())
    # Shorter sequences then also keep every step (see _crop_lengths).
    return max(math.ceil(fraction * longest), min_steps) >= longest


def _voting_crops(x, lengths, fraction, min_steps, n_crops):
    """``n_crops`` windows of each sequence, as in training, for voting.

    Each window has the ``ceil(fraction * length)`` steps of a training
    crop; their starts are evenly spaced from the first step to the last
    possible one, so that together they cover the whole sequence and the
    result is deterministic. Returns the windows of crop ``k`` of every
    sequence at rows ``k * batch`` to ``(k + 1) * batch`` (one forward pass
    for all of them) and their lengths (None when all are equal).
    """
    full, keep = _crop_lengths(x, lengths, fraction, min_steps)
    # Exact integer spacing (no float rounding): start_k = k * room // (K - 1).
    room = full - keep
    ks = torch.arange(n_crops, device=x.device)
    start = (ks[:, None] * room[None, :]) // max(n_crops - 1, 1)
    x = x.repeat(n_crops, 1, 1)
    lengths = None if lengths is None else lengths.repeat(n_crops)
    return _window(x, lengths, keep.repeat(n_crops), start.reshape(-1))


def _crop_lengths(x, lengths, fraction, min_steps):
    """Each sequence's length, and the ``ceil(fraction * length)`` steps kept,
    at least ``min_steps`` (or the whole sequence, if shorter)."""
    batch, time, _ = x.shape
    full = (
        torch.full((batch,), time, dtype=torch.int64, device=x.device)
        if lengths is None
        else lengths.to(x.device)
    )
    keep = torch.ceil(full * fraction).long()
    return full, torch.maximum(keep, full.clamp(max=min_steps)).clamp_min(1)


def _window(x, lengths, keep, start):
    """``keep[i]`` consecutive steps of sequence ``i`` from step ``start[i]``.

    Steps past a window's end are copies of later steps or of padding (NaN,
    maybe), and are never read: the window's length says where it ends.
    """
    _, time, n_features = x.shape
    index = (start[:, None] + torch.arange(time, device=x.device)).clamp(max=time - 1)
    x = x.gather(1, index[..., None].expand(-1, -1, n_features))
    if lengths is None:
        # Every window has the same length; narrow with a tensor length so
        # that an ONNX export keeps the time axis dynamic.
        return x[:, : keep[0]], None
    return x[:, : int(keep.max())], keep


def _vote(forward, x, lengths, crop, n_crops):
    """The mean of ``forward``'s outputs over the voting crops of each
    sequence (logits, for a classifier: each crop has one vote, weighted
    by its confidence)."""
    batch = x.shape[0]
    x, lengths = _voting_crops(x, lengths, *crop, n_crops)
    return forward(x, lengths).reshape(n_crops, batch, -1).mean(0)


# Standard deviation below which a sequence counts as constant (in units of
# the training set's), plus this share of its mean's size: float32 rounds
# the mean of a constant sequence by up to a few units of its last place,
# and dividing that residue by its own tiny spread gave an "own copy" of
# order 1 that also varied with the padding of the batch. Such sequences'
# own copy is zero.
_MIN_OWN_STD = 1e-6
_MIN_OWN_STD_RELATIVE = 2.0**-18  # 32 units in the last place of float32


def _own_standardised(x, lengths):
    """Each sequence standardised by its own mean and standard deviation
    over its observed steps, per feature.

    Where amplitudes differ by orders of magnitude between sequences (the
    current drawn by a laptop and by a heater), the training set's
    standardisation leaves the small ones near zero and their shapes out
    of reach; their own standardisation puts every shape on one scale,
    while the values standardised with the training set's statistics keep
    the amplitude. Steps past a sequence's end stay as they are (ignored
    downstream).
    """
    # Moments of each sequence's steps minus its first (observed in every
    # sequence): summed as they are, values far from zero (a small
    # oscillation around a large offset) carry the rounding of their offset,
    # which depends on the padded length of the batch and, divided by their
    # own small spread, reached 1e-2 after standardising: a sequence's
    # prediction then changed with the rest of its batch.
    shift = x[:, :1]
    steps = x - shift
    if lengths is None:
        offset = steps.mean(1, keepdim=True)
        centred = steps - offset
        var = (centred**2).mean(1, keepdim=True)
    else:
        inside = _mask(lengths.to(x.device), x.shape[1])[..., None]
        n = lengths.to(x.device, x.dtype)[:, None, None]
        offset = steps.masked_fill(~inside, 0).sum(1, keepdim=True) / n
        centred = steps - offset
        var = (centred.masked_fill(~inside, 0) ** 2).sum(1, keepdim=True) / n
    mean = shift + offset
    # Moments that overflowed are not flat: their NaN reaches the outputs,
    # where predict names the sequence. (An infinite variance would give
    # a standard deviation that divides every step to zero.)
    std = var.sqrt().masked_fill(~var.isfinite(), math.nan)
    flat = (std <= _MIN_OWN_STD + _MIN_OWN_STD_RELATIVE * mean.abs()) & std.isfinite()
    # The (batch, 1, features) mask broadcasts over the steps: no second
    # batch-sized tensor of zeros per forward pass.
    return (centred / std.clamp_min(_MIN_OWN_STD)).masked_fill(flat, 0.0)


def _mask(lengths, time):
    """(batch, time) boolean mask of the steps inside each sequence."""
    return torch.arange(time, device=lengths.device) < lengths[:, None]


def _patch(x, lengths, p):
    """Group consecutive timesteps so that each patch ends on the last one.

    Sequences are padded at the start (with zeros, the standardised mean)
    to a multiple of ``p``: the most recent observation then
    always closes the final patch, whatever the sequence length.
    """
    batch, time, n_features = x.shape
    if lengths is None:
        pad = -time % p
        x = nn.functional.pad(x, (0, 0, pad, 0))
        return x.reshape(batch, -1, p * n_features), None
    lengths = lengths.to(x.device)
    shift = -lengths % p
    steps = torch.arange(time + p - 1, device=x.device)
    source = steps[None, :] - shift[:, None]
    valid = (source >= 0) & (source < lengths[:, None])
    index = source.clamp(0, time - 1)[..., None].expand(-1, -1, n_features)
    x = torch.where(valid[..., None], x.gather(1, index), 0.0)
    n_patches = (time + p - 1) // p
    x = x[:, : n_patches * p].reshape(batch, n_patches, p * n_features)
    return x, (lengths + shift) // p


def _recurrent_layers(
    cell, input_size, hidden_size, num_layers, bidirectional, dropout
):
    """The batch-first recurrent layers, with orthogonal recurrent weights."""
    rnn = CELLS[cell](
        input_size=input_size,
        hidden_size=hidden_size,
        num_layers=num_layers,
        batch_first=True,
        dropout=dropout if num_layers > 1 else 0.0,
        bidirectional=bidirectional,
    )
    _init_recurrent(rnn)
    return rnn


def _run_recurrent(rnn, x, lengths):
    """Run batch-first recurrent layers on sequences aligned at the start.

    Returns the last layer's outputs, (batch, time, directions * hidden),
    and each sequence's final state, (batch, directions * hidden): the
    state after its last observed step, both directions concatenated.
    Outputs past a sequence's ``lengths`` are finite but meaningless.
    """
    if lengths is None:
        return _last_states(rnn, *rnn(x))
    if rnn.bidirectional and (x.device.type != "cpu" or _has_hooks(rnn)):
        # Packed, so that the backward direction starts at each sequence's
        # own last step. cuDNN runs packed batches in one call, and the
        # unpacked passes below would make it move the weights (that they
        # lend to a shell) into one buffer at every call. They would also
        # bypass hooks on ``rnn`` (pruning, for one).
        packed = pack_padded_sequence(
            x, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        out, state = rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return _last_states(rnn, out, state)
    lengths = lengths.to(x.device)
    # The padding is zeroed so that the states it leads to stay finite and
    # no NaN reaches the gradients through them.
    x = x.masked_fill(~_mask(lengths, x.shape[1])[..., None], 0.0)
    if rnn.bidirectional:
        return _bidirectional_unpacked(rnn, x, lengths)
    # A one-way cell never reads ahead: a step's output does not depend on
    # what follows it, so the padded batch runs in one call and each
    # sequence's final state is its output at its last step. Packing gives
    # the same numbers, but on the CPU it loops over shrinking batches and
    # slices: training passes took 2.3 to 3.7 times as long, predictions 1.5
    # to 2.1 times (benchmarks/ragged.py).
    out, _ = rnn(x)
    return out, _at_steps(out, lengths - 1)


def _last_states(rnn, out, state):
    """``out`` and the last layer's final state (both directions)."""
    h_n = state[0] if isinstance(state, tuple) else state  # LSTM: (h, c)
    if rnn.bidirectional:
        return out, torch.cat((h_n[-2], h_n[-1]), dim=1)
    return out, h_n[-1]


def _has_hooks(module):
    """Whether forward hooks or pre-hooks are registered on ``module``."""
    return bool(module._forward_hooks or module._forward_pre_hooks)


def _bidirectional_unpacked(rnn, x, lengths):
    """Both directions of ``rnn`` as one-way passes over the padded batch.

    The backward direction reads each sequence reversed within its own
    length, padding still last, so it starts at the sequence's last step as
    with packing; its outputs are put back in time order. On the CPU,
    training passes (forward and backward) took 0.31 to 0.53 times as long
    as packed ones, predictions 0.55 to 1.10 times (benchmarks/ragged.py,
    two runs).
    """
    reverse = _reversal(lengths, x.shape[1])
    for layer in range(rnn.num_layers):
        cell = _shell(rnn, x.shape[2])
        forward = _one_direction(cell, rnn, layer, "", x)
        backward = _one_direction(cell, rnn, layer, "_reverse", _at_steps(x, reverse))
        backward = _at_steps(backward, reverse)
        x = torch.cat((forward, backward), dim=2)
        if layer < rnn.num_layers - 1:  # nn.LSTM's dropout: between layers
            x = nn.functional.dropout(x, rnn.dropout, rnn.training)
    return x, torch.cat((_at_steps(forward, lengths - 1), backward[:, 0]), dim=1)


def _shell(rnn, input_size):
    """A one-layer one-way cell like ``rnn``'s on the meta device: it only
    lends its forward to functional_call, its own weights never exist.

    Built once per thread and shape, not at every batch: building one took
    about an eighth of a bidirectional prediction pass (16 sequences of 30
    steps). Not shared between threads: functional_call swaps the weights
    on the module it calls, which threaded fits would race on.
    """
    options = {"nonlinearity": rnn.nonlinearity} if isinstance(rnn, nn.RNN) else {}
    key = (type(rnn), input_size, rnn.hidden_size, rnn.bias, *options.values())
    shells = _SHELLS.__dict__.setdefault("by_key", {})
    if key not in shells:
        shells[key] = type(rnn)(
            input_size,
            rnn.hidden_size,
            bias=rnn.bias,
            batch_first=True,
            device="meta",
            **options,
        )
    return shells[key]


_SHELLS = threading.local()


def _one_direction(cell, rnn, layer, suffix, x):
    """Outputs of one direction (``suffix`` "" or "_reverse") of one layer
    of ``rnn``, run by ``cell`` (see :func:`_shell`) on its weights."""
    names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if rnn.bias else [])
    weights = {f"{n}_l0": getattr(rnn, f"{n}_l{layer}{suffix}") for n in names}
    return torch.func.functional_call(cell, weights, (x,))[0]


def _reversal(lengths, time):
    """(batch, time) step indices that reverse each sequence within its
    length and leave the padding after it in place (an involution)."""
    steps = torch.arange(time, device=lengths.device)
    last = lengths[:, None] - 1
    return torch.where(steps <= last, last - steps, steps)


def _at_steps(values, steps):
    """``values`` (batch, time, width) at per-sequence ``steps``: (batch,
    width) for steps of shape (batch,), (batch, n, width) for (batch, n)."""
    batch, time, width = values.shape
    rows = steps if steps.dim() == 2 else steps[:, None]
    rows = rows + time * torch.arange(batch, device=steps.device)[:, None]
    # index_select on the flattened rows: a gather with an index expanded
    # over the width took ten times as long.
    picked = values.reshape(batch * time, width).index_select(0, rows.flatten())
    picked = picked.reshape(batch, -1, width)
    return picked if steps.dim() == 2 else picked[:, 0]


def first_linear(head):
    """``(index, layer)`` of the first linear layer of a head (after the
    dropout that may precede it)."""
    return next((i, m) for i, m in enumerate(head) if isinstance(m, nn.Linear))


def _head(width, fc_size, dropout, n_outputs):
    """Dropout, an optional ReLU layer of ``fc_size``, and the output layer."""
    layers = [nn.Dropout(dropout)] if dropout > 0 else []
    if fc_size:
        layers += [nn.Linear(width, fc_size), nn.ReLU()]
        layers += [nn.Dropout(dropout)] if dropout > 0 else []
        width = fc_size
    layers.append(nn.Linear(width, n_outputs))
    return nn.Sequential(*layers)


def _init_recurrent(rnn):
    """Orthogonal recurrent weight matrices, one per gate.

    An orthogonal matrix preserves the norm of the state it multiplies, so
    the signal (and the gradient) of early timesteps neither explodes nor
    vanishes at initialisation; this shortens the initial plateau where the
    network ignores the past. Measured on GunPoint: 10 seeds all above 0.92
    test accuracy, against one seed in ten stuck at chance with torch's
    uniform default.
    """
    for name, param in rnn.named_parameters():
        if name.startswith("weight_hh"):
            for block in param.data.chunk(param.shape[0] // param.shape[1]):
                nn.init.orthogonal_(block)


# Target value of the timesteps that do not count in the tagging loss
# (padding): the default ignore_index of torch's cross-entropy.
IGNORE_INDEX = -100


class TimestepNetwork(nn.Module):
    """Many-to-many recurrent network: one output vector per (patch of) step.

    ``forward`` returns ``(logits, lengths)``: ``logits`` of shape (batch,
    time, n_outputs), aligned at the start, and the number of valid output
    steps of each sequence (a CPU int64 tensor). Outputs past a sequence's
    length are meaningless and must be masked by the loss.

    With ``patch_size`` p > 1, p consecutive timesteps are fed to the cell as
    one step (padded with zeros, the standardised mean, at the end). With
    ``expand_patches`` the head emits p output vectors per recurrent step, so
    that there is still exactly one output per input timestep (tagging);
    without it, one output per patch (CTC, which only needs enough frames).

    Parameters are those of :class:`RecurrentNetwork`, plus ``expand_patches``.
    """

    def __init__(
        self,
        n_features,
        n_outputs,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=True,
        dropout=0.0,
        fc_size=None,
        patch_size=1,
        expand_patches=True,
    ):
        super().__init__()
        self.patch_size = patch_size
        self.n_outputs = n_outputs
        self.expand_patches = expand_patches
        self.register_buffer("x_mean", torch.zeros(n_features))
        self.register_buffer("x_scale", torch.ones(n_features))
        self.rnn = _recurrent_layers(
            cell,
            n_features * patch_size,
            hidden_size,
            num_layers,
            bidirectional,
            dropout,
        )
        width = hidden_size * (2 if bidirectional else 1)
        per_step = patch_size if expand_patches else 1
        self.head = _head(width, fc_size, dropout, n_outputs * per_step)

    def forward(self, x, lengths=None):
        """Map a batch of sequences to per-step outputs.

        Parameters
        ----------
        x : Tensor of shape (batch, time, n_features)
            Sequences aligned at the start. Values past a sequence's length
            are ignored (they may be NaN).
        lengths : Tensor of shape (batch,) or None
            Observed length of each sequence; None when all are full length.
        """
        batch, time, n_features = x.shape
        x = (x - self.x_mean) / self.x_scale
        observed = (
            torch.full((batch,), time, dtype=torch.int64)
            if lengths is None
            else lengths.cpu()
        )
        p = self.patch_size
        steps = observed
        if p > 1:
            if lengths is not None:
                # Padding may be NaN; inside a patch it is read, so zero it.
                inside = (
                    torch.arange(time, device=x.device) < lengths.to(x.device)[:, None]
                )
                x = torch.where(inside[..., None], x, 0.0)
            x = nn.functional.pad(x, (0, 0, 0, -time % p))
            x = x.reshape(batch, -1, p * n_features)
            steps = (observed + p - 1) // p
        out, _ = _run_recurrent(self.rnn, x, None if lengths is None else steps)
        logits = self.head(out)
        if self.expand_patches and p > 1:
            logits = logits.reshape(batch, -1, self.n_outputs)[:, :time]
            return logits, observed
        return logits, steps


class TimestepCrossEntropy(nn.Module):
    """Cross-entropy averaged over the observed timesteps of a batch.

    Takes the ``(logits, lengths)`` of :class:`TimestepNetwork` and targets
    of shape (batch, max_length) holding ``IGNORE_INDEX`` past each
    sequence's length; the targets are cut to the batch's width.
    """

    def forward(self, output, target):
        logits, _ = output
        target = target[:, : logits.shape[1]]
        return nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]),
            target.reshape(-1),
            ignore_index=IGNORE_INDEX,
        )


class CTCLoss(nn.Module):
    """Connectionist temporal classification loss on network outputs.

    Takes the ``(logits, lengths)`` of :class:`TimestepNetwork` and targets
    of shape (batch, max_labels): class indices from 1, the blank being 0,
    padded with 0 after each label sequence (so the length of a label
    sequence is its number of non-zero entries).

    ``zero_infinity`` stays False: an input too short for its labels has an
    infinite loss, and a silently zeroed loss would hide it. The estimator
    rejects such inputs before training, so the loss is always finite.
    """

    def forward(self, output, target):
        logits, lengths = output
        log_probs = logits.float().log_softmax(dim=-1).transpose(0, 1)
        return nn.functional.ctc_loss(
            log_probs,
            target,
            lengths,
            (target > 0).sum(dim=1),
            blank=0,
            reduction="mean",
            zero_infinity=False,
        )


class CustomNetwork(nn.Module):
    """A user's many-to-one module behind the estimators' standardisation.

    The user's module gets ``forward(x, lengths)``: ``x`` float32 (batch,
    time, features) standardised per feature with the buffers held here,
    and zero (the standardised mean) past each sequence's length, never NaN;
    ``lengths`` int64 (batch,) on the device of ``x``, or None when every
    sequence of the batch has full length. It must return (batch,
    n_outputs); anything else is an error naming the expected shape, at the
    first batch.

    Parameters
    ----------
    module : nn.Module
        The user's module, built.
    n_features : int
        Features per timestep of the raw input.
    n_outputs : int
        Size of the output the estimator expects.
    random_crop : float
        In training mode, each sequence is replaced by a random window of
        this fraction of its length (1.0: whole sequences), before the
        module sees it. In eval mode, the output is the mean of the
        module's outputs for ``n_crops`` such windows at evenly spaced
        starts, passed to it as one batch.
    n_crops, min_crop : int
        As for :class:`RecurrentNetwork`.
    """

    # A network pickled before voting (or the minimum) existed has no
    # n_crops (min_crop) of its own: it keeps predicting as it did.
    n_crops = 0
    min_crop = 1

    def __init__(
        self,
        module,
        n_features,
        n_outputs,
        random_crop=1.0,
        n_crops=N_CROPS,
        min_crop=1,
    ):
        super().__init__()
        self.register_buffer("x_mean", torch.zeros(n_features))
        self.register_buffer("x_scale", torch.ones(n_features))
        self.module = module
        self.n_outputs = n_outputs
        self.random_crop = random_crop
        self.n_crops = n_crops
        self.min_crop = min_crop

    def forward(self, x, lengths=None):
        x = (x - self.x_mean) / self.x_scale
        return _cropped(self, x, lengths)

    def _forward(self, x, lengths):
        if lengths is not None:
            lengths = lengths.to(x.device)
            # Padding may hold NaN (a list's shorter sequences): a user's
            # mask that multiplies by 0 would still give NaN.
            x = x.masked_fill(~_mask(lengths, x.shape[1])[..., None], 0.0)
        out = self.module(x, lengths)
        expected = (x.shape[0], self.n_outputs)
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != expected:
            got = (
                f"a tensor of shape {tuple(out.shape)}"
                if isinstance(out, torch.Tensor)
                else f"a {type(out).__name__}"
            )
            raise ValueError(
                f"The module {type(self.module).__name__} returned {got} for a "
                f"batch of {x.shape[0]} sequences; expected a tensor of shape "
                f"(batch, n_outputs) = {expected}: one row per sequence, one "
                "column per class (classifier) or target (regressor). Reduce "
                "over the time axis inside the module (for instance the output "
                "at each sequence's last step, lengths - 1)."
            )
        return out
