#!/usr/bin/env python3
"""Would the language model's rows gain from being pulled onto the prior's marginals? A pool of the
model's rows (several times the table) is raked, by iterative proportional fitting (Deming & Stephan
1940), to the marginals of the prior's own rows (`tablm prior`) on every 1-way marginal and every
clique the prior's log names as measured ("prior round K: a × b × c measured ..."), weights capped;
then as many rows as the table are drawn by weight. Post-processing of released outputs, so a
product path would cost no ε; here it is an experiment for docs/budget-plan.md: the prior's rows come
from a separate `tablm prior` run, so their noise is not the noise the model learned from.

    python3 Benchmarks/rake_to_prior.py --schema public-schema.json --prior prior.csv --prior-log prior.log \
        --rows 32561 --cap 20 -o raked.csv model-pool.csv

Numeric columns are cut at 15 quantiles of the prior's rows (its bins are not in its CSV); a value
the prior's rows never hold is a cell of its own.
"""
import argparse
import json
import re

import numpy as np
import pandas as pd


def cells(frame, reference, schema):
    """Each column as cell codes shared by the pool and the prior's rows, with the number of cells."""
    out = {}
    for column in schema["columns"]:
        name = column["name"]
        if column["kind"] == "categorical":
            values = {v: i for i, v in enumerate(sorted(set(reference[name])))}
            out[name] = (np.array([values.get(v, len(values)) for v in frame[name]]), len(values) + 1)
        else:
            ref = pd.to_numeric(reference[name], errors="coerce").fillna(-1).to_numpy()
            edges = np.unique(np.quantile(ref, np.linspace(0, 1, 17)[1:-1]))
            values = pd.to_numeric(frame[name], errors="coerce").fillna(-1).to_numpy()
            out[name] = (np.searchsorted(edges, values, side="right"), len(edges) + 1)
    return out


def clique_index(codes, clique):
    index = np.zeros(len(next(iter(codes.values()))[0]), dtype=np.int64)
    size = 1
    for name in clique:
        column, count = codes[name]
        index, size = index * count + column, size * count
    return index, size


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--prior", required=True, help="the prior's own rows (tablm prior --rows N)")
    parser.add_argument("--prior-log", required=True, help="tablm prior's standard error, naming the measured cliques")
    parser.add_argument("--rows", type=int, required=True, help="rows to draw from the raked pool")
    parser.add_argument("--cap", type=float, default=20, help="largest weight, in multiples of the mean")
    parser.add_argument("--sweeps", type=int, default=30)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("pool", help="the model's rows (tablm generate --rows several times the table)")
    args = parser.parse_args()
    schema = json.load(open(args.schema))
    pool = pd.read_csv(args.pool, dtype=str, keep_default_na=False)
    prior = pd.read_csv(args.prior, dtype=str, keep_default_na=False)
    if args.rows > len(pool):
        parser.error(f"--rows {args.rows} is more than the pool's {len(pool)} rows")
    pool_cells, prior_cells = cells(pool, prior, schema), cells(prior, prior, schema)
    cliques = [[c["name"]] for c in schema["columns"]]
    for line in open(args.prior_log):
        measured = re.match(r"prior round \d+: (.*) measured", line)
        if measured:
            cliques.append([name.strip() for name in measured.group(1).split("×")])
    targets = []
    for clique in cliques:
        index, size = clique_index(pool_cells, clique)
        counts = np.bincount(clique_index(prior_cells, clique)[0], minlength=size).astype(float)
        targets.append((index, size, counts / counts.sum()))
    weights = np.ones(len(pool))

    def mean_tv():
        tvs = []
        for index, size, target in targets:
            current = np.bincount(index, weights=weights, minlength=size)
            tvs.append(0.5 * np.abs(current / current.sum() - target).sum())
        return np.mean(tvs)

    before = mean_tv()
    for _ in range(args.sweeps):
        for index, size, target in targets:
            current = np.bincount(index, weights=weights, minlength=size)
            current /= current.sum()
            ratio = np.where(current > 0, target / np.maximum(current, 1e-12), 1.0)
            weights *= ratio[index]
            weights = np.minimum(weights / weights.mean(), args.cap)
    effective = weights.sum() ** 2 / (weights ** 2).sum()
    print(f"mean TV to the prior on {len(cliques)} marginals: {before:.4f} -> {mean_tv():.4f}; "
          f"largest weight {weights.max():.1f}, effective rows {effective:.0f} of {len(pool)}")
    drawn = np.random.default_rng(0).choice(len(pool), size=args.rows, replace=False, p=weights / weights.sum())
    pool.iloc[drawn].to_csv(args.output, index=False)


if __name__ == "__main__":
    main()
