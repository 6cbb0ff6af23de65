"""The cuflow command line: info, train, predict, bench."""

from __future__ import annotations

import argparse
import os
import sys

from ._errors import UsageError
from .bench import bench_harness  # noqa: F401 (cuflow.cli.bench_harness)

EPILOG = """commands:
  cuflow info                                  versions, devices, CUDA and kernel state
  cuflow train --dataset digits --model mlp    train, then print the test accuracy
  cuflow predict m.cuflow inputs.npy           print the predicted labels
  cuflow bench                                 training steps/s beside PyTorch

The device is --device, else the environment variable CUFLOW_DEVICE, else auto (the GPU when
CuPy sees one)."""


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


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


def _verbose(text):
    if text == "auto":
        return text
    if text in ("0", "1", "2"):
        return int(text)
    raise argparse.ArgumentTypeError(f"expected auto, 0, 1 or 2, received {text!r}")


def build_parser(argv=()):
    import cuflow

    parser = argparse.ArgumentParser(prog="cuflow", description=__doc__, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"cuflow {cuflow.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("info", help="versions, devices, CUDA and kernel state",
                   description="Versions, devices (and why the default one was chosen), CUDA "
                               "and the kernel cache.")
    device_help = "auto, fastest, cpu, gpu or gpu:N (default: $CUFLOW_DEVICE, else auto)"
    t = sub.add_parser("train", help="train a model on a bundled or cached dataset",
                       formatter_class=_Formatter,
                       description="Train a small model; the scaling of the inputs is part of "
                                   "the saved model, so predict takes raw inputs.")
    t.add_argument("--dataset", default="digits",
                   help="digits (shipped), mnist or fashion_mnist (from $CUFLOW_HOME/datasets)")
    t.add_argument("--model", default="mlp", choices=["mlp", "cnn"], help="the architecture")
    t.add_argument("--epochs", type=_int_at_least(1), default=30, help="passes over the data")
    t.add_argument("--batch-size", type=_int_at_least(1), default=32, help="samples per step")
    t.add_argument("--learning-rate", type=float, default=1e-3, help="Adam's learning rate")
    t.add_argument("--device", default=None, help=device_help)
    t.add_argument("--seed", type=int, default=0, help="random seed (weights, shuffling)")
    t.add_argument("--verbose", default="auto", type=_verbose,
                   help="progress: auto, 0 (silent), 1 (bar) or 2 (a line per epoch)")
    t.add_argument("--save", metavar="PATH",
                   help="write the trained model (.cuflow, .keras or .h5)")
    t.add_argument("--plot", metavar="PATH",
                   help="write loss/accuracy curves to this image (needs matplotlib)")
    p = sub.add_parser("predict", help="predict with a saved model on a .npy input",
                       formatter_class=_Formatter,
                       description="Predict with a saved model; prints one label per row, or "
                                   "saves the predictions with --output.")
    p.add_argument("model", help="a model file written by cuflow train --save or model.save")
    p.add_argument("input", help="a .npy array of raw inputs, one row per sample")
    p.add_argument("--output", metavar="PATH",
                   help="save the predictions to this .npy file instead of printing labels")
    p.add_argument("--batch-size", type=_int_at_least(1), default=32, help="samples per step")
    p.add_argument("--device", default=None, help=device_help)
    b = sub.add_parser(
        "bench", help="training steps per second beside PyTorch (table; --json to save)",
        formatter_class=_Formatter,
        description="Training steps per second of fixed models: cuflow eager, cuflow captured "
                    "(CUDA graph) and, when torch is importable, PyTorch eager and PyTorch CUDA "
                    "graph, all in one run; a table with the median round, the spread over "
                    "rounds and ratios, optionally saved as JSON. --fit measures the MLP fit() "
                    "beside a hand-written NumPy/CuPy step instead.")
    b.add_argument("--device", default=None, help=device_help)
    # the harness is imported only when the bench command is asked for (its help included)
    b.add_argument("--models", default=None, help=_bench_models_help(argv))
    b.add_argument("--steps", type=_int_at_least(1), default=None,
                   help="timed steps per round (default: 50 on a GPU, 30 on the CPU)")
    b.add_argument("--warmup", type=_int_at_least(0), default=None,
                   help="untimed steps first (default: 5)")
    b.add_argument("--rounds", type=_int_at_least(1), default=None,
                   help="timed rounds; the median is reported (default: 3 on a GPU, 5 on the "
                        "CPU)")
    b.add_argument("--json", metavar="PATH", help="also save the results as JSON (atomically)")
    b.add_argument("--no-torch", action="store_true", help="leave the PyTorch variants out")
    b.add_argument("--fit", action="store_true",
                   help="the MLP fit() samples/s beside a hand-written step and PyTorch instead")
    b.add_argument("--batch-size", type=int, default=128, help="--fit only")
    b.add_argument("--min-time", type=float, default=1.0, help="--fit only: seconds per figure")
    return parser


def _bench_models_help(argv):
    if "bench" not in argv:
        return None
    from .bench import models_help

    return models_help()


def _handler(command):
    from . import bench, info, predict, train

    return {"info": info.run, "train": train.run, "predict": predict.run,
            "bench": bench.run}[command]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    from cuflow.errors import DeviceError, UnsafeModelError

    try:
        return _handler(args.command)(args)
    except (UsageError, ValueError, TypeError, FileNotFoundError, DeviceError, UnsafeModelError,
            ImportError) as e:
        # a user-facing failure (bad file, no GPU, missing extra): one clear line, exit 2
        kind = "" if isinstance(e, UsageError) else f"{e.__class__.__name__}: "
        print(f"cuflow {args.command}: {kind}{e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cuflow {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`cuflow info | head -1`): stop quietly, and keep Python from
        # complaining while it flushes stdout at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0

