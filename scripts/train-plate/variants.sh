#!/bin/sh
# Fine-tunes of the committed plate detector on one GPU lease, one after another (run side by
# side, four processes' augmentation kernels queued on the GPU: 1.5-1.7 s a step instead of
# ~0.25). Each variant trains into /tmp/runs/<name> for SECS seconds; its final graph is copied
# to $OUT/<name>.onnx, logs and metrics to $OUT/logs.tgz.
#
#   DATA=.plate-slim SECS=250 VARIANTS="e f" sh scripts/train-plate/variants.sh
#
# DATA: a prepare.py folder (only the pictures train.py uses are needed: trusted ones, the
# plate textures and the distractors). VARIANTS: which of the runs below, in that order.
set -u
DATA=${DATA:-.plate-data}
SECS=${SECS:-250}
OUT=${OUT:-out}
VARIANTS=${VARIANTS:-e f}
mkdir -p /tmp/runs "$OUT"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 scripts/train-plate/onnx-to-pt.py models/veil-plate/plate-det.onnx /tmp/init.pt || exit 1
FT="--init /tmp/init.pt --freeze-bn --warmup 30"
for name in $VARIANTS; do
  case $name in
    # third run (2026-11-27): a, b, c, d, when plate-det.onnx held the second run's weights
    a) opts="$FT --lr 6e-4 --seed 7" ;;
    b) opts="$FT --lr 6e-4 --seed 8 --neg-repeat 3" ;;
    c) opts="$FT --lr 1e-3 --seed 11 --neg-repeat 2 --synth 0.5" ;;
    d) opts="--lr 2e-3 --seed 4 --neg-repeat 2" ;;
    # fourth run, from b (the third run's, committed): synthetic non-plates (signs, banners, text blocks, badges, grilles)
    e) opts="$FT --lr 6e-4 --seed 9 --neg-repeat 3 --distract 0.35" ;;
    f) opts="$FT --lr 3e-4 --seed 10 --neg-repeat 3 --distract 0.5" ;;
    *) echo "unknown variant $name" >&2; exit 2 ;;
  esac
  # shellcheck disable=SC2086
  python3 scripts/train-plate/train.py --data "$DATA" --out "/tmp/runs/$name" --seconds "$SECS" $opts >"/tmp/runs/$name.out" 2>&1
  echo "== $name: $opts"
  grep -E "data:|ms/step\)$" "/tmp/runs/$name.out" | tail -2
  grep -E " val " "/tmp/runs/$name.out" | tail -1
  cp "/tmp/runs/$name/plate-det.onnx" "$OUT/$name.onnx"
done
tar czf "$OUT/logs.tgz" -C /tmp/runs .
