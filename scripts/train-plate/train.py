"""Trains Veil's licence-plate detector from scratch and exports it to ONNX (README.md beside this).

A small single-class anchor-free detector: a plain residual CNN (strides 2..32), an FPN + PAN
neck at strides 8/16/32 and one shared head. Each cell of each level predicts a plate score
(trained towards the IoU of its box, quality-focal loss) and a box (centre offset in cells, log
width and height in strides; GIoU loss). Cells in the 3x3 neighbourhood of a plate's centre
are positive on the levels its size belongs to.

All augmentation runs on the GPU from pictures preloaded as tensors: mosaic of 4, random scale
(plates from ~6 px to most of the picture) and aspect, crop, flip, colour, night, grey, blur,
noise, and synthetic plates (textures from prepare.py) warped and pasted onto the pictures.

The run is time-boxed (--seconds, learning rate on a cosine of elapsed time) and writes to
--out, every --every seconds and at the end: plate-det.onnx (EMA weights), plate-det.pt, log.txt
and metrics.json (recall/precision on the held-out split at several thresholds).

ONNX graph: input `input` [1,3,H,W] RGB 0..255 (H, W multiples of 32), outputs `s8`, `s16`,
`s32` [1,5,H/s,W/s]: channel 0 the plate score (sigmoid applied), 1-2 the centre offset
(cx = (x + 0.5 + o1) * s), 3-4 log size (w = exp(o3) * s, h = exp(o4) * s).
"""

import argparse
import copy
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

STRIDES = (8, 16, 32)
# Plate size ranges (sqrt of area, canvas pixels) per level; they overlap.
LEVEL_RANGE = ((0, 40), (24, 96), (64, 1e9))


# ---- model ------------------------------------------------------------------------------


