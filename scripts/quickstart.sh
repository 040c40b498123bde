#!/usr/bin/env bash
# Fresh machine to first result: install what is missing, build in release mode, and run the main
# job on the bundled sample table (Examples/adult-sample.csv): schema, row text, tokenizer, fine-tune,
# constrained generation, then the private path (finetune --dp, generate, evaluate with an HTML
# report). The binary is linked as ~/.local/bin/tablm (scripts/install.sh); outputs go to out/quickstart/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
source scripts/blas-env.sh
bash scripts/install.sh
tablm=.build/release/tablm
out=out/quickstart
data=Examples/adult-sample.csv
mkdir -p "$out"

"$tablm" schema infer --data "$data" --target income --sensitive sex -o "$out/schema.json"
"$tablm" serialize --schema "$out/schema.json" --data "$data" --shuffle-columns --seed 1 -o "$out/rows.txt"
"$tablm" parse --schema "$out/schema.json" "$out/rows.txt" -o "$out/roundtrip.csv"
cmp -s "$data" "$out/roundtrip.csv" && echo "round trip exact: $out/roundtrip.csv equals $data" >&2
"$tablm" tokenizer train --schema "$out/schema.json" -o "$out/tokenizer.model"
"$tablm" tokenize --tokenizer "$out/tokenizer.model" < "$out/rows.txt" > "$out/rows.ids"
awk '{ n += NF } END { printf "tokens per row: %.1f (%d rows)\n", n / NR, NR }' "$out/rows.ids" >&2
echo "first row as text and as pieces:" >&2
head -n 1 "$out/rows.txt"
head -n 1 "$out/rows.txt" | "$tablm" tokenize --tokenizer "$out/tokenizer.model" --pieces

# Fine-tune a small GPT-2 on the sample (non-private), a quarter of its rows in random column orders
# so that conditioned columns may come first, and sample rows from it.
"$tablm" finetune --schema "$out/schema.json" --data "$data" --tokenizer "$out/tokenizer.model" \
    --steps 200 --eval-every 100 --random-order-share 0.25 -o "$out/checkpoint"
"$tablm" generate --checkpoint "$out/checkpoint" --rows 200 --seed 1 -o "$out/synthetic.csv"
"$tablm" generate --checkpoint "$out/checkpoint" --rows 50 --seed 2 --condition sex=Female --condition 'age>=40' \
    -o "$out/synthetic-women-over-40.csv"

# The private path with the public Adult schema: a DP marginal prior (noisy marginals chosen by AIM),
# training on its pseudo rows, DP-SGD on the real rows (one accountant), then constrained generation.
"$tablm" finetune --dp --epsilon 3 --delta 1e-5 --schema Examples/adult-public-schema.json --data "$data" \
    --prior-steps 300 --prior-batch-size 64 --steps 40 --expected-batch-size 64 -o "$out/checkpoint-dp"
"$tablm" generate --checkpoint "$out/checkpoint-dp" --rows 300 --seed 3 -o "$out/synthetic-dp.csv"
# How good, how fair, how private, against the real test split (bundled in data/): the verdict on
# stdout, every figure in the HTML report.
"$tablm" evaluate --data "$data" --test data/adult_test.csv --synthetic "$out/synthetic-dp.csv" \
    --schema Examples/adult-public-schema.json --checkpoint "$out/checkpoint-dp" -o "$out/report.html"
echo "report: $out/report.html" >&2
