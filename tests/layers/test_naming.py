"""``cuflow.layers.naming``: Keras-style unique names and the snake-case of class names."""

import pytest

import cuflow as cf
from cuflow.layers import naming


@pytest.mark.parametrize("name,want", [
    ("Dense", "dense"), ("Conv2D", "conv2d"), ("BatchNormalization", "batch_normalization"),
    ("MultiHeadAttention", "multi_head_attention"), ("LSTM", "lstm"), ("GRUCell", "gru_cell"),
    ("already_snake", "already_snake"),
])
def test_snake_case_as_keras(name, want):
    assert naming.to_snake_case(name) == want


def test_unique_names_count_per_base_and_reset_with_the_session():
    cf.backend.clear_session()
    assert [naming.unique_name("probe") for _ in range(3)] == ["probe", "probe_1", "probe_2"]
    assert naming.unique_name("other") == "other"  # each base counts on its own
    cf.backend.clear_session()
    assert naming.unique_name("probe") == "probe"