def cbs(ci, co, k=3, s=1):
    return nn.Sequential(nn.Conv2d(ci, co, k, s, k // 2, bias=False), nn.BatchNorm2d(co), nn.SiLU(inplace=True))


class Res(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a, self.b = cbs(c, c), cbs(c, c)

    def forward(self, x):
        return x + self.b(self.a(x))


def stage(ci, co, n):
    return nn.Sequential(cbs(ci, co, 3, 2), *[Res(co) for _ in range(n)])


class PlateNet(nn.Module):
    def __init__(self, w=(16, 32, 64, 96, 128), depth=(1, 2, 2, 1), f=64):
        super().__init__()
        self.stem = cbs(3, w[0], 3, 2)
        self.s1, self.s2 = stage(w[0], w[1], depth[0]), stage(w[1], w[2], depth[1])
        self.s3, self.s4 = stage(w[2], w[3], depth[2]), stage(w[3], w[4], depth[3])
        self.l3, self.l4, self.l5 = cbs(w[2], f, 1), cbs(w[3], f, 1), cbs(w[4], f, 1)
        self.t3, self.t4 = cbs(f, f), cbs(f, f)
        self.d3, self.d4 = cbs(f, f, 3, 2), cbs(f, f, 3, 2)
        self.n4, self.n5 = cbs(f, f), cbs(f, f)
        self.tower = cbs(f, f)
        self.out = nn.Conv2d(f, 5, 1)
        nn.init.constant_(self.out.bias, 0.0)
        nn.init.constant_(self.out.bias[:1], -4.6)  # prior score 0.01
        nn.init.normal_(self.out.weight, std=0.01)

    def forward(self, x):
        x = x * (1.0 / 255.0)
        c3 = self.s2(self.s1(self.stem(x)))
        c4 = self.s3(c3)
        c5 = self.s4(c4)
        p5 = self.l5(c5)
        p4 = self.t4(self.l4(c4) + F.interpolate(p5, scale_factor=2.0, mode="nearest"))
        p3 = self.t3(self.l3(c3) + F.interpolate(p4, scale_factor=2.0, mode="nearest"))
        n4 = self.n4(p4 + self.d3(p3))
        n5 = self.n5(p5 + self.d4(n4))
        return [self.out(self.tower(p)) for p in (p3, n4, n5)]


class Exported(nn.Module):
    """The graph that ships: score through a sigmoid, the rest raw."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return tuple(torch.cat([torch.sigmoid(o[:, :1]), o[:, 1:]], 1) for o in self.net(x))


# ---- boxes ------------------------------------------------------------------------------


def decode(raw, stride):
    """raw [B,5,H,W] -> boxes [B,H,W,4] (x1,y1,x2,y2) in canvas pixels."""
    B, _, H, W = raw.shape
    ys, xs = torch.meshgrid(torch.arange(H, device=raw.device), torch.arange(W, device=raw.device), indexing="ij")
    cx = (xs + 0.5 + raw[:, 1]) * stride
    cy = (ys + 0.5 + raw[:, 2]) * stride
    w = torch.exp(raw[:, 3].clamp(-6, 6)) * stride
    h = torch.exp(raw[:, 4].clamp(-6, 6)) * stride
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)


def iou_giou(a, b):
    ix1, iy1 = torch.max(a[:, 0], b[:, 0]), torch.max(a[:, 1], b[:, 1])
    ix2, iy2 = torch.min(a[:, 2], b[:, 2]), torch.min(a[:, 3], b[:, 3])
    inter = (ix2 - ix1).clamp(min=0) * (iy2 - iy1).clamp(min=0)
    area_a = (a[:, 2] - a[:, 0]).clamp(min=0) * (a[:, 3] - a[:, 1]).clamp(min=0)
    area_b = (b[:, 2] - b[:, 0]).clamp(min=0) * (b[:, 3] - b[:, 1]).clamp(min=0)
    union = area_a + area_b - inter + 1e-6
    iou = inter / union
    cx1, cy1 = torch.min(a[:, 0], b[:, 0]), torch.min(a[:, 1], b[:, 1])
    cx2, cy2 = torch.max(a[:, 2], b[:, 2]), torch.max(a[:, 3], b[:, 3])
    hull = (cx2 - cx1) * (cy2 - cy1) + 1e-6
    return iou, iou - (hull - union) / hull


def box_iou_matrix(a, b):
    ix1 = torch.max(a[:, None, 0], b[None, :, 0])
    iy1 = torch.max(a[:, None, 1], b[None, :, 1])
    ix2 = torch.min(a[:, None, 2], b[None, :, 2])
    iy2 = torch.min(a[:, None, 3], b[None, :, 3])
    inter = (ix2 - ix1).clamp(min=0) * (iy2 - iy1).clamp(min=0)
    aa = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    ab = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (aa[:, None] + ab[None, :] - inter + 1e-6)


def nms(boxes, scores, thr, top=300):
    order = scores.argsort(descending=True)[:top]
    try:
        from torchvision.ops import nms as tv_nms

        keep = tv_nms(boxes[order].float(), scores[order].float(), thr)
        return boxes[order][keep], scores[order][keep]
    except ImportError:
        pass
    boxes, scores = boxes[order], scores[order]
    keep = []
    alive = torch.ones(len(boxes), dtype=torch.bool, device=boxes.device)
    iou = box_iou_matrix(boxes, boxes) if len(boxes) else None
    for i in range(len(boxes)):
        if not alive[i]:
            continue
        keep.append(i)
        alive &= iou[i] <= thr
    return boxes[keep], scores[keep]


# ---- targets + loss ---------------------------------------------------------------------


def build_targets(gts, shapes, device):
    """gts: list (per image) of [n,4] tensors. Returns per level (mask [B,H,W] bool, box [B,H,W,4])."""
    out = []
    B = len(gts)
    if sum(len(g) for g in gts):
        allb = torch.cat([g for g in gts if len(g)])
        bidx = torch.cat([torch.full((len(g),), i, device=device, dtype=torch.long) for i, g in enumerate(gts) if len(g)])
    else:
        allb = torch.zeros((0, 4), device=device)
        bidx = torch.zeros((0,), dtype=torch.long, device=device)
    w, h = allb[:, 2] - allb[:, 0], allb[:, 3] - allb[:, 1]
    size = torch.sqrt(w * h)
    cx, cy = (allb[:, 0] + allb[:, 2]) / 2, (allb[:, 1] + allb[:, 3]) / 2
    for (H, W), s, (lo, hi) in zip(shapes, STRIDES, LEVEL_RANGE):
        mask = torch.zeros(B * H * W, dtype=torch.bool, device=device)
        tbox = torch.zeros(B * H * W, 4, device=device)
        sel = (size >= lo) & (size < hi)
        if sel.any():
            gcx, gcy = cx[sel], cy[sel]
            gi, gj = (gcx / s).floor().long(), (gcy / s).floor().long()
            off = torch.tensor([-1, 0, 1], device=device)
            ox, oy = torch.meshgrid(off, off, indexing="xy")
            ci = (gi[:, None] + ox.reshape(1, -1))
            cj = (gj[:, None] + oy.reshape(1, -1))
            # keep neighbours whose centre is near the plate: within its half size (at least one stride)
            dx = ((ci + 0.5) * s - gcx[:, None]).abs()
            dy = ((cj + 0.5) * s - gcy[:, None]).abs()
            hw = torch.clamp(w[sel] / 2, min=s)[:, None]
            hh = torch.clamp(h[sel] / 2, min=s)[:, None]
            ok = (ci >= 0) & (ci < W) & (cj >= 0) & (cj < H) & (dx <= hw) & (dy <= hh)
            ok[:, 4] = (ci[:, 4] >= 0) & (ci[:, 4] < W) & (cj[:, 4] >= 0) & (cj[:, 4] < H)
            flat = bidx[sel][:, None] * H * W + cj.clamp(0, H - 1) * W + ci.clamp(0, W - 1)
            area = (w[sel] * h[sel])[:, None].expand_as(flat)
            gbox = allb[sel][:, None, :].expand(-1, 9, -1)
            flat, area, gbox = flat[ok], area[ok], gbox[ok]
            amin = torch.full((B * H * W,), float("inf"), device=device).scatter_reduce(0, flat, area, "amin")
            win = area <= amin[flat]
            mask[flat[win]] = True
            tbox[flat[win]] = gbox[win]
        out.append((mask.view(B, H, W), tbox.view(B, H, W, 4)))
    return out


def ignore_masks(ignores, shapes, device):
    """Per level [B,H,W] bool: cells whose centre lies in one of the image's ignore boxes."""
    out = []
    for (H, W), s in zip(shapes, STRIDES):
        ys = (torch.arange(H, device=device, dtype=torch.float32) + 0.5) * s
        xs = (torch.arange(W, device=device, dtype=torch.float32) + 0.5) * s
        m = torch.zeros((len(ignores), H, W), dtype=torch.bool, device=device)
        for i, ig in enumerate(ignores):
            if len(ig) == 0:
                continue
            inx = (xs[None, :] >= ig[:, 0:1]) & (xs[None, :] <= ig[:, 2:3])  # [n,W]
            iny = (ys[None, :] >= ig[:, 1:2]) & (ys[None, :] <= ig[:, 3:4])  # [n,H]
            m[i] = (iny[:, :, None] & inx[:, None, :]).any(0)
        out.append(m)
    return out


def loss_fn(outs, gts, ignores=None):
    """Quality focal + GIoU loss. `ignores`: per image [n,4] regions where a cell that is not
    positive is not taught anything (unsure labels)."""
    device = outs[0].device
    shapes = [o.shape[2:] for o in outs]
    targets = build_targets(gts, shapes, device)
    skip = ignore_masks(ignores, shapes, device) if ignores is not None else [None] * len(outs)
    cls_loss, reg_loss, npos = 0.0, 0.0, 0
    for raw, s, (mask, tbox), ign in zip(outs, STRIDES, targets, skip):
        raw = raw.float()
        logit = raw[:, 0]
        t = torch.zeros_like(logit)
        if mask.any():
            pb = decode(raw, s)[mask]
            gb = tbox[mask]
            iou, giou = iou_giou(pb, gb)
            t[mask] = iou.detach().clamp(min=0.15)
            reg_loss = reg_loss + (1 - giou).sum()
            npos += int(mask.sum())
        p = torch.sigmoid(logit)
        cl = F.binary_cross_entropy_with_logits(logit, t, reduction="none") * (t - p).abs().pow(2)
        if ign is not None:
            cl = cl * (~(ign & ~mask)).float()
        cls_loss = cls_loss + cl.sum()
    n = max(1, npos)
    return cls_loss / n, reg_loss / n


# ---- data + GPU augmentation ------------------------------------------------------------


class Data:
    def __init__(self, root, device, split, neg_repeat=1):
        meta = json.load(open(os.path.join(root, "labels.json")))
        # Pictures of an untrusted family are used only when check-labels.ts found their boxes.
        self.items = [m for m in meta if m["split"] == split and (m.get("trusted", True) or m.get("checked"))]
        self.imgs, self.boxes = [], []
        for m in self.items:
            a = np.asarray(Image.open(os.path.join(root, "img", m["file"])).convert("RGB"))
            self.imgs.append(torch.from_numpy(a.copy()).permute(2, 0, 1).contiguous().to(device))
            self.boxes.append(torch.tensor(m["boxes"], dtype=torch.float32, device=device).reshape(-1, 4))
        pz = np.load(os.path.join(root, "plates.npz"))
        self.tex = torch.from_numpy(pz["tex"]).permute(0, 3, 1, 2).contiguous().to(device)
        self.tex_w = pz["widths"].tolist()
        # Synthetic non-plates (prepare.py --distractors, RGBA), pasted with no box.
        dz = os.path.join(root, "distractors.npz")
        self.dist, self.dist_wh = None, []
        if os.path.exists(dz):
            d = np.load(dz)
            self.dist = torch.from_numpy(d["tex"]).permute(0, 3, 1, 2).contiguous().to(device)
            self.dist_wh = list(zip(d["widths"].tolist(), d["heights"].tolist()))
        self.device = device
        # Open Images photos (the kind of picture Veil sees) are drawn twice as often, pictures
        # without plates (prepare.py --neg) neg_repeat times as often as the rest.
        def repeat(m):
            return 2 if m["source"].startswith("openimages") else neg_repeat if m.get("negative") else 1

        self.pool = [i for i, m in enumerate(self.items) for _ in range(repeat(m))]
        self.negatives = [i for i, m in enumerate(self.items) if m.get("negative")]


def resize(img, h, w):
    x = img[None].float()
    anti = h < img.shape[1] or w < img.shape[2]
    return F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=anti)[0]


def paste(canvas, img, boxes, ox, oy, rect, out_boxes):
    """Pastes img (float [3,h,w]) at (ox,oy) clipped to rect; moves + clips its boxes into out_boxes."""
    _, h, w = img.shape
    rx1, ry1, rx2, ry2 = rect
    x1, y1, x2, y2 = max(ox, rx1), max(oy, ry1), min(ox + w, rx2), min(oy + h, ry2)
    if x2 <= x1 or y2 <= y1:
        return
    canvas[:, y1:y2, x1:x2] = img[:, y1 - oy : y2 - oy, x1 - ox : x2 - ox]
    if len(boxes):
        b = boxes.clone()
        b[:, [0, 2]] += ox
        b[:, [1, 3]] += oy
        area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        c = b.clone()
        c[:, [0, 2]] = c[:, [0, 2]].clamp(x1, x2)
        c[:, [1, 3]] = c[:, [1, 3]].clamp(y1, y2)
        carea = (c[:, 2] - c[:, 0]) * (c[:, 3] - c[:, 1])
        keep = (carea >= 0.45 * area) & (c[:, 2] - c[:, 0] >= 3) & (c[:, 3] - c[:, 1] >= 2)
        out_boxes.append(c[keep])


def scaled(data, i, long_side, aspect):
    img, boxes = data.imgs[i], data.boxes[i]
    _, h, w = img.shape
    s = long_side / max(h, w)
    sx, sy = s * math.sqrt(aspect), s / math.sqrt(aspect)
    nh, nw = max(4, round(h * sy)), max(4, round(w * sx))
    b = boxes.clone()
    b[:, [0, 2]] *= nw / w
    b[:, [1, 3]] *= nh / h
    im = resize(img, nh, nw)
    if random.random() < 0.5:
        im = im.flip(-1)
        b = torch.stack([nw - b[:, 2], b[:, 1], nw - b[:, 0], b[:, 3]], 1)
    return im, b


def warp_paste(canvas, tex, alpha_tex, pw, ph, free):
    """Pastes tex ([3,h,w] float) scaled to pw x ph, turned up to 12 degrees and sheared, at a
    random place where free(box) holds; returns the tight box of what was pasted, or None."""
    S = canvas.shape[1]
    ang = math.radians(random.uniform(-12, 12))
    shear = random.uniform(-0.25, 0.25)
    # corners of the patch after rotation + shear, around its centre
    corners = torch.tensor([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
    A = torch.tensor([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]]) @ torch.tensor([[1.0, shear], [0.0, 1.0]])
    cc = corners @ A.T
    bw, bh = float(cc[:, 0].max() - cc[:, 0].min()), float(cc[:, 1].max() - cc[:, 1].min())
    W, H = max(4, math.ceil(bw)), max(4, math.ceil(bh))
    if W >= S - 2 or H >= S - 2:
        return None
    for _ in range(4):
        ox, oy = random.randrange(0, S - W), random.randrange(0, S - H)
        nb = torch.tensor([[ox, oy, ox + W, oy + H]], dtype=torch.float32, device=canvas.device)
        if free(nb):
            break
    else:
        return None
    # sample the texture for each pixel of the W x H patch (inverse map to texture coords in [-1,1])
    Ainv = torch.linalg.inv(A)
    ys, xs = torch.meshgrid(torch.arange(H, dtype=torch.float32) + 0.5 - H / 2, torch.arange(W, dtype=torch.float32) + 0.5 - W / 2, indexing="ij")
    pts = torch.stack([xs, ys], -1) @ Ainv.T
    grid = torch.stack([pts[..., 0] / (pw / 2), pts[..., 1] / (ph / 2)], -1)[None].to(canvas.device)
    tw = tex.shape[2]
    small = resize(tex, max(4, round(ph)), max(4, round(pw))) if pw < tw else tex
    a_small = resize(alpha_tex, max(4, round(ph)), max(4, round(pw))) if pw < tw else alpha_tex
    patch = F.grid_sample(small[None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)[0]
    alpha = F.grid_sample(a_small[None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)[0]
    patch = patch * random.uniform(0.45, 1.1) + random.uniform(-20, 20)
    region = canvas[:, oy : oy + H, ox : ox + W]
    canvas[:, oy : oy + H, ox : ox + W] = region * (1 - alpha) + patch * alpha
    return torch.tensor([[cc[:, 0].min() + W / 2 + ox, cc[:, 1].min() + H / 2 + oy, cc[:, 0].max() + W / 2 + ox, cc[:, 1].max() + H / 2 + oy]], device=canvas.device)


def all_boxes(boxes, dev):
    """The boxes pasted so far as one [N,4] tensor."""
    return torch.cat(boxes) if boxes else torch.zeros((0, 4), device=dev)


def free_spot(S, w, h, boxes, dev, tries=6):
    """The top-left corner of a w x h window of the S x S canvas that overlaps none of `boxes`,
    drawn at random up to `tries` times; None when every draw overlapped."""
    existing = all_boxes(boxes, dev)
    for _ in range(tries):
        ox, oy = random.randrange(0, S - w), random.randrange(0, S - h)
        nb = torch.tensor([[ox, oy, ox + w, oy + h]], dtype=torch.float32, device=dev)
        if len(existing) == 0 or float(box_iou_matrix(nb, existing).max()) == 0:
            return ox, oy
    return None


def paste_plate(canvas, data, boxes_list, max_w=None):
    S = canvas.shape[1]
    k = random.randrange(len(data.tex_w))
    tw = data.tex_w[k]
    tex = data.tex[k, :, :, :tw].float()
    pw = math.exp(random.uniform(math.log(14), math.log(max_w or S * 0.4)))
    ph = pw * tex.shape[1] / tw * random.uniform(0.8, 1.2)
    existing = all_boxes(boxes_list, canvas.device)
    box = warp_paste(canvas, tex, torch.ones_like(tex[:1]), pw, ph, lambda nb: len(existing) == 0 or float(box_iou_matrix(nb, existing).max()) < 0.01)
    if box is not None:
        boxes_list.append(box)


def paste_distractor(canvas, data, boxes_list):
    """A synthetic non-plate, pasted where it hides no part of a plate; it gets no box."""
    S = canvas.shape[1]
    k = random.randrange(len(data.dist_wh))
    w, h = data.dist_wh[k]
    t = data.dist[k, :, :h, :w].float()
    pw = math.exp(random.uniform(math.log(24), math.log(S * 0.5)))
    ph = pw * h / w * random.uniform(0.85, 1.15)
    existing = all_boxes(boxes_list, canvas.device)

    def free(nb):
        if len(existing) == 0:
            return True
        # margin of a third of the plate's size around every plate
        m = torch.stack([(existing[:, 2] - existing[:, 0]) / 3, (existing[:, 3] - existing[:, 1]) / 3], 1).repeat(1, 2)
        grown = existing + torch.cat([-m[:, :2], m[:, 2:]], 1)
        ix = (torch.minimum(nb[0, 2], grown[:, 2]) - torch.maximum(nb[0, 0], grown[:, 0])).clamp(min=0)
        iy = (torch.minimum(nb[0, 3], grown[:, 3]) - torch.maximum(nb[0, 1], grown[:, 1])).clamp(min=0)
        return bool((ix * iy == 0).all())

    warp_paste(canvas, t[:3], t[3:] / 255.0, pw, ph, free)


def paste_empty_window(canvas, data, boxes, S):
    """A window of 24-300 px of a plate-free picture (prepare.py --neg) at a random scale,
    pasted where it hides no plate, with no box."""
    i = random.choice(data.negatives)
    _, h0, w0 = data.imgs[i].shape
    im, _ = scaled(data, i, max(h0, w0) * math.exp(random.uniform(math.log(0.1), math.log(1.0))), 1.0)
    _, h, w = im.shape
    ww, wh = min(w, int(math.exp(random.uniform(math.log(24), math.log(300))))), min(h, int(math.exp(random.uniform(math.log(16), math.log(200)))))
    if ww < 8 or wh < 8 or ww >= S or wh >= S:
        return
    x1, y1 = random.randrange(0, w - ww + 1), random.randrange(0, h - wh + 1)
    spot = free_spot(S, ww, wh, boxes, canvas.device)
    if spot:
        ox, oy = spot
        canvas[:, oy : oy + wh, ox : ox + ww] = im[:, y1 : y1 + wh, x1 : x1 + ww]


def far_sample(data, S, p_synth, p_empty=0.0):
    """A street seen from afar (train.py --far): a picture scaled to fill the canvas, then 1-4
    pictures with plates scaled so one plate is 12-56 px wide (a plate 40-170 px wide in a
    1080p frame, seen at the 640 px pass), each cut to a window of 2-6 plate widths around it
    and pasted where it hides no plate, plus small synthetic plates."""
    dev = data.device
    canvas = torch.full((3, S, S), 114.0, device=dev)
    boxes = []
    # the background: a picture whose plates stay under a quarter of the canvas at this scale
    # (close crops of one plate would make a giant plate), else a plate-free one
    long_side = S * math.exp(random.uniform(math.log(1.0), math.log(2.0)))
    for _ in range(5):
        i = random.choice(data.pool)
        bx, (_, h0, w0) = data.boxes[i], data.imgs[i].shape
        if len(bx) == 0 or float((bx[:, 2] - bx[:, 0]).max()) * long_side / max(h0, w0) < S / 4:
            break
    else:
        i = random.choice(data.negatives or data.pool)
    im, b = scaled(data, i, long_side, math.exp(random.uniform(-0.2, 0.2)))
    _, h, w = im.shape
    paste(canvas, im, b, random.randint(min(0, S - w), 0), random.randint(min(0, S - h), 0), (0, 0, S, S), boxes)
    with_plates = [i for i in data.pool if len(data.boxes[i])]
    for _ in range(random.randint(1, 4)):
        if data.negatives and random.random() < p_empty:
            # a window of a plate-free picture, pasted the same way: pasted windows are no cue
            paste_empty_window(canvas, data, boxes, S)
            continue
        i = random.choice(with_plates)
        src = data.boxes[i]
        j = random.randrange(len(src))
        bw = float(src[j, 2] - src[j, 0])
        if bw < 4:
            continue
        s = math.exp(random.uniform(math.log(12), math.log(56))) / bw
        _, h0, w0 = data.imgs[i].shape
        im, b = scaled(data, i, max(h0, w0) * s, math.exp(random.uniform(-0.15, 0.15)))
        # `scaled` keeps the boxes' order (a flip mirrors them in place)
        cx, cy = float(b[j, 0] + b[j, 2]) / 2, float(b[j, 1] + b[j, 3]) / 2
        pw = float(b[j, 2] - b[j, 0])
        half = pw * random.uniform(1.0, 3.0)
        _, h, w = im.shape
        x1, y1 = max(0, int(cx - half)), max(0, int(cy - half * random.uniform(0.5, 1.0)))
        x2, y2 = min(w, int(cx + half) + 1), min(h, int(cy + half * random.uniform(0.5, 1.0)) + 1)
        if x2 - x1 < 4 or y2 - y1 < 4 or x2 - x1 >= S or y2 - y1 >= S:
            continue
        crop = im[:, y1:y2, x1:x2]
        cb = b.clone()
        cb[:, [0, 2]] -= x1
        cb[:, [1, 3]] -= y1
        spot = free_spot(S, x2 - x1, y2 - y1, boxes, dev)
        if spot:
            ox, oy = spot
            paste(canvas, crop, cb, ox, oy, (ox, oy, ox + x2 - x1, oy + y2 - y1), boxes)
    if random.random() < p_synth:
        for _ in range(random.randint(1, 3)):
            paste_plate(canvas, data, boxes, max_w=56)
    return canvas, all_boxes(boxes, dev)


def make_sample(data, S, p_mosaic, p_synth, p_distract=0.0, p_far=0.0, p_far_empty=0.0):
    dev = data.device
    if random.random() < p_far:
        return far_sample(data, S, p_synth, p_far_empty)
    fill = random.choice([0.0, 114.0, random.uniform(0, 255)])
    canvas = torch.full((3, S, S), fill, device=dev)
    boxes = []
    if random.random() < p_mosaic:
        xc, yc = int(random.uniform(0.3, 0.7) * S), int(random.uniform(0.3, 0.7) * S)
        rects = [(0, 0, xc, yc), (xc, 0, S, yc), (0, yc, xc, S), (xc, yc, S, S)]
        for q, rect in enumerate(rects):
            im, b = scaled(data, random.choice(data.pool), S * math.exp(random.uniform(math.log(0.3), math.log(0.9))), math.exp(random.uniform(-0.25, 0.25)))
            _, h, w = im.shape
            ox = xc - w if q in (0, 2) else xc
            oy = yc - h if q in (0, 1) else yc
            paste(canvas, im, b, ox, oy, rect, boxes)
    else:
        im, b = scaled(data, random.choice(data.pool), S * math.exp(random.uniform(math.log(0.25), math.log(1.6))), math.exp(random.uniform(-0.25, 0.25)))
        _, h, w = im.shape
        ox = random.randint(min(0, S - w), max(0, S - w))
        oy = random.randint(min(0, S - h), max(0, S - h))
        paste(canvas, im, b, ox, oy, (0, 0, S, S), boxes)
    if random.random() < p_synth:
        for _ in range(random.randint(1, 3)):
            paste_plate(canvas, data, boxes)
    if data.dist is not None and random.random() < p_distract:
        for _ in range(random.randint(1, 3)):
            paste_distractor(canvas, data, boxes)
    return canvas, all_boxes(boxes, dev)


def motion_blur(x, share):
    """A share of the batch smeared along a line of 3-9 px at a random angle (moving cars in
    video frames); x [B,3,S,S] float, in place."""
    for i in range(x.shape[0]):
        if random.random() >= share:
            continue
        k = random.choice((3, 5, 7, 9))
        a = random.uniform(0, math.pi)
        t = torch.linspace(-(k - 1) / 2, (k - 1) / 2, 4 * k)
        ker = torch.zeros(k, k)
        for xx, yy in zip(t * math.cos(a), t * math.sin(a)):
            ker[round(float(yy)) + k // 2, round(float(xx)) + k // 2] += 1
        ker = (ker / ker.sum()).to(x.device).expand(3, 1, k, k)
        x[i] = F.conv2d(F.pad(x[i : i + 1], (k // 2,) * 4, mode="replicate"), ker, groups=3)[0]
    return x


def colour(x, p_motion=0.0):
    """x [B,3,S,S] in 0..255 -> augmented 0..255."""
    B = x.shape[0]
    dev = x.device
    if p_motion > 0:
        x = motion_blur(x, p_motion)
    r = lambda lo, hi: torch.empty(B, 1, 1, 1, device=dev).uniform_(lo, hi)  # noqa: E731
    p = lambda q: (torch.rand(B, 1, 1, 1, device=dev) < q).float()  # noqa: E731
    x = x / 255.0
    gray = (0.299 * x[:, :1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    x = gray + (x - gray) * r(0.4, 1.5)
    g = p(0.1)
    x = x * (1 - g) + gray.expand_as(x) * g
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * r(0.6, 1.4) + mean
    x = x * r(0.6, 1.4)
    night = p(0.15)
    x = x * (1 - night) + (x.clamp(0, 1) ** r(1.4, 2.4) * r(0.35, 0.8)) * night
    # blur: down + up sample a share of the batch
    blur = torch.rand(B, device=dev) < 0.25
    if blur.any():
        f = random.uniform(1.5, 3.5)
        S = x.shape[-1]
        sub = x[blur]
        small = F.interpolate(sub, scale_factor=1 / f, mode="bilinear", align_corners=False, antialias=True)
        x[blur] = F.interpolate(small, size=(S, S), mode="bilinear", align_corners=False)
    x = x + torch.randn_like(x) * r(0.0, 0.04) * p(0.35)
    return (x.clamp(0, 1) * 255.0)


def batch(data, B, S, p_mosaic, p_synth, p_distract=0.0, p_far=0.0, p_motion=0.0, p_far_empty=0.0):
    imgs, gts = [], []
    for _ in range(B):
        c, b = make_sample(data, S, p_mosaic, p_synth, p_distract, p_far, p_far_empty)
        imgs.append(c)
        gts.append(b)
    return colour(torch.stack(imgs), p_motion), gts


# ---- validation -------------------------------------------------------------------------


def letterbox(img, S):
    _, h, w = img.shape
    s = S / max(h, w)
    nh, nw = round(h * s), round(w * s)
    H, W = math.ceil(nh / 32) * 32, math.ceil(nw / 32) * 32
    out = torch.zeros((3, H, W), device=img.device)
    out[:, :nh, :nw] = resize(img, nh, nw)
    return out, s


@torch.no_grad()
def predict(model, img, S, min_score=0.05):
    x, s = letterbox(img, S)
    outs = model(x[None])
    boxes, scores = [], []
    for raw, st in zip(outs, STRIDES):
        raw = raw.float()
        sc = torch.sigmoid(raw[0, 0]).reshape(-1)
        bx = decode(raw, st)[0].reshape(-1, 4)
        k = sc >= min_score
        boxes.append(bx[k])
        scores.append(sc[k])
    boxes, scores = torch.cat(boxes), torch.cat(scores)
    boxes, scores = nms(boxes, scores, 0.45)
    return boxes / s, scores


def validate(model, data, S, thresholds=(0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)):
    model.eval()
    preds = [predict(model, img, S) for img in data.imgs]
    res = {}
    for t in thresholds:
        tp = fp = gt_n = 0
        for (pb, ps), gb in zip(preds, data.boxes):
            pb = pb[ps >= t]
            gt_n += len(gb)
            if len(pb) == 0:
                continue
            if len(gb) == 0:
                fp += len(pb)
                continue
            iou = box_iou_matrix(pb, gb)
            used = set()
            for i in range(len(pb)):
                j = int(iou[i].argmax())
                if float(iou[i, j]) >= 0.3 and j not in used:
                    used.add(j)
                    tp += 1
                else:
                    fp += 1
        res[str(t)] = {"recall": round(tp / max(1, gt_n), 4), "precision": round(tp / max(1, tp + fp), 4), "false_per_img": round(fp / max(1, len(data.imgs)), 3)}
    return res


# ---- export -----------------------------------------------------------------------------


def export(model, path):
    m = Exported(copy.deepcopy(model).float().cpu().eval())
    x = torch.zeros(1, 3, 640, 640)
    kw = dict(input_names=["input"], output_names=["s8", "s16", "s32"], opset_version=17,
              dynamic_axes={"input": {2: "H", 3: "W"}, "s8": {2: "H8", 3: "W8"}, "s16": {2: "H16", 3: "W16"}, "s32": {2: "H32", 3: "W32"}})
    try:
        torch.onnx.export(m, (x,), path, dynamo=False, **kw)
    except TypeError:  # torch < 2.5 has no `dynamo` argument
        torch.onnx.export(m, (x,), path, **kw)


def check_onnx(path, model, log):
    try:
        import onnxruntime as ort
    except ImportError:
        log("onnxruntime absent: export not checked")
        return
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    m = Exported(copy.deepcopy(model).float().cpu().eval())
    for H, W in ((640, 640), (544, 960)):
        x = torch.rand(1, 3, H, W) * 255
        ref = [o.detach().numpy() for o in m(x)]
        got = sess.run(None, {"input": x.numpy()})
        err = max(float(np.abs(a - b).max()) for a, b in zip(ref, got))
        log(f"onnx check {H}x{W}: shapes {[g.shape for g in got]} max abs diff {err:.2e}")


# ---- main -------------------------------------------------------------------------------


def base_args(ap, seconds=380, out_default="out"):
    """The options every detector trainer shares."""
    ap.add_argument("--out", default=os.environ.get("OUT", out_default))
    ap.add_argument("--seconds", type=float, default=seconds)
    ap.add_argument("--every", type=float, default=75)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--size", type=int, default=640)
    ap.add_argument("--val-size", type=int, default=640)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--mosaic", type=float, default=0.5)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--init", default="", help="<stem>.pt of an earlier run to continue from")
    ap.add_argument("--freeze-bn", action="store_true", help="keep batch-norm statistics as loaded (short fine-tunes from onnx-to-pt.py weights, whose BN is folded)")
    ap.add_argument("--warmup", type=int, default=300, help="steps of linear learning-rate warm-up")


def start(args):
    """Seeds, output folder, log function and device."""
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    logf = open(os.path.join(args.out, "log.txt"), "a")

    def log(msg):
        line = f"[{time.time() - t0:6.1f}s] {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    dev = torch.device(args.device)
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        log(f"device {torch.cuda.get_device_name(0)} torch {torch.__version__}")
    return t0, log, dev


def fit(args, model, val, sample, stem, t0, log, val_kw=None):
    """Time-boxed training (cosine on elapsed time, EMA weights). `sample()` returns (x, gts) or
    (x, gts, ignores); every --every seconds and at the end the EMA weights are validated on
    `val` and written to OUT/<stem>.onnx, OUT/<stem>.pt and OUT/metrics.json."""
    dev = torch.device(args.device)
    if args.init:
        model.load_state_dict(torch.load(args.init, map_location="cpu"))
        log(f"continuing from {args.init}")
    model = model.to(dev)
    nparam = sum(p.numel() for p in model.parameters())
    log(f"model: {nparam / 1e6:.2f} M parameters")
    if dev.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    ema = copy.deepcopy(model).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    decay, no_decay = [], []
    for n_, p in model.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.99))
    use_amp = dev.type == "cuda"
    step, last_dump = 0, time.time()
    train_t0 = time.time()
    budget = args.seconds - (train_t0 - t0)
    seen = 0

    def dump(final=False):
        res = validate(ema, val, args.val_size, **(val_kw or {}))
        best_t = max(res, key=lambda t: res[t]["recall"] + res[t]["precision"])
        log(f"step {step} samples {seen} val " + " | ".join(f"t{t}: R {v['recall']:.3f} P {v['precision']:.3f} F/img {v['false_per_img']:.2f}" for t, v in res.items()))
        json.dump({"step": step, "samples": seen, "seconds": round(time.time() - t0, 1), "val": res, "best_threshold": best_t, "val_images": len(val.imgs), "final": final}, open(os.path.join(args.out, "metrics.json"), "w"), indent=1)
        onnx_path = os.path.join(args.out, f"{stem}.onnx")
        torch.save({k: v.float().cpu() for k, v in ema.state_dict().items()}, os.path.join(args.out, f"{stem}.pt"))
        try:
            export(ema, onnx_path)
        except Exception as err:  # the .pt is there to export elsewhere
            log(f"onnx export failed: {type(err).__name__}: {err}")
            return
        if final:
            check_onnx(onnx_path, ema, log)
        log(f"exported ({os.path.getsize(onnx_path)} B)")

    while True:
        frac = (time.time() - train_t0) / budget
        if frac >= 1:
            break
        warm = min(1.0, (step + 1) / max(1, args.warmup))
        lr = args.lr * warm * (0.04 + 0.96 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))
        for g in opt.param_groups:
            g["lr"] = lr
        model.train()
        if args.freeze_bn:
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.eval()
        with torch.no_grad():
            got = sample()
            x, gts = got[0], got[1]
            ignores = got[2] if len(got) > 2 else None
            if dev.type == "cuda":
                x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=use_amp):
            outs = model(x)
        lc, lr_ = loss_fn(outs, gts, ignores)
        loss = lc + 2.0 * lr_
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        step += 1
        seen += x.shape[0]
        d = min(0.999, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pm in zip(ema.state_dict().values(), model.state_dict().values()):
                if pe.dtype.is_floating_point:
                    pe.mul_(d).add_(pm.detach(), alpha=1 - d)
                else:
                    pe.copy_(pm)
        if step % 50 == 0 or step == 1:
            log(f"step {step} lr {lr:.2e} cls {float(lc):.4f} giou {float(lr_):.4f} ({(time.time() - train_t0) / step * 1000:.0f} ms/step)")
        if time.time() - last_dump > args.every:
            dump()
            last_dump = time.time()
    dump(final=True)
    log("done")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".plate-data")
    ap.add_argument("--synth", type=float, default=0.4)
    ap.add_argument("--distract", type=float, default=0.0, help="share of samples that get 1-3 synthetic non-plates (prepare.py's distractors.npz)")
    ap.add_argument("--neg-repeat", type=int, default=1, help="draw each plate-free picture (prepare.py --neg) this many times as often")
    ap.add_argument("--far", type=float, default=0.0, help="share of samples that are far streets: plates 12-56 px wide on a filled canvas (far_sample)")
    ap.add_argument("--far-empty", type=float, default=0.0, help="share of a far street's pasted windows cut from plate-free pictures (no box)")
    ap.add_argument("--motion", type=float, default=0.0, help="share of samples smeared by motion blur")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    base_args(ap)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    t0, log, dev = start(args)
    train, val = Data(args.data, dev, "train", args.neg_repeat), Data(args.data, dev, "val")
    log(f"data: {len(train.imgs)} train, {len(val.imgs)} val pictures, {len(train.tex_w)} plate textures, {len(train.dist_wh)} distractors")
    fit(args, PlateNet(), val, lambda: batch(train, args.batch, args.size, args.mosaic, args.synth, args.distract, args.far, args.motion, args.far_empty), "plate-det", t0, log)


if __name__ == "__main__":
    main()
