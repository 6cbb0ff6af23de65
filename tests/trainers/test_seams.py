"""The seams through which models and trainers reach up the stack: each gives what its caller
needs, and importing the models loads none of the packages above them."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import cuflow
from cuflow.trainers import seams


def test_callback_list_adds_history_and_sets_the_model():
    from cuflow.callbacks import CallbackList, History

    model = object.__new__(cuflow.models.Sequential)
    cbs = seams.callback_list([], add_history=True, add_progbar=False, model=None, epochs=2)
    assert isinstance(cbs, CallbackList)
    assert any(isinstance(c, History) for c in cbs) and cbs.params == {"epochs": 2}
    del model


def test_debug_hooks_offer_what_fit_and_model_call():
    hooks = seams.debug_hooks()
    for name in ("maybe_pick_device", "kernel_verifier", "nan_guard", "kernel_summary",
                 "check_model_gradients"):
        assert callable(getattr(hooks, name)), name
    with hooks.kernel_verifier(None, None):  # off: a context that does nothing
        pass


def test_saving_is_the_package_with_the_file_functions_and_the_registry():
    saving = seams.saving()
    assert saving is cuflow.saving
    assert callable(saving.save_model) and callable(saving.load_weights)
    assert saving.registry.resolve_class("Dense") is cuflow.layers.Dense


def test_importing_and_training_a_model_loads_nothing_above_the_trainers():
    code = textwrap.dedent("""
        import sys
        import numpy as np
        import cuflow
        from cuflow import layers, models
        m = models.Sequential([layers.Input((2,)), layers.Dense(1)])
        m.compile("sgd", "mse")
        m.train_on_batch(np.ones((2, 2), "float32"), np.ones((2, 1), "float32"))
        m.predict_on_batch(np.ones((2, 2), "float32"))
        above = ("callbacks", "debug", "saving", "distribute")
        print(sorted(p for p in above if f"cuflow.{p}" in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**__import__("os").environ, "CUFLOW_DEVICE": "cpu"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout
