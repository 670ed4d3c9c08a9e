"""Builds the training folder for Veil's plate detector (see README.md beside this file).

Reads YOLO-format plate datasets (one folder per source, each with */images and */labels),
drops every image that is one of the evaluation photos (eval-data/plates: by Open Images id
and by a 16x16 average hash of the whole picture, mirrored too), drops exact and near-exact
duplicates, re-encodes the rest (longest side at most --max-side, JPEG q85) and writes:

  OUT/img/<n>.jpg        the pictures
  OUT/labels.json        [{"file", "source", "origin", "split": "train"|"val", "trusted", "boxes": [[x1,y1,x2,y2], ...]}]
  OUT/plates.npz         rendered synthetic plate textures (pasted on the GPU while training)
  OUT/distractors.npz    rendered plate-like things that are not plates: banners, shop and
                         street-name signs, text blocks, badges, grilles (pasted as negatives)

Usage: python3 prepare.py OUT --eval eval-data/plates --src name=path[:class] ...
Needs numpy and Pillow only. Nothing it writes may be committed (the pictures are third-party).
"""

import argparse
import glob
import hashlib
import io
import json
import os
import random
import re

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HEX_ID = re.compile(r"([0-9a-f]{16})")


def ahash(img: Image.Image) -> np.ndarray:
    g = np.asarray(img.convert("L").resize((16, 16), Image.BILINEAR), dtype=np.float32)
    return (g > g.mean()).reshape(-1)


def near(h: np.ndarray, bank: np.ndarray, tol: int) -> bool:
    if len(bank) == 0:
        return False
    return bool(((bank != h).sum(axis=1) <= tol).any())


def read_yolo(label_path: str, w: int, h: int, keep_class: int):
    boxes = []
    if not os.path.exists(label_path):
        return boxes
    for line in open(label_path):
        p = line.split()
        if len(p) < 5 or int(float(p[0])) != keep_class:
            continue
        cx, cy, bw, bh = (float(v) for v in p[1:5])
        x1, y1 = (cx - bw / 2) * w, (cy - bh / 2) * h
        x2, y2 = (cx + bw / 2) * w, (cy + bh / 2) * h
        x1, y1, x2, y2 = max(0, x1), max(0, y1), min(w, x2), min(h, y2)
        if x2 - x1 >= 2 and y2 - y1 >= 2:
            boxes.append([x1, y1, x2, y2])
    return boxes


# ---- synthetic plate textures ------------------------------------------------------------

FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf",
]
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
DIGITS = "0123456789"
TEX_H, TEX_W = 64, 320


def rand_text(rng: random.Random, style: str) -> str:
    L = lambda n: "".join(rng.choice(LETTERS) for _ in range(n))  # noqa: E731
    D = lambda n: "".join(rng.choice(DIGITS) for _ in range(n))  # noqa: E731
    pick = {
        "eu": lambda: rng.choice([f"{L(2)} {L(2)} {D(3)}", f"{L(2)}-{D(3)}-{L(2)}", f"{D(4)} {L(3)}", f"{L(1)} {L(2)} {D(4)}", f"{L(2)}{D(2)} {L(3)}"]),
        "uk": lambda: f"{L(2)}{D(2)} {L(3)}",
        "us": lambda: rng.choice([f"{D(1)}{L(3)}{D(3)}", f"{L(3)} {D(4)}", f"{L(3)}-{D(4)}", f"{D(3)} {L(3)}"]),
        "br": lambda: f"{L(3)}{D(1)}{L(1)}{D(2)}",
        "cn": lambda: f"{L(1)}{L(1)}·{D(3)}{L(1)}{D(1)}",
        "as": lambda: rng.choice([f"{D(2)}{L(1)}-{D(3)}.{D(2)}", f"{L(2)} {D(4)}", f"{D(2)} {L(2)} {D(4)}"]),
    }[style]
    return pick()


