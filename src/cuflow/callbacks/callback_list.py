"""``CallbackList``: the callbacks of one fit/evaluate/predict call, called in order."""

from __future__ import annotations

from ..tree import flatten
from .callback import HOOKS, Callback
from .history import History
from .progbar_logger import ProgbarLogger


class CallbackList(Callback):
    """Holds callbacks and forwards every hook to each of them in order.

    Like Keras, ``add_history`` appends a History and ``add_progbar`` a ProgbarLogger unless
    the user passed one; both go after the user's callbacks, so they see keys (such as
    ``learning_rate``) that user callbacks add to the epoch logs. ``model.history`` is set to the
    History. Extra keyword arguments become ``params`` (``verbose``, ``epochs``, ``steps``).
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = flatten(callbacks, skip_none=True)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback instances, received "
                                f"{type(cb).__name__} ({cb!r})")
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)
        if self.model is not None:
            callback.set_model(self.model)
        if self.params is not None:
            callback.set_params(self.params)

    def set_params(self, params):
        super().set_params(params)
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)


def _forward(name):
    # logs always passed positionally, as Keras does, so LambdaCallback's
    # on_train_end=lambda logs: ... works when the loop calls on_train_end() without logs
    if "epoch" in name or "batch" in name:
        def hook(self, index, logs=None):
            for cb in self.callbacks:
                getattr(cb, name)(index, logs)
    else:
        def hook(self, logs=None):
            for cb in self.callbacks:
                getattr(cb, name)(logs)

    hook.__name__ = name
    hook.__doc__ = f"Call ``{name}`` on every callback."
    return hook


# Every hook is forwarded as-is and each callback resolves its own on_batch_* aliases (the
# base on_train_batch_* call them), so nothing is called twice.
for _name in HOOKS:
    setattr(CallbackList, _name, _forward(_name))
del _name

