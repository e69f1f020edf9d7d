"""Training callbacks with Keras's names, hooks and semantics.

``fit`` wraps the user's callbacks in a :class:`CallbackList`, which adds the run's
:class:`History` (and a :class:`ProgbarLogger` when verbose) and calls every hook on
every callback in order.
"""

from engine.callbacks.base import Callback, CallbackList
from engine.callbacks.csv_logger import CSVLogger
from engine.callbacks.early_stopping import EarlyStopping
from engine.callbacks.history import History
from engine.callbacks.lambda_callback import LambdaCallback
from engine.callbacks.lr_scheduler import LearningRateScheduler
from engine.callbacks.model_checkpoint import ModelCheckpoint, load_weights_npz, save_weights_npz
from engine.callbacks.progbar import ProgbarLogger
from engine.callbacks.reduce_lr import ReduceLROnPlateau
from engine.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
    "load_weights_npz",
    "save_weights_npz",
]
