#!/usr/bin/env bash
# Fits the pipeline's fast head on the shipped CNN's features, choosing it on the CNN's own validation images.
#   scripts/fit-fast-head.sh [WORK_DIR=.cache/fast-head] [LAYER=dense1]
# Writes WORK_DIR/<layer>-{train,val,test}.{json,bin} (features of the images the CNN trained on, of the ones it held
# out, and of PublicTest) and packages/pipeline/models/fast-head.json.gz. Needs `pnpm build` first; the shared data
# folder is ../shared unless FER_SHARED_DIR says otherwise. Extraction runs two processes at a time (2 cores here).
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-.cache/fast-head}"
layer="${2:-dense1}"
shared="${FER_SHARED_DIR:-../shared}"
train="$shared/datasets/fer2013/train"
test="$shared/datasets/fer2013/test"
mkdir -p "$work"
fer() { node packages/pipeline/bin/fer.js "$@"; }

fer features --data "$train" --split train --layer "$layer" --out "$work/$layer-train" &
fer features --data "$train" --split validation --layer "$layer" --out "$work/$layer-val"
fer features --data "$test" --layer "$layer" --out "$work/$layer-test"
wait

node packages/heads/dist/bench/select-default.js --train "$work/$layer-train.json" --validation "$work/$layer-val.json" \
  --test "$work/$layer-test.json" --out packages/pipeline/models/fast-head.json.gz | tee "$work/select-default-$layer.txt"
