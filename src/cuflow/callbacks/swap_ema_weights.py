"""``SwapEMAWeights``: evaluate (and optionally run epoch-end callbacks) with the optimizer's
exponential moving averages of the weights, as Keras 3. Needs ``use_ema=True``.

Swaps are in place (element copies through a scratch buffer), so every weight keeps its buffer:
a captured CUDA graph still points at the right memory after a swap.
"""

from __future__ import annotations

from .callback import Callback


class SwapEMAWeights(Callback):
    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = bool(swap_on_epoch)
        self._ema_in_model = False

    def _pairs(self):
        opt = self.model.optimizer
        if not getattr(opt, "use_ema", False):
            raise ValueError("SwapEMAWeights requires an optimizer created with use_ema=True; "
                             f"received {type(opt).__name__}(use_ema=False)")
        if not opt.built:
            return []
        return list(zip(opt._trainable_variables, opt._ema))

    def _swap(self):
        for var, avg in self._pairs():
            tmp = var.data.copy()
            var.data[...] = avg.data
            avg.data[...] = tmp
        self._ema_in_model = not self._ema_in_model

    def _finalize(self):
        # fit's end overwrites the weights with the averages; the averages must be back in place
        for var, avg in self._pairs():
            avg.data[...] = var.data

    def on_train_begin(self, logs=None):
        self._pairs()  # fail early, with the reason, when the optimizer keeps no averages

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_in_model:
            self._swap()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_in_model:
            self._swap()
            if self.params and epoch == self.params.get("epochs", 0) - 1:
                self._finalize()

    def on_test_begin(self, logs=None):
        if not self._ema_in_model:
            self._swap()

    def on_test_end(self, logs=None):
        if self._ema_in_model:
            self._swap()

    def on_predict_begin(self, logs=None):
        self.on_test_begin(logs)

    def on_predict_end(self, logs=None):
        self.on_test_end(logs)
