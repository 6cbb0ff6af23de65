"""A stand-in for a model: just the interface callbacks use, recording what they do."""

import numpy as np


class FakeOptimizer:
    def __init__(self, learning_rate=0.01):
        self.learning_rate = learning_rate


class FakeModel:
    def __init__(self, learning_rate=0.01):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights = [np.zeros(2)]
        self.saved = []  # (kind, filepath)
        self.history = None

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]

    def save(self, filepath):
        self.saved.append(("model", filepath))

    def save_weights(self, filepath):
        self.saved.append(("weights", filepath))


def run_epochs(callbacks, model, epoch_logs, steps=2, batch_logs=None):
    """Drive fit-like hooks; epoch ``e`` sets weights to [e, e] so restores are visible."""
    from cuflow.callbacks import CallbackList

    cbs = CallbackList(callbacks, add_history=True, model=model, verbose=0,
                       epochs=len(epoch_logs), steps=steps)
    cbs.on_train_begin()
    done = 0
    for epoch, logs in enumerate(epoch_logs):
        cbs.on_epoch_begin(epoch)
        for b in range(steps):
            cbs.on_train_batch_begin(b)
            cbs.on_train_batch_end(b, dict(batch_logs or {"loss": 1.0}))
        model.weights = [np.full(2, float(epoch))]
        cbs.on_epoch_end(epoch, dict(logs))
        done += 1
        if model.stop_training:
            break
    cbs.on_train_end()
    return done
