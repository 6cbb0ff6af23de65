"""``cuflow predict``: a saved model on a ``.npy`` input; labels printed or saved."""

from __future__ import annotations

from ._errors import UsageError
from .paths import save_npy, writable_output


def load_inputs(path):
    """A numeric array from a ``.npy`` file, or a UsageError saying what the file holds."""
    import numpy as np

    try:
        with open(path, "rb") as f:
            magic = f.read(6)
        if magic[:4] != b"PK\x03\x04" and magic != b"\x93NUMPY":
            # np.load would try to unpickle it and advise allow_pickle=True: never that
            raise UsageError(f"{path} is not a NumPy .npy array file; expected an array saved "
                             f"with numpy.save")
        x = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except ValueError:  # a .npy of Python objects: it would need unpickling
        raise UsageError(f"{path} holds Python objects (pickled data), which cuflow never "
                         f"loads; expected an array of numbers saved with numpy.save") from None
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e}") from None
    if not isinstance(x, np.ndarray):
        x.close()
        raise UsageError(f"{path} holds several arrays (.npz); expected one .npy array")
    if x.dtype.kind not in "biuf":
        raise UsageError(f"{path} holds {x.dtype} values; expected numbers (int or float)")
    return x


def run(args):
    from pathlib import Path

    import numpy as np

    import cuflow

    if not Path(args.model).is_file():
        raise UsageError(f"{args.model}: no such model file")
    if args.output:
        writable_output(args.output, "--output", (".npy",))
    if args.device is not None:
        cuflow.set_device(args.device)
    x = load_inputs(args.input)
    model = cuflow.models.load_model(args.model)
    want = getattr(model, "input_shape", None)
    if isinstance(want, tuple) and len(want) == x.ndim and \
            any(w is not None and w != d for w, d in zip(want[1:], x.shape[1:])):
        raise UsageError(f"{args.input} has shape {x.shape}; the model expects "
                         f"(batch, {', '.join(str(d) for d in want[1:])})")
    preds = model.predict(x, batch_size=args.batch_size, verbose=0)
    if args.output:
        save_npy(args.output, preds)
        print(f"saved predictions of shape {preds.shape} to {args.output}")
    else:
        labels = preds.argmax(axis=-1) if preds.ndim > 1 and preds.shape[-1] > 1 else preds
        for row in np.atleast_1d(labels):
            print(row)
    return 0
