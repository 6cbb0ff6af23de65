"""What a layer call needs besides the Layer class: which of cuflow's layers take one tensor,
the masks riding on the inputs, and an out-of-memory error that names the layer."""

from __future__ import annotations

from ..tensor import Tensor
from ..tree import map_structure

# cuflow's own layers that take exactly one tensor, by module (see Layer._single_input)
SINGLE_INPUT_MODULES = frozenset(
    f"cuflow.layers.{m}" for m in (
        "core.dense", "core.embedding",
        "activations.activation", "activations.relu", "activations.leaky_relu", "activations.elu",
        "activations.prelu", "activations.softmax",
        "normalization.batch_normalization", "normalization.layer_normalization",
        "normalization.group_normalization", "normalization.unit_normalization",
        "convolutional.base_conv", "convolutional.conv", "convolutional.conv_transpose",
        "convolutional.depthwise_conv", "convolutional.separable_conv",
        "pooling.base_pooling", "pooling.max_pooling", "pooling.average_pooling",
        "pooling.global_average_pooling", "pooling.global_max_pooling",
        "reshaping.flatten", "reshaping.reshape", "reshaping.permute", "reshaping.repeat_vector",
        "reshaping.base_spatial", "reshaping.up_sampling", "reshaping.zero_padding",
        "reshaping.cropping",
        "regularization.dropout", "regularization.spatial_dropout",
        "regularization.gaussian_noise", "regularization.gaussian_dropout",
        "regularization.activity_regularization", "regularization.alpha_dropout",
        "preprocessing.image.rescaling", "preprocessing.image.normalization",
        "preprocessing.image.resizing", "preprocessing.image.center_crop",
        "preprocessing.image.random_flip", "preprocessing.image.random_warp",
        "preprocessing.image.random_contrast", "preprocessing.image.random_crop",
        "preprocessing.image.random_brightness", "preprocessing.image.random_resize"))


def out_of_memory(layer, inputs, exc):
    """``exc`` (a failed allocation) as cuflow's OutOfMemoryError naming the layer and its
    input shapes."""
    from ..errors import OutOfMemoryError

    if isinstance(exc, OutOfMemoryError):
        return exc
    shapes = map_structure(lambda t: getattr(t, "shape", None), inputs)
    return OutOfMemoryError(f'layer "{layer.name}" ({type(layer).__name__}) ran out of memory on '
                            f"inputs of shape {shapes}: {exc}. Use a smaller batch_size or input "
                            f"size, or mixed precision (mixed_float16)")


def input_masks(inputs):
    """The masks attached to ``inputs`` (as Keras): a tensor's mask, or for a list / tuple of
    tensors the list of their masks (None where all of them are unmasked)."""
    if isinstance(inputs, Tensor):
        return inputs._keras_mask
    if isinstance(inputs, (list, tuple)):
        masks = [t._keras_mask if isinstance(t, Tensor) else None for t in inputs]
        if any(m is not None for m in masks):
            return masks
    return None
