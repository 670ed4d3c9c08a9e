"""Turns a shipped detector graph (models/veil-plate/plate-det.onnx or models/veil-face/face-det.onnx)
back into train.py weights, so a run can continue from the committed model (`--init OUT.pt`)
when the .pt of its training run is gone.

The export folded each batch norm into the convolution before it (the graph's convolutions have a
bias). Here the folded weight goes back into the convolution and the bias into a batch norm set to
the identity (scale 1, mean 0, variance 1 - eps): the same function in eval mode, which
`train.py --freeze-bn` keeps while fine-tuning. Convolutions are matched in the order the forward
pass first uses them, and the result is checked against onnxruntime on a random picture.

  python3 scripts/train-plate/onnx-to-pt.py models/veil-plate/plate-det.onnx OUT.pt

Needs torch, onnx and numpy in one interpreter; onnxruntime too for the check (without it, e.g.
Debian's python3-torch + python3-onnx, the .pt is written unchecked: export it with train.py's
`export` and compare both graphs in onnxruntime-node).
"""

import importlib.util
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper


def graph_convs(model):
    """(weight, bias) arrays of each distinct convolution, in the order the graph first uses them."""
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    alias = {n.output[0]: n.input[0] for n in model.graph.node if n.op_type == "Identity"}

    def source(name):
        while name in alias:
            name = alias[name]
        return name

    seen, convs = set(), []
    for node in model.graph.node:
        if node.op_type != "Conv":
            continue
        w, b = source(node.input[1]), source(node.input[2])
        if w not in seen:
            seen.add(w)
            convs.append((inits[w], inits[b]))
    return convs


def module_convs(net):
    """The network's convolutions in the order its forward pass first calls them."""
    order = []
    hooks = [m.register_forward_hook(lambda mod, i, o: order.append(mod) if mod not in order else None) for m in net.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        net(torch.zeros(1, 3, 64, 64))
    for h in hooks:
        h.remove()
    return order


def main():
    src, out = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("train", os.path.join(here, "train.py"))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    net = train.PlateNet().eval()
    convs = module_convs(net)
    weights = graph_convs(onnx.load(src))
    if len(convs) != len(weights):
        sys.exit(f"{src}: {len(weights)} convolutions, train.py's network has {len(convs)}")
    norm_after = {}
    for m in net.modules():
        if isinstance(m, nn.Sequential) and len(m) >= 2 and isinstance(m[0], nn.Conv2d) and isinstance(m[1], nn.BatchNorm2d):
            norm_after[m[0]] = m[1]
    with torch.no_grad():
        for conv, (w, b) in zip(convs, weights):
            if tuple(conv.weight.shape) != w.shape:
                sys.exit(f"shape mismatch: {tuple(conv.weight.shape)} vs {w.shape}")
            conv.weight.copy_(torch.from_numpy(np.array(w)))
            bn = norm_after.get(conv)
            if bn is None:
                conv.bias.copy_(torch.from_numpy(np.array(b)))
            else:
                bn.weight.fill_(1.0)
                bn.bias.copy_(torch.from_numpy(np.array(b)))
                bn.running_mean.zero_()
                bn.running_var.fill_(1.0 - bn.eps)
        x = (np.random.default_rng(0).random((1, 3, 256, 320)) * 255).astype(np.float32)
        ours = train.Exported(net)(torch.from_numpy(x))
    try:
        import onnxruntime as ort
    except ImportError:
        torch.save(net.state_dict(), out)
        print(f"{src} -> {out}: {len(convs)} convolutions, NOT checked (no onnxruntime in this interpreter)")
        return
    theirs = ort.InferenceSession(src).run(None, {"input": x})
    diff = max(float(np.abs(a.numpy() - b).max()) for a, b in zip(ours, theirs))
    if diff > 1e-4:
        sys.exit(f"converted network differs from the graph by {diff}")
    torch.save(net.state_dict(), out)
    print(f"{src} -> {out}: {len(convs)} convolutions, largest difference {diff:.2e}")


if __name__ == "__main__":
    main()
