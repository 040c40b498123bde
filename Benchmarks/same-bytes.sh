#!/usr/bin/env bash
# Runs every pipeline command at fixed seeds on the bundled 500-row sample and prints the sha256 of
# every file written, so that a refactor can show it changed no byte of any output:
#   TABLM=/path/to/old/tablm Benchmarks/same-bytes.sh OUT-OLD > old.txt
#   TABLM=.build/release/tablm Benchmarks/same-bytes.sh OUT-NEW > new.txt; diff old.txt new.txt
# sweep.csv and sweep's stdout are compared without their seconds column. Logs go to OUT/*.log.
# Takes about 3 minutes on 2 cores (AVX-512 machine).
set -euo pipefail
cd "$(dirname "$0")/.."
T=${TABLM:-.build/release/tablm}
O=${1:?usage: Benchmarks/same-bytes.sh OUT}
rm -rf "$O"; mkdir -p "$O"
D=Examples/adult-sample.csv
P=Examples/adult-public-schema.json
head -n 401 "$D" > "$O/train.csv"
{ head -n 1 "$D"; tail -n 100 "$D"; } > "$O/test.csv"
W=(--workers 2)
run() { local name=$1; shift; "$T" "$@" 2> "$O/$name.log" >> "$O/$name.out" || { echo "FAILED: $name (rc $?)"; tail -n 3 "$O/$name.log"; }; }
run schema schema infer "$O/train.csv" --target income --sensitive sex -o "$O/schema.json"
run tokenizer tokenizer train --schema "$O/schema.json" -o "$O/tokenizer.model"
run finetune finetune --schema "$O/schema.json" --data "$O/train.csv" --steps 60 --eval-every 20 --random-order-share 0.25 "${W[@]}" -o "$O/ck"
run resume finetune --schema "$O/schema.json" --data "$O/train.csv" --resume "$O/ck" --steps 80 "${W[@]}" -o "$O/ck-resumed"
run fair finetune --schema "$O/schema.json" --data "$O/train.csv" --steps 30 --fairness-lambda 1 --representation-lambda 0.5 "${W[@]}" -o "$O/ck-fair"
run epochs finetune --schema "$O/schema.json" --data "$O/train.csv" --epochs 3 --patience 2 --layers 1 --width 32 --heads 2 "${W[@]}" -o "$O/ck-epochs"
run dp finetune --dp --epsilon 3 --schema "$P" --data "$O/train.csv" --prior-steps 60 --prior-batch-size 64 --steps 20 --expected-batch-size 64 --insecure-seed 7 "${W[@]}" -o "$O/ck-dp"
run dp-resume finetune --dp --epsilon 3 --schema "$P" --data "$O/train.csv" --resume "$O/ck-dp" --steps 20 --expected-batch-size 64 --insecure-seed 8 "${W[@]}" -o "$O/ck-dp-resumed"
run dp-balanced finetune --dp --epsilon 3 --schema "$P" --data "$O/train.csv" --prior none --balance-groups --steps 10 --expected-batch-size 64 --fairness-lambda 1 --insecure-seed 7 "${W[@]}" -o "$O/ck-dp-balanced"
run dp-prior finetune --dp --epsilon 3 --schema "$P" --data "$O/train.csv" --steps 0 --prior-steps 30 --insecure-seed 9 "${W[@]}" -o "$O/ck-prior"
run dp-sigma finetune --dp --noise-multiplier 1.5 --prior none --schema "$P" --data "$O/train.csv" --steps 5 --insecure-seed 2 "${W[@]}" -o "$O/ck-dp-sigma"
run gen generate --checkpoint "$O/ck" --rows 100 --seed 1 "${W[@]}" -o "$O/gen.csv"
run gen-cond generate --checkpoint "$O/ck" --rows 50 --seed 2 --condition sex=Female --condition 'age>=40' "${W[@]}" -o "$O/gen-cond.csv"
run gen-fair generate --checkpoint "$O/ck-fair" --rows 60 --mask-fairness "${W[@]}" -o "$O/gen-fair.csv"
run gen-dp generate --checkpoint "$O/ck-dp" --rows 100 --seed 3 "${W[@]}" -o "$O/gen-dp.csv"
run gen-balanced generate --checkpoint "$O/ck-dp-balanced" --rows 50 --seed 4 "${W[@]}" -o "$O/gen-balanced.csv"
run evaluate evaluate --train "$O/train.csv" --test "$O/test.csv" --synthetic "$O/gen-dp.csv" --schema "$P" --target income --sensitive sex --checkpoint "$O/ck-dp" --json "$O/evaluation.json" --report "$O/report.html"
run prior prior --schema "$P" --data "$O/train.csv" --epsilon 1 --insecure-seed 3 --rows 100 -o "$O/prior.csv"
run export export --checkpoint "$O/ck-prior" --data "$O/train.csv" --epsilon 3 --script python/train_opacus.py -o "$O/bundle"
run sweep sweep --data "$O/train.csv" --test "$O/test.csv" --schema "$P" --target income --sensitive sex --epsilons 3 --lambdas 0,1 --rows 40 --finetune-args="--steps 5 --prior-steps 20 --insecure-seed 5 --workers 2" -o "$O/sweep"
run audit audit --work "$O/audit" --canaries 20 --audit-seed 4 --dp --epsilon 3 --schema "$P" --data "$O/train.csv" --prior none --steps 5 --insecure-seed 6 --workers 2
run privacy privacy epsilon checkpoint "$O/ck-dp"
cd "$O"
# The output folder's own path, which arguments.txt and the reports name, is written as OUT, so two
# runs in two folders compare. evaluation.json is compared at 10 significant digits: its figures are
# sums over parallel chunks and move in the last bits from run to run of the same binary.
canonical() {
    case $1 in
        */sweep.csv|./sweep.out) cut -d, -f1-3,5- "$1";;
        *evaluation.json) python3 -c 'import json,sys
def r(x):
    if isinstance(x, float): return float(f"{x:.10g}")
    if isinstance(x, list): return [r(v) for v in x]
    if isinstance(x, dict): return {k: r(v) for k, v in x.items()}
    return x
print(json.dumps(r(json.load(open(sys.argv[1]))), sort_keys=True))' "$1";;
        *) LC_ALL=C sed "s#$PWD#OUT#g" "$1";;
    esac
}
find . -type f ! -name '*.log' | LC_ALL=C sort | while read -r f; do
    case $f in
        */sweep.html|*report.html) echo "(figures at full precision: not compared)  $f";;
        *) echo "$(canonical "$f" | sha256sum | cut -c1-16)  $f";;
    esac
done
