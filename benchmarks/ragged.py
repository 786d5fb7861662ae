"""Recurrent passes over batches of sequences of different lengths, unpacked
against packed.

The estimators run a ragged batch through the recurrent layers without
:func:`torch.nn.utils.rnn.pack_padded_sequence` on the CPU: a one-way cell in
one call over the zero-padded batch, a bidirectional one as two one-way
passes, the backward one over each sequence reversed within its length (see
``_run_recurrent`` in ``sklearn_rnn/_modules.py``). This script times, in
one run and on one thread, both ways on the same layers and batches (lengths
drawn between a third of the width and the width): a training pass (forward
and backward) and a prediction pass (no gradients), and prints the ratio of
unpacked to packed time. Run::

    python benchmarks/ragged.py [--repeats 20]
"""

import argparse
import time

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sklearn_rnn._modules import _recurrent_layers, _run_recurrent

# (batch, width, input features, num_layers): sizes of the benchmarks'
# batches (16 or 64 sequences) around the default hidden size of 64.
SHAPES = [(8, 20, 12, 1), (16, 15, 128, 1), (16, 60, 64, 2), (64, 100, 64, 1)]
HIDDEN = 64


def packed(rnn, x, lengths):
    seqs = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, _ = rnn(seqs)
    return pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]


def unpacked(rnn, x, lengths):
    return _run_recurrent(rnn, x, lengths)[0]


def seconds(run, rnn, x, lengths, train, repeats):
    """Best of ``repeats`` passes (the machine is shared)."""
    best = float("inf")
    for _ in range(repeats + 2):  # two warm-up passes
        start = time.perf_counter()
        if train:
            run(rnn, x, lengths).sum().backward()
        else:
            with torch.no_grad():
                run(rnn, x, lengths)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(0)
    print("unpacked / packed time (best of repeats), one thread")
    print(f"{'cell':<15}{'batch x steps':>15}{'layers':>8}{'train':>8}{'predict':>9}")
    for bidirectional in (False, True):
        for batch, width, n_features, num_layers in SHAPES:
            torch.manual_seed(0)
            rnn = _recurrent_layers(
                "lstm", n_features, HIDDEN, num_layers, bidirectional, 0.0
            )
            x = torch.randn(batch, width, n_features, requires_grad=True)
            lengths = torch.randint(
                width // 3, width + 1, (batch,), generator=generator
            )
            ratios = [
                seconds(unpacked, rnn, x, lengths, train, args.repeats)
                / seconds(packed, rnn, x, lengths, train, args.repeats)
                for train in (True, False)
            ]
            name = "bidirectional" if bidirectional else "one-way"
            print(
                f"{name:<15}{f'{batch} x {width}':>15}{num_layers:>8}"
                f"{ratios[0]:>8.2f}{ratios[1]:>9.2f}"
            )


if __name__ == "__main__":
    main()
