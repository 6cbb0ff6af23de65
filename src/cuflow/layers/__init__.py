"""Keras layers (``from cuflow.layers import Dense`` as ``from tensorflow.keras.layers ...``).

The layers live in folders by kind, as in ``keras/src/layers``: core, activations, attention,
convolutional, pooling, normalization, regularization, reshaping, merging, rnn and
preprocessing/{text, categorical, audio, image}; ``Layer`` is in ``layer.py``.
"""

from .activations.activation import Activation
from .activations.elu import ELU
from .activations.leaky_relu import LeakyReLU
from .activations.prelu import PReLU
from .activations.relu import ReLU
from .activations.softmax import Softmax
from .attention.attention import AdditiveAttention, Attention
from .attention.group_query_attention import GroupQueryAttention
from .attention.multi_head_attention import MultiHeadAttention
from .convolutional.conv import Conv1D, Conv2D, Conv3D, Convolution1D, Convolution2D, Convolution3D
from .convolutional.conv_transpose import (
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3DTranspose,
    Convolution1DTranspose,
    Convolution2DTranspose,
    Convolution3DTranspose,
)
from .convolutional.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D
from .convolutional.separable_conv import (
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
)
from .core.dense import Dense
from .core.einsum_dense import EinsumDense
from .core.embedding import Embedding
from .core.identity import Identity
from .core.input_layer import Input, InputLayer
from .core.keras_tensor import KerasTensor
from .core.lambda_layer import Lambda
from .core.masking import Masking
from .core.wrapper import Wrapper
from .input_spec import InputSpec
from .layer import Layer
from .merging.concatenate import Concatenate, concatenate
from .merging.dot import Dot, dot
from .merging.elementwise import (
    Add,
    Average,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .normalization.batch_normalization import BatchNormalization
from .normalization.group_normalization import GroupNormalization
from .normalization.layer_normalization import LayerNormalization
from .normalization.rms_normalization import RMSNormalization
from .normalization.spectral_normalization import SpectralNormalization
from .normalization.unit_normalization import UnitNormalization
from .pooling.adaptive_average_pooling import (
    AdaptiveAveragePooling1D,
    AdaptiveAveragePooling2D,
    AdaptiveAveragePooling3D,
)
from .pooling.adaptive_max_pooling import (
    AdaptiveMaxPooling1D,
    AdaptiveMaxPooling2D,
    AdaptiveMaxPooling3D,
)
from .pooling.average_pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    AvgPool1D,
    AvgPool2D,
    AvgPool3D,
)
from .pooling.global_average_pooling import (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
)
from .pooling.global_max_pooling import (
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
)
from .pooling.max_pooling import (
    MaxPool1D,
    MaxPool2D,
    MaxPool3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from .preprocessing.audio.mel_spectrogram import MelSpectrogram
from .preprocessing.audio.stft_spectrogram import STFTSpectrogram
from .preprocessing.categorical.category_encoding import CategoryEncoding
from .preprocessing.categorical.discretization import Discretization
from .preprocessing.categorical.hashing import Hashing
from .preprocessing.categorical.integer_lookup import IntegerLookup
from .preprocessing.categorical.string_lookup import StringLookup
from .preprocessing.image.center_crop import CenterCrop
from .preprocessing.image.normalization import Normalization
from .preprocessing.image.random_brightness import RandomBrightness
from .preprocessing.image.random_contrast import RandomContrast
from .preprocessing.image.random_crop import RandomCrop
from .preprocessing.image.random_flip import RandomFlip
from .preprocessing.image.random_resize import RandomHeight, RandomWidth
from .preprocessing.image.random_warp import RandomRotation, RandomTranslation, RandomZoom
from .preprocessing.image.rescaling import Rescaling
from .preprocessing.image.resizing import Resizing
from .preprocessing.text.text_vectorization import TextVectorization
from .regularization.activity_regularization import ActivityRegularization
from .regularization.alpha_dropout import AlphaDropout
from .regularization.dropout import Dropout
from .regularization.gaussian_dropout import GaussianDropout
from .regularization.gaussian_noise import GaussianNoise
from .regularization.spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from .reshaping.cropping import Cropping1D, Cropping2D, Cropping3D
from .reshaping.flatten import Flatten
from .reshaping.permute import Permute
from .reshaping.repeat_vector import RepeatVector
from .reshaping.reshape import Reshape
from .reshaping.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D
from .reshaping.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D
from .rnn.bidirectional import Bidirectional
from .rnn.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from .rnn.gru import GRU, GRUCell
from .rnn.lstm import LSTM, LSTMCell
from .rnn.rnn import RNN
from .rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from .rnn.stacked_rnn_cells import StackedRNNCells
from .rnn.time_distributed import TimeDistributed


def _register():
    import sys

    from ..registration import register_builtin_module

    register_builtin_module(sys.modules[__name__])  # configs may name these classes


_register()
del _register
