"""Trains Veil's face detector from scratch and exports it to ONNX (README.md beside this).

The network, targets, losses, validation, export and the time-boxed training loop are the plate
detector's (scripts/train-plate/train.py, imported): a plain residual CNN, an FPN + PAN neck at
strides 8/16/32 and one shared head predicting a score (quality focal loss) and a box (GIoU)
per cell. What is face-specific lives here: the data (prepare.ts's folder, with `ignore`
regions where the teacher was unsure: no loss there) and the augmentation, all on the GPU from
pictures preloaded as tensors: mosaic of 4, scale (faces from ~6 px to most of the frame),
aspect, crop, flip, colour, grey, night, blur, noise, and synthetic paste-ins: face crops
(prepare.ts's `paste/`) pasted with a soft elliptic edge, one to a few at any size or a crowd of
small ones.

Writes to --out every --every seconds and at the end: face-det.onnx (EMA weights), face-det.pt,
log.txt and metrics.json (recall/precision on the held-out split, IoU >= 0.3).

ONNX graph: input `input` [1,3,H,W] RGB 0..255 (H, W multiples of 32), outputs `s8`, `s16`,
`s32` [1,5,H/s,W/s]: channel 0 the face score (sigmoid applied), 1-2 the centre offset
(cx = (x + 0.5 + o1) * s), 3-4 log size (w = exp(o3) * s, h = exp(o4) * s).
"""

import argparse
import importlib.util
import json
import math
import os
import random

import numpy as np
import torch
from PIL import Image

