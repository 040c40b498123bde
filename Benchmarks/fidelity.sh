#!/usr/bin/env bash
# Fidelity of the non-private model: finetune with the given options (default command when none),
# generate as many rows as the training table (Adult 32,561) or 5,000 (German: its 700 rows are few for a classifier), and
# `tablm evaluate` on the real test split. The table of docs/fidelity.md comes from it.
#   Benchmarks/fidelity.sh OUT adult|german [finetune options...]
# e.g. Benchmarks/fidelity.sh /tmp/fidelity/default adult
#      Benchmarks/fidelity.sh /tmp/fidelity/random adult --column-orders random
# Minutes and peak memory of each command are in OUT/finetune.log and OUT/generate.log (GNU time).
# German credit: the seeded 70/30 split of Benchmarks/marginal_prior.sh (seed 70).
set -euo pipefail
out=$1; table=$2; shift 2
source "$(dirname "$0")/environment.sh"
mkdir -p "$out"
case "$table" in
    adult)
        train=$data/adult_train.csv; test=$data/adult_test.csv; target=income; sensitive=sex; rows=32561 ;;
    german)
        train=$out/german_train.csv; test=$out/german_test.csv; target=credit; sensitive=sex; rows=5000
        python3 "$root/Benchmarks/split_german.py" "$data/german_credit.csv" "$train" "$test" ;;
    *) echo "table must be adult or german" >&2; exit 2 ;;
esac
"$tablm" schema infer "$train" --target "$target" --sensitive "$sensitive" -o "$out/schema.json"
/usr/bin/time -v "$tablm" finetune --schema "$out/schema.json" --data "$train" "$@" \
    -o "$out/checkpoint" 2> >(tee "$out/finetune.log" >&2)
/usr/bin/time -v "$tablm" generate --checkpoint "$out/checkpoint" --rows "$rows" --seed 1 -o "$out/synthetic.csv" 2> >(tee "$out/generate.log" >&2)
"$tablm" evaluate --train "$train" --test "$test" --synthetic "$out/synthetic.csv" --schema "$out/schema.json" --target "$target" \
    --sensitive "$sensitive" --json "$out/evaluation.json" | tee "$out/evaluation.txt"
