#!/bin/sh
# Fine-tunes of the committed face detector on one GPU lease, one after another (side by side
# the processes' augmentation kernels queue on the one GPU). The committed graph is turned back
# into train.py weights (scripts/train-plate/onnx-to-pt.py, batch norms folded, so --freeze-bn);
# each variant trains into /tmp/runs/<name> for SECS seconds; its final graph is copied to
# $OUT/<name>.onnx, logs and metrics to $OUT/logs.tgz.
#
#   DATA=.face-data SECS=230 VARIANTS="g h" sh scripts/train-face/variants.sh
set -u
DATA=${DATA:-.face-data}
SECS=${SECS:-230}
OUT=${OUT:-out}
VARIANTS=${VARIANTS:-g h}
mkdir -p /tmp/runs "$OUT"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 scripts/train-plate/onnx-to-pt.py models/veil-face/face-det.onnx /tmp/init.pt || exit 1
FT="--init /tmp/init.pt --freeze-bn --warmup 30"
for name in $VARIANTS; do
  case $name in
    # 2026-11-27, from the second run's weights (committed): more of the same, and more small faces
    g) opts="$FT --lr 6e-4 --seed 9" ;;
    h) opts="$FT --lr 6e-4 --seed 10 --paste 0.7 --crowd 0.6 --mosaic 0.6" ;;
    *) echo "unknown variant $name" >&2; exit 2 ;;
  esac
  # shellcheck disable=SC2086
  python3 scripts/train-face/train.py --data "$DATA" --out "/tmp/runs/$name" --seconds "$SECS" --every 80 $opts >"/tmp/runs/$name.out" 2>&1
  echo "== $name: $opts"
  grep -E "data:|ms/step\)$" "/tmp/runs/$name.out" | tail -2
  grep -E " val " "/tmp/runs/$name.out" | tail -2
  tail -3 "/tmp/runs/$name.out"
  cp "/tmp/runs/$name/face-det.onnx" "$OUT/$name.onnx"
done
tar czf "$OUT/logs.tgz" -C /tmp/runs .
