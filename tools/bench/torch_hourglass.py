#!/usr/bin/env python3
"""The default DM-DetNet3D of @dmdet/model written in PyTorch (Debian python3-torch): the baseline of
`npm run bench:model`. Same architecture (widths 8/16/24, in-plane stride-2 downsampling twice, one
residual block of two 3x3x3 convolutions per level and way, instance norm with affine, ReLU, nearest
upsampling, 1x1x1 sigmoid head, zero padding to multiples of 4), same loss (AWing x weight map from a
3x3 in-plane grey dilation) and optimizer (Adam with amsgrad=True).

usage: torch_hourglass.py THREADS 'train:4,16,64,64' 'infer:1,10,256,256' ...
prints one JSON object: {"params": N, "train:4,16,64,64": seconds, ...} (median of 3 after a warm-up),
and "paths": the convolution path each job's time is from.

Every job is timed twice, with PyTorch's own choice of convolution (it takes its plain-loop
slow_conv3d, not oneDNN, for single-sample 3D inputs of up to 20,480 values over batch × channels ×
depth × height, e.g. every stride-1 convolution of a 10x256x256 volume) and with oneDNN
(mkldnn_convolution) forced, and the faster is reported: the baseline gets every advantage.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class OneDnnConv3d(nn.Conv3d):
    """nn.Conv3d that always runs oneDNN's convolution (forward and backward)."""

    def forward(self, x):
        return torch.ops.aten.mkldnn_convolution(
            x.contiguous(), self.weight, self.bias, self.padding, self.stride, self.dilation, self.groups
        )


CONV = {"pytorch": nn.Conv3d, "onednn": OneDnnConv3d}
conv3d = nn.Conv3d


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.n1 = conv3d(c, c, 3, padding=1), nn.InstanceNorm3d(c, affine=True, eps=1e-5)
        self.c2, self.n2 = conv3d(c, c, 3, padding=1), nn.InstanceNorm3d(c, affine=True, eps=1e-5)

    def forward(self, x):
        y = self.n2(self.c2(F.relu(self.n1(self.c1(x)))))
        return F.relu(x + y)


def cnr(cin, cout, stride=1):
    return nn.Sequential(conv3d(cin, cout, 3, stride=stride, padding=1), nn.InstanceNorm3d(cout, affine=True, eps=1e-5), nn.ReLU())


class Hourglass(nn.Module):
    def __init__(self, widths=(8, 16, 24)):
        super().__init__()
        w = widths
        self.stem = nn.Sequential(cnr(1, w[0]), Residual(w[0]))
        self.down = nn.ModuleList([nn.Sequential(cnr(w[i - 1], w[i], (1, 2, 2)), Residual(w[i])) for i in range(1, len(w))])
        self.up = nn.ModuleList([nn.Sequential(cnr(w[i], w[i - 1]), Residual(w[i - 1])) for i in range(len(w) - 1, 0, -1)])
        self.head = conv3d(w[0], 1, 1)
        self.multiple = 2 ** (len(w) - 1)

    def forward(self, x):
        d, h, w = x.shape[2:]
        m = self.multiple
        x = F.pad(x, (0, (-w) % m, 0, (-h) % m, 0, 0))
        x = self.stem(x)
        for block in self.down:
            x = block(x)
        for block in self.up:
            x = block(F.interpolate(x, scale_factor=(1, 2, 2), mode="nearest"))
        return torch.sigmoid(self.head(x))[:, :, :d, :h, :w]


def awing(y, x, alpha=2.1, omega=14.0, eps=1.0, theta=0.5):
    d = (y - x).abs()
    a = alpha - y
    t = theta / eps
    A = omega * (1 / (1 + t ** a)) * a * t ** (a - 1) / eps
    C = theta * A - omega * torch.log1p(t ** a)
    return torch.where(d < theta, omega * torch.log1p((d / eps) ** a), A * d - C)


def weight_map(y, lam=10.0, thr=0.2):
    dil = F.max_pool3d(y, (1, 3, 3), stride=1, padding=(0, 1, 1))
    return torch.where(dil >= thr, lam + 1.0, 1.0)


def timed(fn):
    fn()
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def time_job(job):
    torch.manual_seed(0)
    model = Hourglass()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, amsgrad=True)
    kind, dims = job.split(":")
    b, z, y_, x_ = (int(v) for v in dims.split(","))
    inp = torch.rand(b, 1, z, y_, x_)
    if kind == "train":
        target = torch.rand(b, 1, z, y_, x_)

        def step():
            opt.zero_grad()
            pred = model(inp)
            loss = (awing(target, pred) * weight_map(target)).mean()
            loss.backward()
            opt.step()

        return timed(step)
    with torch.no_grad():
        return timed(lambda: model(inp))


def main():
    global conv3d
    torch.set_num_threads(int(sys.argv[1]))
    out = {"params": sum(p.numel() for p in Hourglass().parameters()), "paths": {}}
    for job in sys.argv[2:]:
        best = None
        for path, cls in CONV.items():
            conv3d = cls
            seconds = time_job(job)
            if best is None or seconds < best[1]:
                best = (path, seconds)
        out["paths"][job] = best[0]
        out[job] = best[1]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
