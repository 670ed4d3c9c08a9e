"""Writes the held-out plate set that scripts/eval/veil-plate-sweep.ts scores (models/README.md,
"The second pass"): the pictures of prepare.py's `val` split that training would use (trusted, or
confirmed by check-labels.ts), as an annotations.json in eval-data's format, in the same folder.

  python3 scripts/train-plate/held-out.py .plate-data   # after prepare.py (+ check-labels.ts)
  node --import tsx scripts/eval/veil-plate-sweep.ts --set .plate-data/annotations.json

Plates under 12x5 px are marked ignored, as eval-data/plates does. Nothing it writes may be
committed (third-party pictures and boxes).
"""

import json
import os
import sys

from PIL import Image


def main() -> None:
    root = sys.argv[1] if len(sys.argv) > 1 else ".plate-data"
    items = json.load(open(os.path.join(root, "labels.json")))
    images = []
    for it in items:
        if it["split"] != "val" or not (it.get("trusted", True) or it.get("checked")):
            continue
        width, height = Image.open(os.path.join(root, "img", it["file"])).size
        boxes = []
        for b in it["boxes"]:
            small = b[2] - b[0] < 12 or b[3] - b[1] < 5
            boxes.append({"box": b, **({"ignore": True} if small else {})})
        images.append({"file": "img/" + it["file"], "width": width, "height": height, "source": f"{it['source']}:{it['origin']}", "boxes": boxes})
    json.dump({"kind": "plate", "images": images}, open(os.path.join(root, "annotations.json"), "w"))
    demanded = sum(1 for im in images for b in im["boxes"] if not b.get("ignore"))
    print(f"{len(images)} pictures, {demanded} plates -> {os.path.join(root, 'annotations.json')}")


if __name__ == "__main__":
    main()
