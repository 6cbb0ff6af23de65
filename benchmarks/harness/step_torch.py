"""One PyTorch variant of a step case: ``torch eager`` or ``torch cuda graph`` (PyTorch's
whole-step CUDA-graph recipe), the references cuflow's rows are compared with."""

from __future__ import annotations

import contextlib

from .cases import Skip, step_data
from .clocks import EventClock, PerfClock, time_steps


def import_torch():
    """(torch module or None, why not)."""
    try:
        import torch
    except Exception as exc:  # ImportError, or a broken install raising something else
        return None, f"{type(exc).__name__}: {exc}"
    return torch, None


def torch_model(torch, case, dev):
    nn = torch.nn
    if case.kind == "mlp":
        mods = []
        for a, b in zip(case.dims[:-2], case.dims[1:-1]):
            mods += [nn.Linear(a, b), nn.ReLU()]
        mods.append(nn.Linear(case.dims[-2], case.dims[-1]))
    else:  # the same CNN in NCHW: 32 -> conv 30 -> pool 15 -> conv 13 -> pool 6
        mods = [nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 6 * 6, 128), nn.ReLU(),
                nn.Linear(128, 10)]
    return nn.Sequential(*mods).to(dev)


@contextlib.contextmanager
def torch_tf32(torch, enabled):
    """float32 cases run PyTorch without TF32 (its cuDNN default is on), tf32 cases with it."""
    old = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = enabled
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


def torch_variant(torch, case, variant, device, timing):
    """(steps/s, round rates, note) of one PyTorch variant."""
    gpu = device.startswith("gpu")
    graph = variant == "torch cuda graph"
    if gpu and not torch.cuda.is_available():
        raise Skip("PyTorch sees no CUDA device (a CPU-only torch build?)")
    if graph and not gpu:
        raise Skip(f"CUDA graphs need a GPU (device is {device})")
    if case.precision == "tf32" and not gpu:
        raise Skip("TF32 is a GPU tensor-core mode; on the CPU this repeats the float32 case")
    mixed = case.precision == "mixed_float16"
    if mixed and not gpu:
        raise Skip("the PyTorch float16 autocast reference runs on CUDA only")
    if mixed and graph:
        raise Skip("torch.cuda.amp.GradScaler reads its Inf check on the host every step, "
                   "so PyTorch's mixed-precision step with loss scaling cannot be captured")
    dev = torch.device(f"cuda:{device.split(':')[1]}" if gpu else "cpu")
    x, y = step_data(case)
    xt = torch.from_numpy(x)
    if case.kind == "cnn":
        xt = xt.permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW
    note = None
    with contextlib.ExitStack() as stack:
        if gpu:
            stack.enter_context(torch.cuda.device(dev))
            stack.enter_context(torch_tf32(torch, case.precision == "tf32"))
        xt, yt = xt.to(dev), torch.from_numpy(y).to(dev)
        model = torch_model(torch, case, dev)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, capturable=graph)
        loss_fn = torch.nn.CrossEntropyLoss()
        clock = EventClock("torch") if gpu else PerfClock()
        if mixed:
            if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
                scaler = torch.amp.GradScaler("cuda")
            else:  # torch < 2.3
                scaler = torch.cuda.amp.GradScaler()
            note = "autocast float16 + GradScaler"

            def step():
                opt.zero_grad(set_to_none=False)
                with torch.autocast("cuda", dtype=torch.float16):
                    loss = loss_fn(model(xt), yt)
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
        else:
            def step():
                opt.zero_grad(set_to_none=False)
                loss = loss_fn(model(xt), yt)
                loss.backward()
                opt.step()

        if not graph:
            rate, rates = time_steps(step, clock, *timing)
        else:
            # PyTorch's whole-step recipe: warm up on a side stream, capture, replay
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(3):
                    step()
            torch.cuda.current_stream().wait_stream(side)
            g = torch.cuda.CUDAGraph()
            with torch.cuda.graph(g):
                step()
            rate, rates = time_steps(g.replay, clock, *timing)
    return rate, rates, note
