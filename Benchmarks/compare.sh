#!/usr/bin/env bash
# tablm's DP-SGD step against the JAX peer, same configuration, same machine, one sitting.
# Usage: bash Benchmarks/compare.sh [--layers 4 --width 128 --heads 4 --vocab 190 --batch-size 32 --length 72]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/blas-env.sh
swift build -c release --product tablm >&2
tablm_json=$(.build/release/tablm bench --json --steps 10 "$@")
jax_json=$(python3 Benchmarks/jax_dp_sgd.py "$@" 2>/dev/null || echo '{"skipped": "the JAX script failed"}')
python3 - "$tablm_json" "$jax_json" <<'PY'
import json, sys
tablm, jax = json.loads(sys.argv[1])["training"], json.loads(sys.argv[2])
rows = tablm["batch"] * tablm["length"]
ours_dp = rows / (tablm["dpStepMilliseconds"] / 1e3)
print(f"tablm: step {tablm['stepMilliseconds']:.1f} ms ({tablm['trainTokensPerSecond']:.0f} tokens/s), "
      f"DP step {tablm['dpStepMilliseconds']:.1f} ms ({ours_dp:.0f} tokens/s), {tablm['workers']} workers")
if "skipped" in jax:
    print(f"JAX peer skipped: {jax['skipped']}")
    sys.exit(0)
print(f"JAX {jax['jax']}: step {jax['step_ms']:.1f} ms ({jax['tokens_per_second']:.0f} tokens/s), "
      f"DP step {jax['dp_step_ms']:.1f} ms ({jax['dp_tokens_per_second']:.0f} tokens/s), compile {jax['compile_seconds']:.1f} s")
print(f"DP-SGD tokens/s, tablm / JAX: {ours_dp / jax['dp_tokens_per_second']:.2f}")
print(f"non-private tokens/s, tablm / JAX: {tablm['trainTokensPerSecond'] / jax['tokens_per_second']:.2f}")
PY
