#!/bin/sh
# Fine-tunes of the committed plate detector on one GPU lease (the loop: scripts/train-variants.sh;
# run side by side, four processes' augmentation kernels queued on the GPU: 1.5-1.7 s a step
# instead of ~0.25).
#
#   DATA=.plate-slim SECS=250 VARIANTS="e f" sh scripts/train-plate/variants.sh
#
# DATA: a prepare.py folder (only the pictures train.py uses are needed: trusted ones, the
# plate textures and the distractors). VARIANTS: which of the runs below, in that order.
DATA=${DATA:-.plate-data}
SECS=${SECS:-250}
VARIANTS=${VARIANTS:-e f}
GRAPH=models/veil-plate/plate-det.onnx
TRAIN=scripts/train-plate/train.py
EXTRA=""
TAIL=0
VALS=1
variant_opts() {
  case $1 in
    # third run (2026-11-27): a, b, c, d, when plate-det.onnx held the second run's weights
    a) echo "$FT --lr 6e-4 --seed 7" ;;
    b) echo "$FT --lr 6e-4 --seed 8 --neg-repeat 3" ;;
    c) echo "$FT --lr 1e-3 --seed 11 --neg-repeat 2 --synth 0.5" ;;
    d) echo "--lr 2e-3 --seed 4 --neg-repeat 2" ;;
    # fourth run, from b (the third run's, committed): synthetic non-plates (signs, banners, text blocks, badges, grilles)
    e) echo "$FT --lr 6e-4 --seed 9 --neg-repeat 3 --distract 0.35" ;;
    f) echo "$FT --lr 3e-4 --seed 10 --neg-repeat 3 --distract 0.5" ;;
    *) return 1 ;;
  esac
}
. scripts/train-variants.sh
