#!/usr/bin/env bash
# The marginal prior on Adult and German credit: one private run (finetune --dp with the given
# options), 32,561 generated rows (Adult) or 5,000 (German), and `tablm evaluate`
# on the real test split. The ablation and budget figures of docs/marginal-prior.md come from it.
#   Benchmarks/marginal_prior.sh OUT EPSILON adult|german [finetune options...]
# e.g. Benchmarks/marginal_prior.sh /tmp/prior/default 1 adult
#      Benchmarks/marginal_prior.sh /tmp/prior/dpsgd 1 adult --prior none
#      Benchmarks/marginal_prior.sh /tmp/prior/share1 1 adult --prior-share 1
#      Benchmarks/marginal_prior.sh /tmp/prior/german 1 german
# With scikit-learn ($PYTHON, else python3) it also scores the rows in the AIM figures' harness (OUT/histgb.txt).
# The prior's rows on their own: tablm prior --schema S --data D --epsilon E -o rows.csv, then evaluate.
# German credit has no published split: a seeded 70/30 split of german_credit.csv (seed 70) is written
# to OUT/german_train.csv and OUT/german_test.csv.
set -euo pipefail
out=$1; epsilon=$2; table=$3; shift 3
source "$(dirname "$0")/environment.sh"
mkdir -p "$out"
case "$table" in
    adult)
        schema=$root/Examples/adult-public-schema.json; train=$data/adult_train.csv; test=$data/adult_test.csv
        target=income; rows=32561 ;;
    german)
        schema=$root/Examples/german-public-schema.json; train=$out/german_train.csv; test=$out/german_test.csv
        target=credit; rows=5000   # more rows than the table: a better-trained TSTR classifier (docs/fidelity.md)
        python3 "$root/Benchmarks/split_german.py" "$data/german_credit.csv" "$train" "$test"
        ;;
    *) echo "table must be adult or german" >&2; exit 2 ;;
esac
/usr/bin/time -v "$tablm" finetune --dp --epsilon "$epsilon" --delta 1e-5 --schema "$schema" --data "$train" "$@" \
    -o "$out/checkpoint" 2> >(tee "$out/finetune.log" >&2)
/usr/bin/time -v "$tablm" generate --checkpoint "$out/checkpoint" --rows "$rows" --seed 1 -o "$out/synthetic.csv" 2> >(tee "$out/generate.log" >&2)
"$tablm" evaluate --train "$train" --test "$test" --synthetic "$out/synthetic.csv" --schema "$schema" --target "$target" \
    --sensitive sex --json "$out/evaluation.json" | tee "$out/evaluation.txt"
# The reference harness of the AIM figures (HistGradientBoosting), where scikit-learn is installed ($PYTHON, else python3).
python=${PYTHON:-python3}
if "$python" -c "import sklearn, pandas" 2>/dev/null; then
    "$python" "$root/Benchmarks/tstr_histgb.py" --test "$test" --schema "$schema" --target "$target" "$out/synthetic.csv" | tee "$out/histgb.txt"
fi
