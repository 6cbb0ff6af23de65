"""``cuflow.layers.lora``: the LoRA arguments, checks, messages and config that Dense,
EinsumDense, Embedding and the convolutions share."""

import numpy as np
import pytest

from cuflow import constraints
from cuflow.layers import Conv1D, Dense, Embedding


@pytest.mark.parametrize("make", [lambda r: Dense(4, lora_rank=r),
                                  lambda r: Conv1D(4, 3, lora_rank=r),
                                  lambda r: Embedding(10, 4, lora_rank=r)])
def test_rank_must_be_a_positive_int(make):
    for bad in (0, -1, 2.0):
        with pytest.raises(ValueError, match=f"lora_rank must be a positive int or None; "
                                             f"received lora_rank={bad!r}"):
            make(bad)


def test_alpha_defaults_to_the_rank_and_the_config_round_trips():
    for layer in (Dense(4, lora_rank=2), Conv1D(4, 3, lora_rank=2)):
        assert layer.lora_alpha == 2 and not layer.lora_enabled
        config = layer.get_config()
        assert (config["lora_rank"], config["lora_alpha"]) == (2, 2)
        assert type(layer).from_config(config).lora_rank == 2
    assert "lora_rank" not in Dense(4).get_config()


def test_enable_lora_checks_in_keras_order_and_freezes_the_kernel():
    layer = Conv1D(4, 3)
    with pytest.raises(ValueError, match="Cannot enable lora on a layer that isn't yet built"):
        layer.enable_lora(2)
    layer.build((None, 8, 3))
    layer.enable_lora(2, lora_alpha=4)
    assert layer._lora_scale() == 2.0
    trainable = [id(w) for w in layer.trainable_weights]
    assert id(layer.lora_kernel_a) in trainable and id(layer.lora_kernel_b) in trainable
    assert all(w is not layer._kernel for w in layer.trainable_weights)
    with pytest.raises(ValueError, match="lora is already enabled"):
        layer.enable_lora(2)
    np.testing.assert_allclose(layer.kernel.numpy(), layer._kernel.numpy())  # B starts at 0
    constrained = Dense(3, kernel_constraint=constraints.NonNeg())
    constrained.build((None, 2))
    with pytest.raises(ValueError, match="Lora is incompatible with kernel constraints"):
        constrained.enable_lora(1)
