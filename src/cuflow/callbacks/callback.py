"""``Callback``: the hooks a training loop calls, all no-ops here, and ``LambdaCallback``."""

from __future__ import annotations


class Callback:
    """Base class for objects that react to training events.

    ``self.model`` is the model being trained, ``self.params`` the loop's parameters
    (``verbose``, ``epochs``, ``steps``). Batch hooks may receive a lazy Mapping whose values
    are computed (a device sync on the GPU) when read: read them only when needed. Epoch hooks
    receive plain dicts of floats, which callbacks may add keys to (``learning_rate``).
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    # The legacy on_batch_* hooks are what on_train_batch_* call by default (Keras does this).
    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


HOOKS = ("on_batch_begin", "on_batch_end", "on_epoch_begin", "on_epoch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
         "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end",
         "on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin",
         "on_predict_end")


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``.

    Any hook name is accepted; epoch hooks take ``(epoch, logs)``, batch hooks
    ``(batch, logs)``, begin/end hooks ``(logs)``.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for name, fn in given.items():
            if name not in HOOKS:
                raise ValueError(f"LambdaCallback got an unknown hook {name!r}; expected one of "
                                 f"{list(HOOKS)}")
            if fn is not None:
                if not callable(fn):
                    raise TypeError(f"LambdaCallback {name} must be callable, received "
                                    f"{type(fn).__name__}")
                setattr(self, name, fn)
