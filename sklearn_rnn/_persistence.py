"""Export of fitted estimators to portable formats.

ONNX: the fitted predictor as one graph, from a float32 batch of sequences
to what ``predict_proba`` (classifier) or ``predict`` (regressor) returns.
onnx is an optional dependency, imported only here and only when used.
"""

import copy
import warnings

import torch
from torch import nn

# An opset that every onnxruntime of the last years runs, with the LSTM, GRU
# and RNN operators in the form torch exports them.
_OPSET = 17


class _Classifier(nn.Module):
    """The network followed by a softmax: class probabilities."""

    def __init__(self, network):
        super().__init__()
        self.network = network

    def forward(self, x):
        return torch.softmax(self.network(x), dim=1)


class _Regressor(nn.Module):
    """The network followed by the unscaling of the targets."""

    def __init__(self, network, mean, scale):
        super().__init__()
        self.network = network
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))

    def forward(self, x):
        return self.network(x) * self.scale + self.mean


def export_onnx(estimator, path, kind):
    """Write the fitted ``estimator`` to ``path`` as an ONNX graph.

    ``kind`` is "proba" for classifiers and "regression" for regressors; the
    graph's input is "x" and its output "probabilities" or "predictions".
    """
    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
    except ImportError as exc:
        raise ImportError(
            "Exporting to ONNX needs the onnx package: pip install "
            '"sklearn_rnn[onnx]" (onnx, and onnxruntime to run the graph).'
        ) from exc
    network = _cpu_copy(estimator.net_.module_)
    if kind == "proba":
        graph, output = _Classifier(network), "probabilities"
    else:
        graph = _Regressor(network, estimator._y_mean, estimator._y_scale)
        output = "predictions"
    graph.eval()
    example = torch.zeros(2, max(estimator.patch_size_, 1) * 2, network.x_mean.numel())
    with warnings.catch_warnings():
        # torch's TorchScript-based exporter warns that it is deprecated in
        # favour of the torch.export-based one, which does not yet handle
        # dynamic time axes through recurrent layers (checked with torch
        # 2.13): the former is the one that exports these networks.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph,
            (example,),
            str(path),
            input_names=["x"],
            output_names=[output],
            dynamic_axes={"x": {0: "batch", 1: "time"}, output: {0: "batch"}},
            opset_version=_OPSET,
            dynamo=False,
        )


def _cpu_copy(module):
    """A CPU copy in eval mode: the export must not move the fitted model."""
    return copy.deepcopy(module).cpu().eval()
