#!/bin/sh
# Reproduce the shipped demo model (CPU, ~30-60 min on one shared core). Resumable: re-run to continue.
# Stage A: supervised encoder pre-training on the CT training slices with style augmentation.
# Stage B: encoder frozen; adapter + prompt encoder + decoder with style augmentation, LAD and
#          intervention training. Then export to models/causal-sam-demo.
set -e
PY=${PY:-/usr/bin/python3}
RUNS=${RUNS:-training/runs}
$PY -m training.train --out "$RUNS/demo_a" --train-encoder --steps 300 --lr 1e-3 \
    --encoder-lr 1e-3 --resume
$PY -m training.train --out "$RUNS/demo_b" --init "$RUNS/demo_a/final.pt" --steps 500 \
    --lad --intervention --resume
