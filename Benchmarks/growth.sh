#!/usr/bin/env bash
# Cost of each command as the table grows: Adult's rows repeated to 32,561 / 320,000 / 1,000,000
# (Benchmarks/repeat_rows.awk: fnlwgt jittered from the second copy on; for cost only, the repeated
# table says nothing about fidelity). For each size: schema infer; finetune --dp at ε = 1 (the
# default plan); finetune without privacy for --steps 200 (the default run is 7 epochs: its length
# is steps × the step time printed); generate as many rows as the table; evaluate them against
# Adult's test split; export an Opacus bundle from the private checkpoint. Prints one line per run: rows, command, seconds, peak MB.
#   bash Benchmarks/growth.sh [work folder] [sizes...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/environment.sh"
work=${1:-/tmp/tablm-growth}
shift || true
sizes=${*:-32561 320000 1000000}
mkdir -p "$work"
schema=$root/Examples/adult-public-schema.json
measure() {  # label rows command...
    local label=$1 rows=$2; shift 2
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > "$work/$label-$rows.log" 2>&1 || { echo "$label $rows failed: see $work/$label-$rows.log" >&2; exit 1; }
    read -r seconds kilobytes < "$work/time.txt"
    printf '%s\t%s\t%.1f s\t%d MB\n' "$rows" "$label" "$seconds" "$((kilobytes / 1024))"
}
for rows in $sizes; do
    data=$work/adult-$rows.csv
    [[ -f $data ]] || awk -v rows="$rows" -f "$root/Benchmarks/repeat_rows.awk" "$root/data/adult_train.csv" > "$data"
    rm -rf "$work/dp-$rows" "$work/np-$rows" "$work/bundle-$rows"
    measure "schema-infer" "$rows" "$tablm" schema infer --data "$data" -o "$work/schema-$rows.json"
    measure "finetune-dp" "$rows" "$tablm" finetune --dp --epsilon 1 --data "$data" --schema "$schema" -o "$work/dp-$rows"
    measure "finetune-200-steps" "$rows" "$tablm" finetune --steps 200 --data "$data" --schema "$schema" -o "$work/np-$rows"
    measure "generate" "$rows" "$tablm" generate --checkpoint "$work/dp-$rows" --rows "$rows" -o "$work/synthetic-$rows.csv"
    measure "evaluate" "$rows" "$tablm" evaluate --data "$data" --test "$root/data/adult_test.csv" --synthetic "$work/synthetic-$rows.csv" --schema "$schema" -o "$work/report-$rows.html"
    # From the ε = 1 checkpoint, to ε = 2 in all: the bundle's cost does not depend on the budget.
    measure "export" "$rows" "$tablm" export --checkpoint "$work/dp-$rows" --data "$data" --epsilon 2 -o "$work/bundle-$rows"
done
