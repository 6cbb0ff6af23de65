"""``cuflow.layers`` as a package: every public name is exported (the same class objects under
``cuflow.keras.layers`` and ``cuflow.preprocessing.layers``), built-ins resolve by name, and
importing it loads nothing above the layers in the stack."""

from __future__ import annotations

import ast
import subprocess
import sys

from cuflow import layers as L


def test_layers_are_exported_and_loadable_by_name():
    from cuflow.saving import registry

    for name in ("StringLookup", "IntegerLookup", "Hashing", "CategoryEncoding",
                 "Discretization", "TextVectorization"):
        assert registry.resolve_class(name) is getattr(L, name)
        assert not getattr(L, name)(**_minimal_args(name)).weights


def _minimal_args(name):
    return {"Hashing": {"num_bins": 2}, "CategoryEncoding": {"num_tokens": 2},
            "Discretization": {"bin_boundaries": [0.0]}}.get(name, {})


def test_keras_and_preprocessing_paths_are_the_same_classes():
    from cuflow.keras import layers as keras_layers
    from cuflow.preprocessing import layers as pre

    for name in ("Dense", "Conv2D", "LSTM", "MultiHeadAttention", "TextVectorization",
                 "StringLookup", "MelSpectrogram", "Rescaling", "Layer", "InputSpec"):
        assert getattr(keras_layers, name) is getattr(L, name)
    for name in pre.__all__:
        assert getattr(pre, name) is getattr(L, name)
    assert L.Input is L.core.input_layer.Input


def test_importing_layers_loads_nothing_above_them():
    code = ("import sys, cuflow.layers; print(sorted({m.split('.')[1] for m in sys.modules "
            "if m.startswith('cuflow.')}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(ast.literal_eval(out.stdout))
    above = {"models", "trainers", "saving", "callbacks", "distribute", "debug", "preprocessing",
             "applications", "datasets", "utils", "cli", "testing", "benchmarking", "keras"}
    assert not loaded & above, loaded & above
