"""A file's compile config applied to a loaded model: every object resolved by name (with the
loader's ``custom_objects``), nothing imported. The config's layout is the trainer's
(``cuflow.trainers.compile_utils``)."""

from __future__ import annotations

import inspect

from ..trainers.compile_utils import compile_args_from_config


def compile_model(model, compile_config, custom_objects=None):
    """``model.compile`` from a compile config. Keys ``compile`` does not take (Keras-only
    ones) are dropped."""
    config = compile_args_from_config(compile_config, custom_objects)
    accepted = inspect.signature(model.compile).parameters
    config = {k: v for k, v in config.items() if k in accepted}
    model.compile_from_config(config)
