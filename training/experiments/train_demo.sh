#!/bin/sh
# Reproduce the shipped demo model on CPU. Resumable: re-run the same command to continue.
# Stage A: the whole model (conv-stem narrow SAM ViT + adapter + decoder) trained on the CT
#          training slices with style augmentation (supervised encoder pre-training).
# Stage B: encoder frozen; adapter + prompt encoder + decoder continue with style augmentation,
#          LAD and intervention training. Then evaluate and export to models/causal-sam-demo.
set -e
PY=${PY:-/usr/bin/python3}
RUNS=${RUNS:-training/runs}
$PY -m training.train --out "$RUNS/demo_a" --train-encoder --steps 600 --batch 6 --lr 1e-3 \
    --encoder-lr 1e-3 --resume
$PY -m training.train --out "$RUNS/demo_b" --init "$RUNS/demo_a/final.pt" --steps 250 \
    --batch 6 --lr 5e-4 --lad --intervention --resume
$PY -m training.evaluate --ckpt "$RUNS/demo_b/final.pt" --out training/results/demo_eval.json
$PY -m training.export --ckpt "$RUNS/demo_b/final.pt" --id causal-sam-demo \
    --scores training/results/demo_eval.json
$PY training/results/make_demo_md.py
