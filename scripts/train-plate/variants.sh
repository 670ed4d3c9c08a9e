#!/bin/sh
# Fine-tunes of the committed plate detector run side by side on one GPU lease (the per-sample
# augmentation keeps one run from filling the GPU). Each variant trains into /tmp/runs/<name> and
# its final graph is copied to $OUT/<name>.onnx, logs and metrics to $OUT/logs.tgz.
#
#   DATA=.plate-slim SECS=420 sh scripts/train-plate/variants.sh
#
# DATA: a prepare.py folder (only the pictures train.py uses are needed: trusted ones).
set -u
DATA=${DATA:-.plate-data}
SECS=${SECS:-420}
OUT=${OUT:-out}
mkdir -p /tmp/runs "$OUT"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 scripts/train-plate/onnx-to-pt.py models/veil-plate/plate-det.onnx /tmp/init.pt || exit 1
run() {
  name=$1
  shift
  python3 scripts/train-plate/train.py --data "$DATA" --out "/tmp/runs/$name" --seconds "$SECS" "$@" >"/tmp/runs/$name.out" 2>&1 &
}
# a: the committed weights' second run again, now with plate-free pictures of people
run a --init /tmp/init.pt --freeze-bn --lr 6e-4 --warmup 30 --seed 7
# b: as a, the plate-free pictures drawn 3 times as often
run b --init /tmp/init.pt --freeze-bn --lr 6e-4 --warmup 30 --seed 8 --neg-repeat 3
# c: a higher learning rate, more synthetic plates
run c --init /tmp/init.pt --freeze-bn --lr 1e-3 --warmup 30 --seed 11 --neg-repeat 2 --synth 0.5
# d: from scratch with the plate-free pictures
run d --lr 2e-3 --seed 4 --neg-repeat 2
wait
for n in a b c d; do
  echo "== $n"
  grep -E "data:|ms/step\)$" "/tmp/runs/$n.out" | tail -2
  grep -E " val " "/tmp/runs/$n.out" | tail -1
  cp "/tmp/runs/$n/plate-det.onnx" "$OUT/$n.onnx"
done
tar czf "$OUT/logs.tgz" -C /tmp/runs .