_spec = importlib.util.spec_from_file_location("plate_train", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train-plate", "train.py"))
det = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(det)

# Pictures of crowds (the hard case Veil is for) are drawn more often.
SOURCE_WEIGHT = {"mask-wearing": 4, "mask-wearing-test": 4, "ns18": 1, "openimages-cars": 1, "pixabay-rainbow": 1}


def load_rgb(path, device):
    a = np.asarray(Image.open(path).convert("RGB"))
    return torch.from_numpy(a.copy()).permute(2, 0, 1).contiguous().to(device)


class FaceData:
    def __init__(self, root, device, split):
        meta = json.load(open(os.path.join(root, "labels.json")))
        self.items = [m for m in meta if m["split"] == split]
        self.imgs, self.boxes, self.ignores = [], [], []
        for m in self.items:
            self.imgs.append(load_rgb(os.path.join(root, "img", m["file"]), device))
            self.boxes.append(torch.tensor(m["boxes"], dtype=torch.float32, device=device).reshape(-1, 4))
            self.ignores.append(torch.tensor(m.get("ignore", []), dtype=torch.float32, device=device).reshape(-1, 4))
        self.pool = [i for i, m in enumerate(self.items) for _ in range(SOURCE_WEIGHT.get(m["source"], 1))]
        self.device = device
        self.crops, self.crop_boxes = [], []
        paste = os.path.join(root, "paste.json")
        if split == "train" and os.path.exists(paste):
            for p in json.load(open(paste)):
                self.crops.append(load_rgb(os.path.join(root, "paste", p["file"]), device).float())
                self.crop_boxes.append(p["box"])


def move_boxes(b, ox, oy, x1, y1, x2, y2):
    """Boxes shifted by (ox, oy) and clipped to the rect; returns (kept, cut): boxes that keep at
    least 45% of their area stay faces, smaller remnants become ignore regions."""
    if len(b) == 0:
        return b, b
    b = b.clone()
    b[:, [0, 2]] += ox
    b[:, [1, 3]] += oy
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    c = b.clone()
    c[:, [0, 2]] = c[:, [0, 2]].clamp(x1, x2)
    c[:, [1, 3]] = c[:, [1, 3]].clamp(y1, y2)
    w, h = c[:, 2] - c[:, 0], c[:, 3] - c[:, 1]
    visible = (w > 0) & (h > 0)
    keep = (w * h >= 0.45 * area) & (w >= 3) & (h >= 3)
    return c[keep], c[visible & ~keep]


def place(canvas, img, boxes, ign, ox, oy, rect, out_boxes, out_ign):
    _, h, w = img.shape
    rx1, ry1, rx2, ry2 = rect
    x1, y1, x2, y2 = max(ox, rx1), max(oy, ry1), min(ox + w, rx2), min(oy + h, ry2)
    if x2 <= x1 or y2 <= y1:
        return
    canvas[:, y1:y2, x1:x2] = img[:, y1 - oy : y2 - oy, x1 - ox : x2 - ox]
    kept, cut = move_boxes(boxes, ox, oy, x1, y1, x2, y2)
    out_boxes.append(kept)
    out_ign.append(cut)
    if len(ign):
        ig = ign.clone()
        ig[:, [0, 2]] = (ig[:, [0, 2]] + ox).clamp(x1, x2)
        ig[:, [1, 3]] = (ig[:, [1, 3]] + oy).clamp(y1, y2)
        out_ign.append(ig[(ig[:, 2] > ig[:, 0]) & (ig[:, 3] > ig[:, 1])])


def flip_boxes(b, w):
    return torch.stack([w - b[:, 2], b[:, 1], w - b[:, 0], b[:, 3]], 1) if len(b) else b


def scaled(data, i, long_side, aspect):
    img = data.imgs[i]
    _, h, w = img.shape
    s = long_side / max(h, w)
    sx, sy = s * math.sqrt(aspect), s / math.sqrt(aspect)
    nh, nw = max(4, round(h * sy)), max(4, round(w * sx))
    fx, fy = nw / w, nh / h
    b = data.boxes[i] * torch.tensor([fx, fy, fx, fy], device=img.device)
    g = data.ignores[i] * torch.tensor([fx, fy, fx, fy], device=img.device)
    im = det.resize(img, nh, nw)
    if random.random() < 0.5:
        im = im.flip(-1)
        b, g = flip_boxes(b, nw), flip_boxes(g, nw)
    return im, b, g


def soft_ellipse(h, w, device):
    """Alpha of a head-shaped ellipse in a crop (the crops are ~2.1 face widths wide, the head
    ~1.4): narrower than the crop so little of the studio background comes along."""
    ys = ((torch.arange(h, device=device, dtype=torch.float32) + 0.5) / h * 2 - 1) / 0.95
    xs = ((torch.arange(w, device=device, dtype=torch.float32) + 0.5) / w * 2 - 1) / 0.72
    r = torch.sqrt(ys[:, None] ** 2 + xs[None, :] ** 2)
    return ((1 - r) / 0.25).clamp(0, 1)[None]


def paste_face(canvas, data, boxes, face_px):
    """One face crop pasted so that its face box is about `face_px` wide; returns False when it
    found no free place (a pasted head must not hide a labelled face)."""
    S = canvas.shape[1]
    k = random.randrange(len(data.crops))
    crop = data.crops[k]
    fx1, fy1, fx2, fy2 = data.crop_boxes[k]
    s = face_px / max(1.0, fx2 - fx1)
    _, ch, cw = crop.shape
    nh, nw = max(3, round(ch * s)), max(3, round(cw * s))
    if nh >= S or nw >= S:
        return False
    patch = det.resize(crop, nh, nw)
    face = torch.tensor([fx1 * nw / cw, fy1 * nh / ch, fx2 * nw / cw, fy2 * nh / ch])
    if random.random() < 0.5:
        patch = patch.flip(-1)
        face = torch.tensor([nw - face[2], face[1], nw - face[0], face[3]])
    patch = patch * random.uniform(0.55, 1.25) + torch.empty(3, 1, 1, device=patch.device).uniform_(-18, 18)
    existing = torch.cat(boxes) if boxes else torch.zeros((0, 4), device=canvas.device)
    for _ in range(4):
        ox, oy = random.randrange(0, S - nw + 1), random.randrange(0, S - nh + 1)
        rect = torch.tensor([[ox, oy, ox + nw, oy + nh]], dtype=torch.float32, device=canvas.device)
        if len(existing):
            ix = (torch.min(rect[:, 2], existing[:, 2]) - torch.max(rect[:, 0], existing[:, 0])).clamp(min=0)
            iy = (torch.min(rect[:, 3], existing[:, 3]) - torch.max(rect[:, 1], existing[:, 1])).clamp(min=0)
            ea = (existing[:, 2] - existing[:, 0]) * (existing[:, 3] - existing[:, 1])
            if float((ix * iy / ea.clamp(min=1)).max()) > 0.2:
                continue
        alpha = soft_ellipse(nh, nw, canvas.device)
        region = canvas[:, oy : oy + nh, ox : ox + nw]
        canvas[:, oy : oy + nh, ox : ox + nw] = region * (1 - alpha) + patch * alpha
        boxes.append((face + torch.tensor([ox, oy, ox, oy])).to(canvas.device)[None])
        return True
    return False


def make_sample(data, S, p_mosaic, p_paste, p_crowd):
    dev = data.device
    fill = random.choice([0.0, 114.0, random.uniform(0, 255)])
    canvas = torch.full((3, S, S), fill, device=dev)
    boxes, ign = [], []
    if random.random() < p_mosaic:
        xc, yc = int(random.uniform(0.3, 0.7) * S), int(random.uniform(0.3, 0.7) * S)
        rects = [(0, 0, xc, yc), (xc, 0, S, yc), (0, yc, xc, S), (xc, yc, S, S)]
        for q, rect in enumerate(rects):
            im, b, g = scaled(data, random.choice(data.pool), S * math.exp(random.uniform(math.log(0.3), math.log(1.0))), math.exp(random.uniform(-0.2, 0.2)))
            _, h, w = im.shape
            ox = xc - w if q in (0, 2) else xc
            oy = yc - h if q in (0, 1) else yc
            place(canvas, im, b, g, ox, oy, rect, boxes, ign)
    else:
        im, b, g = scaled(data, random.choice(data.pool), S * math.exp(random.uniform(math.log(0.3), math.log(2.2))), math.exp(random.uniform(-0.2, 0.2)))
        _, h, w = im.shape
        ox = random.randint(min(0, S - w), max(0, S - w))
        oy = random.randint(min(0, S - h), max(0, S - h))
        place(canvas, im, b, g, ox, oy, (0, 0, S, S), boxes, ign)
    if data.crops and random.random() < p_paste:
        if random.random() < p_crowd:
            for _ in range(random.randint(6, 24)):
                paste_face(canvas, data, boxes, math.exp(random.uniform(math.log(7), math.log(40))))
        else:
            for _ in range(random.randint(1, 4)):
                paste_face(canvas, data, boxes, math.exp(random.uniform(math.log(10), math.log(S * 0.55))))
    cat = lambda xs: torch.cat(xs) if xs else torch.zeros((0, 4), device=dev)  # noqa: E731
    return canvas, cat(boxes), cat(ign)


def batch(data, B, S, p_mosaic, p_paste, p_crowd):
    imgs, gts, igs = [], [], []
    for _ in range(B):
        c, b, g = make_sample(data, S, p_mosaic, p_paste, p_crowd)
        imgs.append(c)
        gts.append(b)
        igs.append(g)
    return det.colour(torch.stack(imgs)), gts, igs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".face-data")
    ap.add_argument("--paste", type=float, default=0.5, help="share of samples with pasted faces")
    ap.add_argument("--crowd", type=float, default=0.35, help="share of those that get a crowd of small faces")
    det.base_args(ap)
    args = ap.parse_args()
    t0, log, dev = det.start(args)
    train, val = FaceData(args.data, dev, "train"), FaceData(args.data, dev, "val")
    log(f"data: {len(train.imgs)} train ({sum(len(b) for b in train.boxes)} faces), {len(val.imgs)} val pictures ({sum(len(b) for b in val.boxes)} faces), {len(train.crops)} face crops")
    det.fit(args, det.PlateNet(), val, lambda: batch(train, args.batch, args.size, args.mosaic, args.paste, args.crowd), "face-det", t0, log)


if __name__ == "__main__":
    main()
