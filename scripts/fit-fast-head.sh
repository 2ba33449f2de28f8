#!/usr/bin/env bash
# Fits the pipeline's fast head on the shipped CNN's features, choosing it on the CNN's own validation images.
#   scripts/fit-fast-head.sh [WORK_DIR=.cache/fast-head] [LAYER=dense1] [TRAIN=mirror|plain]
# Writes WORK_DIR/<layer>-{train,val,test}.{json,bin} (features of the images the CNN trained on, of the ones it held
# out, and of PublicTest, each with its mirror images as the study fitted its heads; TRAIN=plain leaves them out of train) and
# packages/pipeline/models/fast-head.json.gz, chosen and used with mirror averaging (each face's probabilities
# averaged with its mirror image's). Needs `pnpm build` first; the shared data folder is ../shared unless
# FER_SHARED_DIR says otherwise. Extraction runs two processes at a time (2 cores here).
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-.cache/fast-head}"
layer="${2:-dense1}"
train_copies="${3:-mirror}"
case "$train_copies" in
  plain) train_mirror=() ;;
  mirror) train_mirror=(--mirror) ;;
  *) echo "TRAIN must be plain or mirror, got $train_copies" >&2; exit 2 ;;
esac
shared="${FER_SHARED_DIR:-../shared}"
train="$shared/datasets/fer2013/train"
test="$shared/datasets/fer2013/test"
mkdir -p "$work"
fer() { node packages/pipeline/bin/fer.js "$@"; }

fer features --data "$train" --split train --layer "$layer" "${train_mirror[@]}" --out "$work/$layer-train" &
fer features --data "$train" --split validation --layer "$layer" --mirror --out "$work/$layer-val"
fer features --data "$test" --layer "$layer" --mirror --out "$work/$layer-test"
wait

node packages/heads/dist/bench/select-default.js --train "$work/$layer-train.json" --validation "$work/$layer-val.json" \
  --test "$work/$layer-test.json" --mirror-average --out packages/pipeline/models/fast-head.json.gz | tee "$work/select-default-$layer.txt"
