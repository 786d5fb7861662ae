"""RNNForecaster: forecasting with sktime's interface.

``_forecaster`` is the sktime adapter, ``_reduction`` the reduction of
forecasting to sequence regression (pure functions), ``_calibration`` the
prediction intervals.
"""

from ._forecaster import RNNForecaster

__all__ = ["RNNForecaster"]
