"""The MLP of ``fit`` in PyTorch eager: the third row of ``cuflow bench --fit``."""

from __future__ import annotations

from .fit import MLP_SIZES, rate, synthetic_classification


def torch_mlp_rate(batch=128, n=4096, min_time=1.0, device="cpu"):
    """PyTorch eager on the same MLP, or None when torch is not importable."""
    try:
        import torch
    except Exception:
        return None
    x, y = synthetic_classification(n)
    dev = torch.device("cuda" if device.startswith("gpu") else "cpu")
    xt, yt = torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev)
    layers = []
    for i, (a, b) in enumerate(zip(MLP_SIZES[:-1], MLP_SIZES[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(MLP_SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch():
        perm = torch.randperm(n, device=dev)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()

    return rate(epoch, n, min_time)
