#!/usr/bin/env bash
# Fits the pipeline's fast head on the shipped CNN's features, choosing it on the CNN's own validation images.
#   [REFIT="forest 100 leaf3"] scripts/fit-fast-head.sh [WORK_DIR=.cache/fast-head] [LAYER=dense1] [TRAIN=mirror|plain]
# Writes WORK_DIR/<layer>-{train,val,test}.{json,bin} (features of the images the CNN trained on, of the ones it held
# out, and of PublicTest, each with its mirror images as the study fitted its heads; TRAIN=plain leaves them out of train) and
# packages/pipeline/models/fast-head.json.gz, chosen and used with mirror averaging (each face's probabilities
# averaged with its mirror image's). A CNN trained on train + validation (its card says finalFit) has no held-out
# images: then the features of all train images are written and the head settings REFIT (default "forest 100 leaf3",
# chosen by this script on the validation images of the CNN trained by the same recipe on train only) are fitted on
# them. Needs `pnpm build` first; the shared data folder is ../shared unless
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
fer() { node packages/cli/bin/fer.js "$@"; }
select_default() { node packages/heads/dist/bench/select-default.js "$@" --mirror-average --out packages/pipeline/models/fast-head.json.gz; }
cnn_dir="${FER_CNN_DIR:-packages/cnn/models/fer2013-f-mirror}"
final_fit=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).training.finalFit === true)' "$cnn_dir/card.json")

if [ "$final_fit" = true ]; then
  fer features --data "$train" --layer "$layer" "${train_mirror[@]}" --out "$work/$layer-all" &
  fer features --data "$test" --layer "$layer" --mirror --out "$work/$layer-test"
  wait
  select_default --train "$work/$layer-all.json" --test "$work/$layer-test.json" --refit "${REFIT:-forest 100 leaf3}" | tee "$work/select-default-$layer.txt"
  exit 0
fi

fer features --data "$train" --split train --layer "$layer" "${train_mirror[@]}" --out "$work/$layer-train" &
fer features --data "$train" --split validation --layer "$layer" --mirror --out "$work/$layer-val"
fer features --data "$test" --layer "$layer" --mirror --out "$work/$layer-test"
wait

select_default --train "$work/$layer-train.json" --validation "$work/$layer-val.json" --test "$work/$layer-test.json" | tee "$work/select-default-$layer.txt"
