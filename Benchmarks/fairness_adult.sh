#!/usr/bin/env bash
# Fairness terms on Adult (income by sex): fine-tune without privacy for 3,000 steps of 64 rows with
# the given extra finetune options, generate 16,281 rows (the test set's size), evaluate against the
# real test set. Prints the evaluation summary (parity gap, TV distances, TSTR); a long benchmark.
#   Benchmarks/fairness_adult.sh OUT_DIR [finetune options...]
# e.g. Benchmarks/fairness_adult.sh /tmp/fair/plain
#      Benchmarks/fairness_adult.sh /tmp/fair/kl --fairness-lambda 1
#      Benchmarks/fairness_adult.sh /tmp/fair/repr --representation-lambda 20
set -euo pipefail
out=$1; shift
source "$(dirname "$0")/environment.sh"
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
mkdir -p "$out"
"$tablm" finetune --schema "$root/Examples/adult-public-schema.json" --data "$data/adult_train.csv" \
    --steps 3000 --batch-size 64 "$@" -o "$out/checkpoint"
"$tablm" generate --checkpoint "$out/checkpoint" --rows 16281 -o "$out/synthetic.csv"
"$tablm" evaluate --train "$data/adult_train.csv" --test "$data/adult_test.csv" --synthetic "$out/synthetic.csv" \
    --schema "$root/Examples/adult-public-schema.json" --target income --sensitive sex --json "$out/evaluation.json"
