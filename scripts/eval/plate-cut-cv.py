"""How well a plate cut-off read off eval-data/plates carries to pictures it was not read off.

Reads the plate audit's cached detections (eval-data/cache/plate-audit-veil.json, written by
`node --import tsx scripts/eval/plate-audit.ts --models veil`; Veil scores down to 0.3) and,
over random halvings of the 120 photos, picks on one half the highest threshold whose strict
recall reaches 0.95 (IoU >= 0.3, ignored plates neither hits nor misses), then scores the other
half at it. Prints the spread of the chosen threshold and of the other half's recall and
precision, and how often both reach the issue's bar (recall 0.95, precision 0.9).

  python3 scripts/eval/plate-cut-cv.py [--rounds 200] [--seed 1]
"""

import argparse
import json
import random
import statistics


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def score(names, t, dets, truth):
    """Strict recall and precision of the detections scoring >= t on these photos."""
    hits = false = plates = 0
    for name in names:
        gts = truth[name]["boxes"]
        plates += sum(1 for g in gts if not g.get("ignore"))
        used = set()
        for d in sorted((d for d in dets[name]["dets"] if d["score"] >= t), key=lambda d: -d["score"]):
            best, at = 0.3, -1
            for j, g in enumerate(gts):
                if j not in used and iou(d["box"], g["box"]) >= best:
                    best, at = iou(d["box"], g["box"]), j
            if at < 0:
                false += 1
                continue
            used.add(at)
            if not gts[at].get("ignore"):
                hits += 1
    return hits / plates, hits / max(1, hits + false)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    dets = json.load(open("eval-data/cache/plate-audit-veil.json"))["images"]
    truth = {im["file"]: im for im in json.load(open("eval-data/plates/annotations.json"))["images"]}
    names = sorted(dets)
    print("all photos at 0.5: recall %.3f precision %.3f" % score(names, 0.5, dets, truth))
    cuts = [0.3 + 0.005 * i for i in range(121)]
    rng = random.Random(args.seed)
    rows = []
    for _ in range(args.rounds):
        rng.shuffle(names)
        half = len(names) // 2
        pick, check = names[:half], names[half:]
        reach = [t for t in cuts if score(pick, t, dets, truth)[0] >= 0.95]
        t = max(reach) if reach else cuts[0]
        rows.append((t, *score(check, t, dets, truth)))
    for k, label in ((0, "threshold chosen"), (1, "other half recall"), (2, "other half precision")):
        v = sorted(r[k] for r in rows)
        lo, hi = v[len(v) // 10], v[len(v) * 9 // 10]
        print(f"{label}: median {statistics.median(v):.3f}, 10-90% {lo:.3f}-{hi:.3f}")
    both = sum(1 for r in rows if r[1] >= 0.95 and r[2] >= 0.9) / len(rows)
    print(f"other half reaching recall 0.95 and precision 0.9: {both:.2f} of {len(rows)} halvings")


if __name__ == "__main__":
    main()
