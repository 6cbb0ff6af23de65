"""The ``cuflow`` command: ``info``, ``train``, ``predict``, ``bench``."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path


def _cmd_info(args):
    import platform

    import numpy as np

    import cuflow
    from cuflow.backend import gpu_unavailable_reason

    print(f"cuflow {cuflow.__version__} (Python {platform.python_version()}, numpy "
          f"{np.__version__})")
    print(f"devices: {', '.join(cuflow.devices())}")
    why = gpu_unavailable_reason()
    print(f"default device: {cuflow.get_device()}" + (f" (no GPU: {why})" if why else ""))
    try:
        import cupy

        line = f"cupy {cupy.__version__}"
        try:
            line += f", CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()}"
            line += f", driver {cupy.cuda.runtime.driverGetVersion()}"
        except Exception as e:  # no driver: say so rather than fail
            line += f" (CUDA unavailable: {e.__class__.__name__})"
        print(line)
    except Exception:
        print("cupy: not installed (pip install 'cuflow[gpu]' for GPU support)")
    try:
        from cuflow.backend.cuda import compile as kernels

        info = kernels.cache_info() if hasattr(kernels, "cache_info") else None
        print(f"kernels: {kernels.kernels_dir() if hasattr(kernels, 'kernels_dir') else '?'}"
              + (f"; compiled this process: {info}" if info is not None else ""))
    except Exception as e:
        print(f"kernels: unavailable ({e.__class__.__name__}: {e})")
    return 0


def build_model(kind, input_shape, classes):
    from cuflow import layers
    from cuflow.models import Sequential

    if kind == "mlp":
        return Sequential([layers.Input(shape=input_shape), layers.Flatten(),
                           layers.Dense(128, activation="relu"),
                           layers.Dense(64, activation="relu"),
                           layers.Dense(classes, activation="softmax")])
    if kind == "cnn":
        return Sequential([layers.Input(shape=input_shape + (1,)),
                           layers.Conv2D(32, 3, padding="same", activation="relu"),
                           layers.Conv2D(32, 3, padding="same", activation="relu"),
                           layers.MaxPooling2D(2),
                           layers.Conv2D(64, 3, padding="same", activation="relu"),
                           layers.MaxPooling2D(2),
                           layers.Flatten(),
                           layers.Dense(64, activation="relu"),
                           layers.Dropout(0.2),
                           layers.Dense(classes, activation="softmax")])
    raise ValueError(f"unknown model {kind!r}; expected 'mlp' or 'cnn'")


def _load_dataset(name):
    from cuflow import datasets

    loaders = {"digits": datasets.digits, "mnist": datasets.mnist,
               "fashion_mnist": datasets.fashion_mnist}
    if name not in loaders:
        raise SystemExit(f"unknown dataset {name!r}; expected one of {sorted(loaders)}")
    (x_train, y_train), (x_test, y_test) = loaders[name].load_data()
    scale = 16.0 if name == "digits" else 255.0
    return ((x_train.astype("float32") / scale, y_train.astype("int64")),
            (x_test.astype("float32") / scale, y_test.astype("int64")))


def _cmd_train(args):
    import cuflow

    # "fastest": the first fit times a few steps on each device and trains on the faster
    if args.device == "fastest":
        cuflow.set_device("auto", measure=True)
    else:
        cuflow.set_device(args.device)
    if args.seed is not None:
        cuflow.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = _load_dataset(args.dataset)
    if args.model == "cnn":
        x_train, x_test = x_train[..., None], x_test[..., None]
    classes = int(max(y_train.max(), y_test.max())) + 1
    model = build_model(args.model, tuple(x_train.shape[1:3] if args.model == "cnn"
                                          else x_train.shape[1:]), classes)
    model.compile(optimizer=cuflow.optimizers.Adam(args.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    print(f"training a {args.model} on {args.dataset} ({len(x_train)} samples) on "
          f"{cuflow.get_device()}")
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
        _plot(history.history, args.plot)
        print(f"saved training curves to {args.plot}")
    return 0


def _plot(history, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("--plot needs matplotlib: pip install 'cuflow[plot]'") from None
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


def _cmd_predict(args):
    import numpy as np

    import cuflow

    if args.device:
        cuflow.set_device(args.device)
    model = cuflow.models.load_model(args.model)
    try:
        x = np.load(args.input, allow_pickle=False)
    except ValueError as e:
        raise SystemExit(f"cannot read {args.input}: {e}") from None
    if not isinstance(x, np.ndarray):
        raise SystemExit(f"{args.input} must be a .npy array file")
    preds = model.predict(x, batch_size=args.batch_size, verbose=0)
    if args.output:
        np.save(args.output, preds)
        print(f"saved predictions of shape {preds.shape} to {args.output}")
    else:
        labels = preds.argmax(axis=-1) if preds.ndim > 1 and preds.shape[-1] > 1 else preds
        for row in np.atleast_1d(labels):
            print(row)
    return 0


def bench_harness():
    """The measuring code behind ``cuflow bench``, imported on use.

    It is benchmark code, so it lives outside the package, in the repository's
    ``benchmarks/harness/``; the wheel ships a copy as the private ``cuflow._benchmarks``
    (pyproject's force-include, as for ``kernels/``). A source checkout imports it from there.
    """
    try:
        return importlib.import_module("cuflow._benchmarks")
    except ModuleNotFoundError as e:
        if e.name != "cuflow._benchmarks":
            raise
    root = Path(__file__).resolve().parents[2]
    harness = root / "benchmarks" / "harness"
    if not (harness / "__init__.py").is_file():
        raise ImportError(f"the benchmark harness is missing: no cuflow._benchmarks (installed "
                          f"wheels ship it) and no {harness} (a source checkout)")
    if str(root) not in sys.path:
        sys.path.append(str(root))
    module = importlib.import_module("benchmarks.harness")
    if Path(module.__file__).resolve().parent != harness:
        raise ImportError(f"'benchmarks.harness' resolves to {module.__file__}, not {harness}: "
                          f"another 'benchmarks' package comes first on sys.path")
    return module


def _cmd_bench(args):
    import cuflow

    harness = bench_harness()
    if args.fit:  # the MLP fit() throughput beside a hand-written step (the original table)
        cuflow.set_device(args.device)
        dev = cuflow.get_device()
        rows = harness.mlp_table(dev, batch=args.batch_size, min_time=args.min_time)
        print(harness.format_table(
            f"MLP 784-256-128-10, Adam, batch {args.batch_size}, on {dev}", rows))
        if args.json:
            harness.write_json({"benchmark": "MLP fit samples per second", "device": dev,
                                "rows": [{"what": n, "samples_per_s": r, "vs_reference": q}
                                         for n, r, q in rows]}, args.json)
        return 0
    cuflow.set_device(args.device)
    dev = cuflow.get_device()
    harness.resolve_models(args.models, dev)  # a bad name fails before any measuring

    def progress(row, result):
        rate = row.get("steps_per_s")
        what = f"{rate:,.1f} steps/s" if rate else row.get("reason") or row.get("error")
        print(f"  {row['case']} / {row['variant']}: {row['status']}, {what}", file=sys.stderr,
              flush=True)
        if args.json:  # keep partial results if the run is cut short
            harness.write_json(result, args.json)

    result = harness.step_benchmark(args.models, dev, steps=args.steps, warmup=args.warmup,
                                    rounds=args.rounds, torch=not args.no_torch,
                                    on_row=progress)
    print(harness.format_step_table(result))
    if args.json:
        harness.write_json(result, args.json)
        print(f"saved {args.json}")
    return 0


def _int_at_least(low):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, received {text!r}")
        return value

    return parse


def _bench_models_help():
    try:
        names = bench_harness().valid_model_names()
    except ImportError as e:  # the other commands work without the harness
        names = f"(unavailable: {e})"
    return (f"comma-separated cases or groups: {names} (default: all on a GPU; "
            f"mlp_small,cnn_b64 on the CPU)")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="cuflow", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="version, devices, CUDA and kernel state")
    t = sub.add_parser("train", help="train a model on a bundled or cached dataset")
    t.add_argument("--dataset", default="digits")
    t.add_argument("--model", default="mlp", choices=["mlp", "cnn"])
    t.add_argument("--epochs", type=int, default=30)
    t.add_argument("--batch-size", type=int, default=32)
    t.add_argument("--learning-rate", type=float, default=1e-3)
    t.add_argument("--device", default="auto",
                   help="auto, cpu, gpu, gpu:N or fastest")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--verbose", default="auto", type=lambda v: v if v == "auto" else int(v))
    t.add_argument("--save", help="write the trained model to this .cuflow file")
    t.add_argument("--plot", help="write loss/accuracy curves to this image (needs matplotlib)")
    p = sub.add_parser("predict", help="predict with a saved model on a .npy input")
    p.add_argument("model")
    p.add_argument("input")
    p.add_argument("--output", help="save predictions to this .npy file instead of printing")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--device", default=None)
    b = sub.add_parser(
        "bench", help="training steps per second beside PyTorch (table; --json to save)",
        description="Training steps per second of fixed models: cuflow eager, cuflow captured "
                    "(CUDA graph) and, when torch is importable, PyTorch eager and PyTorch CUDA "
                    "graph, all in one run; a table with ratios, optionally saved as JSON. "
                    "--fit measures the MLP fit() beside a hand-written NumPy/CuPy step instead.")
    b.add_argument("--device", default="auto", help="auto, cpu, gpu or gpu:N")
    # the harness is imported only when the bench command is asked for (its help included)
    b.add_argument("--models", default=None,
                   help=_bench_models_help() if "bench" in argv else None)
    b.add_argument("--steps", type=_int_at_least(1), default=None,
                   help="timed steps per round (default 50 on a GPU, 10 on the CPU)")
    b.add_argument("--warmup", type=_int_at_least(0), default=None,
                   help="untimed steps first (default 5 on a GPU, 2 on the CPU)")
    b.add_argument("--rounds", type=_int_at_least(1), default=None,
                   help="timed rounds; the median is reported (default 3 on a GPU, 1 on the CPU)")
    b.add_argument("--json", metavar="PATH", help="also save the results as JSON (atomically)")
    b.add_argument("--no-torch", action="store_true", help="leave the PyTorch variants out")
    b.add_argument("--fit", action="store_true",
                   help="the MLP fit() samples/s beside a hand-written step and PyTorch instead")
    b.add_argument("--batch-size", type=int, default=128, help="--fit only")
    b.add_argument("--min-time", type=float, default=1.0, help="--fit only: seconds per figure")
    args = parser.parse_args(argv)
    handler = {"info": _cmd_info, "train": _cmd_train, "predict": _cmd_predict,
               "bench": _cmd_bench}[args.command]
    from cuflow.errors import DeviceError

    try:
        return handler(args)
    except (ValueError, TypeError, FileNotFoundError, DeviceError, ImportError) as e:
        # a user-facing failure (bad file, no GPU, missing extra): one clear line, exit 2
        print(f"cuflow {args.command}: {e.__class__.__name__}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
