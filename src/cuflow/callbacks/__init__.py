"""``cuflow.callbacks``: Keras 3 callbacks (``from cuflow.callbacks import EarlyStopping``).

Callbacks see the model through a small interface: ``stop_training``,
``optimizer.learning_rate``, ``get_weights``/``set_weights``, ``save``/``save_weights``.
"""

from ..utils.progbar import Progbar
from .backup_and_restore import BackupAndRestore
from .callback import Callback, LambdaCallback
from .callback_list import CallbackList
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .history import History
from .launch_profiler import LaunchProfiler
from .learning_rate_scheduler import LearningRateScheduler
from .model_checkpoint import ModelCheckpoint
from .progbar_logger import ProgbarLogger, resolve_verbose
from .reduce_lr_on_plateau import ReduceLROnPlateau
from .swap_ema_weights import SwapEMAWeights
from .tensorboard import TensorBoard
from .terminate_on_nan import TerminateOnNaN

__all__ = ["BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
           "LambdaCallback", "LaunchProfiler", "LearningRateScheduler", "ModelCheckpoint",
           "Progbar", "ProgbarLogger", "ReduceLROnPlateau", "SwapEMAWeights", "TensorBoard",
           "TerminateOnNaN",
           "resolve_verbose"]
