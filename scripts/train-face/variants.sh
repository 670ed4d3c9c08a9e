#!/bin/sh
# Fine-tunes of the committed face detector on one GPU lease (the loop: scripts/train-variants.sh).
#
#   DATA=.face-data SECS=230 VARIANTS="g h" sh scripts/train-face/variants.sh
DATA=${DATA:-.face-data}
SECS=${SECS:-230}
VARIANTS=${VARIANTS:-g h}
GRAPH=models/veil-face/face-det.onnx
TRAIN=scripts/train-face/train.py
EXTRA="--every 80"
TAIL=3
VALS=2
variant_opts() {
  case $1 in
    # 2026-11-27, from the second run's weights (committed): more of the same, and more small faces
    g) echo "$FT --lr 6e-4 --seed 9" ;;
    h) echo "$FT --lr 6e-4 --seed 10 --paste 0.7 --crowd 0.6 --mosaic 0.6" ;;
    *) return 1 ;;
  esac
}
. scripts/train-variants.sh
