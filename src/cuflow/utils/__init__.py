"""``cuflow.utils`` mirrors ``keras.utils`` (and ``tf.keras.utils``): a plain list of re-exports
from the submodules. The registry / serialization names load ``cuflow.saving`` on first use."""

from ..trainers.data_adapters import PyDataset, Sequence
from .dataset_utils import ArrayDataset, Dataset, split_dataset
from .directory_dataset import image_dataset_from_directory, text_dataset_from_directory
from .file_utils import get_file
from .image_utils import array_to_img, img_to_array, load_img, save_img
from .np_utils import normalize, to_categorical
from .rng_utils import set_random_seed
from .sequence_utils import pad_sequences
from .timeseries import timeseries_dataset_from_array

_SAVING = {"register_keras_serializable", "get_custom_objects", "custom_object_scope",
           "CustomObjectScope", "get_registered_name", "get_registered_object"}
_SERIALIZATION = {"serialize_keras_object", "deserialize_keras_object"}

__all__ = sorted({"ArrayDataset", "Dataset", "Progbar", "PyDataset", "Sequence", "array_to_img",
                  "get_file", "image_dataset_from_directory", "img_to_array", "load_img",
                  "model_to_dot", "plot_model",
                  "normalize", "pad_sequences", "save_img", "set_random_seed", "split_dataset",
                  "text_dataset_from_directory", "timeseries_dataset_from_array",
                  "to_categorical"} | _SAVING | _SERIALIZATION)


def __getattr__(name):
    if name in _SAVING:
        from .. import registration as registry

        return getattr(registry, name)
    if name in _SERIALIZATION:
        from ..saving import object_serialization

        return getattr(object_serialization, name)
    if name in ("plot_model", "model_to_dot"):
        from . import model_visualization

        return getattr(model_visualization, name)
    if name == "Progbar":
        from .progbar import Progbar

        return Progbar
    raise AttributeError(f"module 'cuflow.utils' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
