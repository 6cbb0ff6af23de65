"""``cuflow train``: a small model on a bundled or cached dataset, preprocessing included in
the saved model (a ``Rescaling`` layer), so ``cuflow predict`` takes the same raw inputs."""

from __future__ import annotations

import time

from ._errors import UsageError
from .paths import MODEL_SUFFIXES, PLOT_SUFFIXES, matplotlib_or_error, writable_output

# raw pixel range of each dataset: the model's first layer divides by it
SCALES = {"digits": 16.0, "mnist": 255.0, "fashion_mnist": 255.0}


def build_model(kind, input_shape, classes, scale=1.0):
    from cuflow import layers
    from cuflow.models import Sequential

    front = [layers.Input(shape=input_shape), layers.Rescaling(1.0 / scale)]
    if kind == "mlp":
        return Sequential(front + [layers.Flatten(),
                                   layers.Dense(128, activation="relu"),
                                   layers.Dense(64, activation="relu"),
                                   layers.Dense(classes, activation="softmax")])
    if kind == "cnn":
        return Sequential(front + [layers.Conv2D(32, 3, padding="same", activation="relu"),
                                   layers.Conv2D(32, 3, padding="same", activation="relu"),
                                   layers.MaxPooling2D(2),
                                   layers.Conv2D(64, 3, padding="same", activation="relu"),
                                   layers.MaxPooling2D(2),
                                   layers.Flatten(),
                                   layers.Dense(64, activation="relu"),
                                   layers.Dropout(0.2),
                                   layers.Dense(classes, activation="softmax")])
    raise UsageError(f"unknown model {kind!r}; expected 'mlp' or 'cnn'")


def load_dataset(name):
    """Raw (unscaled) float32 images and int64 labels."""
    from cuflow import datasets

    if name not in SCALES:
        raise UsageError(f"unknown dataset {name!r}; expected one of {sorted(SCALES)}")
    (x_train, y_train), (x_test, y_test) = getattr(datasets, name).load_data()
    return ((x_train.astype("float32"), y_train.astype("int64")),
            (x_test.astype("float32"), y_test.astype("int64")))


def preflight(args):
    """Everything that could fail at the end, checked before the first step."""
    if args.dataset not in SCALES:
        raise UsageError(f"unknown dataset {args.dataset!r}; expected one of {sorted(SCALES)}")
    if args.save:
        writable_output(args.save, "--save", MODEL_SUFFIXES)
    if args.plot:
        writable_output(args.plot, "--plot", PLOT_SUFFIXES)
        matplotlib_or_error()


def run(args):
    import cuflow
    from cuflow.backend import device_choice
    from cuflow.backend.selection import announce_device_once

    preflight(args)
    if args.device is not None:  # else CUFLOW_DEVICE, else auto (checked by get_device)
        cuflow.set_device(args.device)
    cuflow.get_device()
    if args.seed is not None:
        cuflow.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_dataset(args.dataset)
    if args.model == "cnn":
        x_train, x_test = x_train[..., None], x_test[..., None]
    classes = int(max(y_train.max(), y_test.max())) + 1
    model = build_model(args.model, tuple(x_train.shape[1:]), classes, SCALES[args.dataset])
    model.compile(optimizer=cuflow.optimizers.Adam(args.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    print(f"training a {args.model} on {args.dataset} ({len(x_train)} samples) on "
          f"{device_choice()}", flush=True)
    announce_device_once()  # said just above: fit need not say it again
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                        validation_split=0.1, verbose=args.verbose)
    elapsed = time.perf_counter() - start
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"trained {args.epochs} epochs in {elapsed:.1f} s; test loss: {loss:.4f}")
    print(f"test accuracy: {acc:.3f}")
    if args.save:
        model.save(args.save)
        print(f"saved model to {args.save}")
    if args.plot:
        plot(history.history, args.plot)
        print(f"saved training curves to {args.plot}")
    return 0


def plot(history, path):
    plt = matplotlib_or_error()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key in zip(axes, ("loss", "accuracy")):
        for k in (key, f"val_{key}"):
            if k in history:
                ax.plot(range(1, len(history[k]) + 1), history[k], label=k)
        ax.set_xlabel("epoch")
        ax.set_title(key)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
