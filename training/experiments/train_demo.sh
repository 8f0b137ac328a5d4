#!/bin/sh
# Reproduce the shipped demo model on CPU. Resumable: re-run the same command to continue.
# Stage A: the whole model (conv-stem narrow SAM ViT + adapter + decoder) trained on the CT
#          training slices with style augmentation (supervised encoder pre-training); 900 steps,
#          then 3000 more from those weights (A2: a fresh cosine schedule, encoder at half the
#          rate, style augmentation ramped in again). After 900 steps the model still missed
#          the aorta, stomach and pancreas on its own training slices.
# Stage B: encoder frozen; adapter + prompt encoder + decoder continue with style augmentation,
#          LAD and intervention training.
# Stage P: prompt path only (training/experiments/train_prompt.py): encoder embeddings of the
#          training slices precomputed once (1 plain + 7 augmented copies), then a prompt-only
#          refinement head + point embeddings + the prompt hypernetwork learn box/point prompts;
#          nothing the class path reads changes (automatic segmentation and interventions are
#          bit-identical). Then evaluate and export to models/causal-sam-demo.
set -e
PY=${PY:-/usr/bin/python3}
RUNS=${RUNS:-training/runs}
$PY -m training.train --out "$RUNS/demo_a" --train-encoder --steps 900 --batch 6 --lr 1e-3 \
    --encoder-lr 1e-3 --resume
$PY -m training.train --out "$RUNS/demo_a2" --init "$RUNS/demo_a/final.pt" --train-encoder \
    --steps 3000 --batch 6 --lr 1e-3 --encoder-lr 5e-4 --seed 1 --resume
$PY -m training.train --out "$RUNS/demo_b" --init "$RUNS/demo_a2/final.pt" --steps 400 \
    --batch 6 --lr 5e-4 --lad --intervention --resume
$PY -m training.experiments.train_prompt --init "$RUNS/demo_b/final.pt" --out "$RUNS/demo_p" \
    --params prompt_only --steps 1000 --lr 2e-3 --copies 8 --val-every 100 --resume
$PY -m training.evaluate --ckpt "$RUNS/demo_p/final.pt" --out training/results/demo_eval.json
$PY -m training.export --ckpt "$RUNS/demo_p/final.pt" --id causal-sam-demo \
    --scores training/results/demo_eval.json
# Out-of-distribution statistics and thresholds (ood.json), through the app's own engine.
node scripts/calibrate-ood.mjs models/causal-sam-demo
$PY training/results/make_demo_md.py
