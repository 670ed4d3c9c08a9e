#!/bin/sh
# The loop both detectors' variants.sh share (sourced by scripts/train-face/variants.sh and
# scripts/train-plate/variants.sh, which set the names below): fine-tunes of the committed
# detector on one GPU lease, one after another (run side by side, the processes' augmentation
# kernels queue on the one GPU). The committed graph is turned back into train.py weights
# (scripts/train-plate/onnx-to-pt.py, batch norms folded, so --freeze-bn); each variant trains
# into /tmp/runs/<name> for SECS seconds; its final graph is copied to $OUT/<name>.onnx, logs
# and metrics to $OUT/logs.tgz.
#
# Set before sourcing: GRAPH (the committed .onnx, also the name train.py writes), TRAIN (its
# train.py), EXTRA (train.py options for every variant), VALS and TAIL (how many "val" lines
# and last lines of its log to print),
# DATA, SECS and VARIANTS defaults, and variant_opts NAME (prints that variant's options, or
# fails for an unknown name). $FT holds the fine-tune options for variant_opts to use.
set -u
OUT=${OUT:-out}
mkdir -p /tmp/runs "$OUT"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 scripts/train-plate/onnx-to-pt.py "$GRAPH" /tmp/init.pt || exit 1
FT="--init /tmp/init.pt --freeze-bn --warmup 30"
for name in $VARIANTS; do
  opts=$(variant_opts "$name") || { echo "unknown variant $name" >&2; exit 2; }
  # shellcheck disable=SC2086
  python3 "$TRAIN" --data "$DATA" --out "/tmp/runs/$name" --seconds "$SECS" $EXTRA $opts >"/tmp/runs/$name.out" 2>&1
  echo "== $name: $opts"
  grep -E "data:|ms/step\)$" "/tmp/runs/$name.out" | tail -2
  grep -E " val " "/tmp/runs/$name.out" | tail -"$VALS"
  [ "$TAIL" -gt 0 ] && tail -"$TAIL" "/tmp/runs/$name.out"
  cp "/tmp/runs/$name/$(basename "$GRAPH")" "$OUT/$name.onnx"
done
tar czf "$OUT/logs.tgz" -C /tmp/runs .
