"""Keras layers (``from cuflow.layers import Dense`` as ``from tensorflow.keras.layers ...``)."""

from .base import Layer
from .core import (
    Activation,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    Permute,
    RepeatVector,
    Reshape,
)
from .merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .normalization import BatchNormalization, LayerNormalization
from .symbolic import Input, InputLayer, KerasTensor
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, Masking, SimpleRNN, SimpleRNNCell
from .wrappers import Bidirectional, TimeDistributed, Wrapper