def render_plate(rng: random.Random) -> np.ndarray:
    style = rng.choice(["eu", "eu", "eu", "uk", "us", "us", "br", "br", "cn", "as"])
    aspect = {"eu": 4.7, "uk": 4.7, "br": 3.1, "us": 2.0, "cn": 3.1, "as": 3.0}[style] * rng.uniform(0.9, 1.1)
    two_rows = style in ("us", "as") and rng.random() < 0.25
    if two_rows:
        aspect = rng.uniform(1.4, 2.0)
    H = TEX_H
    W = min(TEX_W, int(round(H * aspect)))
    bg = {
        "eu": (235, 235, 232), "uk": rng.choice([(235, 235, 232), (245, 200, 20)]),
        "br": (238, 238, 238), "cn": rng.choice([(20, 60, 170), (240, 240, 240), (240, 200, 20), (90, 200, 120)]),
        "us": rng.choice([(240, 240, 240), (230, 230, 210), (250, 240, 200), (200, 220, 240), (240, 240, 240)]),
        "as": rng.choice([(240, 240, 240), (245, 210, 30), (240, 240, 240)]),
    }[style]
    if rng.random() < 0.08:  # dark plates (old EU, some Asian)
        bg = (25, 25, 30)
    ink = (240, 240, 240) if sum(bg) < 300 else rng.choice([(15, 15, 20), (20, 30, 90), (120, 20, 20)] if style == "us" else [(15, 15, 20)])
    im = Image.new("RGB", (W, H), bg)
    d = ImageDraw.Draw(im)
    x0, y0, x1, y1 = 0, 0, W, H
    if style in ("eu", "uk") and rng.random() < 0.8:
        bw = int(W * 0.09)
        d.rectangle([0, 0, bw, H], fill=(20, 50, 160))
        x0 = bw + 2
    if style == "br":
        bh = int(H * 0.22)
        d.rectangle([0, 0, W, bh], fill=(20, 50, 160))
        y0 = bh
    if style == "us" and not two_rows:
        y0, y1 = int(H * 0.18), int(H * 0.85)
        d.text((W * 0.3, 1), rng.choice(["STATE", "OHIO", "TEXAS", "NEVADA", "OREGON", "MAINE"]), fill=ink, font=ImageFont.truetype(rng.choice(FONTS), int(H * 0.16)))
    if rng.random() < 0.7:
        t = max(1, int(H * 0.04))
        d.rectangle([t, t, W - 1 - t, H - 1 - t], outline=ink, width=t)
    rows = [rand_text(rng, style)]
    if two_rows:
        rows = [rows[0][: len(rows[0]) // 2], rows[0][len(rows[0]) // 2 :]]
    font_path = rng.choice(FONTS)
    for r, text in enumerate(rows):
        rh = (y1 - y0) / len(rows)
        size = int(rh * 0.8)
        font = ImageFont.truetype(font_path, size)
        while size > 8:
            bbox = d.textbbox((0, 0), text, font=font)
            if bbox[2] - bbox[0] <= (x1 - x0) * 0.9:
                break
            size -= 2
            font = ImageFont.truetype(font_path, size)
        bbox = d.textbbox((0, 0), text, font=font)
        tx = x0 + ((x1 - x0) - (bbox[2] - bbox[0])) / 2 - bbox[0]
        ty = y0 + r * rh + (rh - (bbox[3] - bbox[1])) / 2 - bbox[1]
        d.text((tx, ty), text, fill=ink, font=font)
    if rng.random() < 0.3:
        im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    out = np.zeros((TEX_H, TEX_W, 3), np.uint8)
    out[:, :W] = np.asarray(im)
    return out, W


# ---- synthetic distractors: text and shapes that are not plates --------------------------

SYLLABLES = ["ba", "ker", "y", "cafe", "ma", "rk", "et", "sto", "re", "pha", "rm", "acy", "ho", "tel", "sa", "le", "op", "en",
             "st", "ree", "t", "av", "en", "ue", "ro", "ad", "bus", "ti", "ck", "lo", "nd", "on", "pa", "ris", "ber", "lin"]
DIST_H, DIST_W = 128, 384
INKS = [(15, 15, 20), (240, 240, 240), (200, 30, 30), (20, 40, 140), (250, 210, 40), (30, 120, 60)]


def word(rng: random.Random, caps: bool) -> str:
    w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
    return w.upper() if caps else w.capitalize()


def fitted_font(d: ImageDraw.ImageDraw, text: str, path: str, size: int, width: float):
    while True:
        font = ImageFont.truetype(path, size)
        bbox = d.textbbox((0, 0), text, font=font)
        if bbox[2] - bbox[0] <= width or size <= 8:
            return font, bbox
        size -= 2


def render_distractor(rng: random.Random) -> np.ndarray:
    """An RGBA picture of something plate-like that is no plate: words without digits on a
    banner or sign, a block of small text lines, an oval badge, a grille of bars."""
    kind = rng.choice(["banner", "banner", "sign", "sign", "block", "badge", "grille"])
    ink = rng.choice(INKS)
    bg = rng.choice([c for c in INKS + [(120, 120, 125), (180, 150, 110)] if c != ink])
    if kind == "banner":  # shop lettering: one or two words, long, border or none
        text = " ".join(word(rng, rng.random() < 0.6) for _ in range(rng.randint(1, 2)))
        while len(text) < 7:  # a short word alone on a white band would be a plate without digits
            text += word(rng, text.isupper())
        W, H = DIST_W, rng.randint(36, 64)
    elif kind == "sign":  # street-name or direction sign: mixed case, framed
        text = word(rng, False) + rng.choice([" St", " Ave", " Rd", "str.", " Pl", ""])
        W, H = rng.randint(220, DIST_W), rng.randint(48, 72)
    elif kind == "block":  # a notice, menu or poster: several lines of small text
        W, H = rng.randint(120, 300), DIST_H
        text = ""
    elif kind == "badge":
        W, H = rng.randint(110, 200), rng.randint(50, 90)
        text = word(rng, True)[: rng.randint(3, 7)]
    else:  # grille: horizontal or vertical bars in greys or chrome, no text
        W, H = rng.randint(160, DIST_W), rng.randint(40, 110)
        text = ""
        g = rng.randint(10, 90)
        ink, bg = (g, g, g + 4), tuple(min(255, g + rng.randint(60, 160)) for _ in range(3))
    im = Image.new("RGB", (W, H), bg)
    alpha = Image.new("L", (W, H), 255)
    d = ImageDraw.Draw(im)
    font_path = rng.choice(FONTS)
    if kind in ("banner", "sign"):
        if kind == "sign" or rng.random() < 0.3:
            t = max(1, H // 16)
            d.rectangle([t, t, W - 1 - t, H - 1 - t], outline=ink, width=t)
        font, bbox = fitted_font(d, text, font_path, int(H * 0.75), W * 0.92)
        d.text(((W - (bbox[2] - bbox[0])) / 2 - bbox[0], (H - (bbox[3] - bbox[1])) / 2 - bbox[1]), text, fill=ink, font=font)
    elif kind == "block":
        lines = rng.randint(3, 7)
        lh = H / lines
        for r in range(lines):
            line = " ".join(word(rng, rng.random() < 0.3) for _ in range(rng.randint(1, 4)))
            font, bbox = fitted_font(d, line, font_path, int(lh * 0.8), W * 0.95)
            d.text((W * 0.03 - bbox[0], r * lh + (lh - (bbox[3] - bbox[1])) / 2 - bbox[1]), line, fill=ink, font=font)
    elif kind == "badge":
        alpha = Image.new("L", (W, H), 0)
        ImageDraw.Draw(alpha).ellipse([0, 0, W - 1, H - 1], fill=255)
        d.ellipse([2, 2, W - 3, H - 3], outline=ink, width=max(2, H // 14))
        font, bbox = fitted_font(d, text, font_path, int(H * 0.5), W * 0.7)
        d.text(((W - (bbox[2] - bbox[0])) / 2 - bbox[0], (H - (bbox[3] - bbox[1])) / 2 - bbox[1]), text, fill=ink, font=font)
    else:
        n = rng.randint(4, 12)
        vertical = rng.random() < 0.35
        span = W if vertical else H
        for k in range(n):
            a = int(k * span / n)
            b = int(a + span / n * rng.uniform(0.35, 0.65))
            d.rectangle([a, 0, b, H] if vertical else [0, a, W, b], fill=ink)
    if rng.random() < 0.3:
        im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    out = np.zeros((DIST_H, DIST_W, 4), np.uint8)
    out[:H, :W, :3] = np.asarray(im)
    out[:H, :W, 3] = np.asarray(alpha)
    return out, W, H


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--eval", required=True, help="folder with annotations.json and the eval images")
    ap.add_argument("--src", action="append", required=True, help="name=path[:class] (class kept, default 0)")
    ap.add_argument("--max-side", type=int, default=640)
    ap.add_argument("--val-share", type=float, default=0.1)
    ap.add_argument("--plates", type=int, default=1500, help="synthetic plate textures to render")
    ap.add_argument("--distractors", type=int, default=1500, help="synthetic non-plates to render (train.py --distract)")
    ap.add_argument("--limit", type=int, default=0, help="at most this many images per source (tests)")
    ap.add_argument("--neg", action="append", default=[], help="name=path: pictures without any plate (every file below path), kept with no boxes as hard negatives")
    ap.add_argument("--trust", action="append", default=[], help="name=regex: only pictures of that source whose original name matches are trusted without check-labels.ts")
    args = ap.parse_args()

    ann = json.load(open(os.path.join(args.eval, "annotations.json")))
    eval_ids = set()
    eval_hashes = []
    for im in ann["images"]:
        eval_ids.update(HEX_ID.findall(im["source"]))
        eval_ids.update(HEX_ID.findall(im["file"]))
        pic = Image.open(os.path.join(args.eval, im["file"])).convert("RGB")
        eval_hashes.append(ahash(pic))
        eval_hashes.append(ahash(pic.transpose(Image.FLIP_LEFT_RIGHT)))
    eval_hashes = np.array(eval_hashes)
    print(f"eval: {len(ann['images'])} images, {len(eval_ids)} ids")

    trust = {k: re.compile(v) for k, v in (t.split("=", 1) for t in args.trust)}
    os.makedirs(os.path.join(args.out, "img"), exist_ok=True)
    kept, seen = [], []
    stats = {}

    def store(pic, boxes, stem, **entry):
        """Writes the picture (longest side at most --max-side) and its entry; the split is a hash of its name."""
        s = min(1.0, args.max_side / max(pic.width, pic.height))
        if s < 1:
            pic = pic.resize((round(pic.width * s), round(pic.height * s)), Image.BILINEAR)
            boxes = [[v * s for v in b] for b in boxes]
        out_name = f"{len(kept):05d}.jpg"
        pic.save(os.path.join(args.out, "img", out_name), quality=85)
        val = int(hashlib.sha1(stem.encode()).hexdigest(), 16) % 1000 < args.val_share * 1000
        kept.append({"file": out_name, "origin": stem, "split": "val" if val else "train", **entry, "boxes": [[round(v, 1) for v in b] for b in boxes]})

    for spec in args.src:
        name, rest = spec.split("=", 1)
        path, _, cls = rest.partition(":")
        keep_class = int(cls) if cls else 0
        files = sorted(glob.glob(os.path.join(path, "**", "images", "*"), recursive=True))
        if args.limit:
            files = files[: args.limit]
        st = stats.setdefault(name, {"read": 0, "eval_id": 0, "eval_hash": 0, "duplicate": 0, "no_plate": 0, "kept": 0, "boxes": 0})
        for f in files:
            st["read"] += 1
            base = os.path.basename(f)
            stem = base.split("_jpg.rf.")[0].split("_jpeg.rf.")[0].split("_png.rf.")[0]
            if any(i in eval_ids for i in HEX_ID.findall(stem.lower())):
                st["eval_id"] += 1
                continue
            pic = Image.open(f).convert("RGB")
            h = ahash(pic)
            if near(h, eval_hashes, 24):
                st["eval_hash"] += 1
                continue
            if near(h, np.array(seen) if seen else np.zeros((0, 256), bool), 6):
                st["duplicate"] += 1
                continue
            label = os.path.join(os.path.dirname(os.path.dirname(f)), "labels", os.path.splitext(base)[0] + ".txt")
            boxes = read_yolo(label, pic.width, pic.height, keep_class)
            if not boxes:
                st["no_plate"] += 1
                continue
            seen.append(h)
            store(pic, boxes, stem, source=name, trusted=name not in trust or bool(trust[name].fullmatch(stem)))
            st["kept"] += 1
            st["boxes"] += len(boxes)
    for spec in args.neg:
        name, path = spec.split("=", 1)
        files = sorted(f for f in glob.glob(os.path.join(path, "**", "*"), recursive=True) if os.path.isfile(f))
        if args.limit:
            files = files[: args.limit]
        st = stats.setdefault(name, {"read": 0, "unreadable": 0, "duplicate": 0, "kept": 0, "boxes": 0})
        for f in files:
            st["read"] += 1
            try:
                pic = Image.open(f).convert("RGB")
            except OSError:
                st["unreadable"] += 1
                continue
            h = ahash(pic)
            if near(h, np.array(seen) if seen else np.zeros((0, 256), bool), 6):
                st["duplicate"] += 1
                continue
            seen.append(h)
            store(pic, [], os.path.splitext(os.path.basename(f))[0], source=name, trusted=True, negative=True)
            st["kept"] += 1
    json.dump(kept, open(os.path.join(args.out, "labels.json"), "w"))

    rng = random.Random(4)
    tex, widths = [], []
    for _ in range(args.plates):
        t, w = render_plate(rng)
        tex.append(t)
        widths.append(w)
    np.savez_compressed(os.path.join(args.out, "plates.npz"), tex=np.stack(tex), widths=np.array(widths, np.int32))
    Image.fromarray(np.concatenate(tex[:12], axis=0)).save(os.path.join(args.out, "plates-sample.png"))
    drng = random.Random(5)
    dist = [render_distractor(drng) for _ in range(args.distractors)]
    if dist:
        np.savez_compressed(os.path.join(args.out, "distractors.npz"), tex=np.stack([t for t, _, _ in dist]),
                            widths=np.array([w for _, w, _ in dist], np.int32), heights=np.array([h for _, _, h in dist], np.int32))
        Image.fromarray(np.concatenate([t[:, :, :3] for t, _, _ in dist[:16]], axis=0)).save(os.path.join(args.out, "distractors-sample.png"))
    splits = {s: sum(1 for k in kept if k["split"] == s) for s in ("train", "val")}
    print(json.dumps({"sources": stats, "splits": splits, "plates": args.plates}, indent=1))
    json.dump({"sources": stats, "splits": splits, "plates": args.plates}, open(os.path.join(args.out, "stats.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
