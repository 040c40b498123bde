#!/usr/bin/env python3
"""What the prior's discretisation alone costs, with no noise: the real training rows with chosen
numeric columns replaced by a value drawn inside their cell, as PseudoRowSampler draws it
(uniformly at the schema's precision), or from the real values of that cell (--within real).
Evaluate the output as synthetic rows: `tablm evaluate --synthetic OUT ...`.

The cells follow PublicDiscretization.swift: a range of at most 128 values gets a cell per value;
a range that starts at 0 and reaches 1,000 gets 0 alone and BINS - 1 geometric bins over
[1, max]; other ranges BINS equal bins. Integer columns only (Adult's and German credit's numbers).

    Benchmarks/discretization_ceiling.py SCHEMA TRAIN OUT [--bins 32] [--columns a,b] [--within uniform|real]
"""
import argparse, bisect, collections, csv, json, math, random


def edges(low, high, bins):
    if high - low + 1 <= 128:
        return list(range(low, high + 1))
    if low == 0 and high >= 1000:
        raw = [0] + [int(math.floor(high ** (i / (bins - 1)))) for i in range(bins - 1)]
    else:
        raw = [low + int(math.floor(i / bins * (high - low + 1))) for i in range(bins)]
    unique = []
    for edge in raw:
        if not unique or edge > unique[-1]:
            unique.append(edge)
    return unique


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("schema"); parser.add_argument("train"); parser.add_argument("out")
    parser.add_argument("--bins", type=int, default=32)
    parser.add_argument("--columns", help="comma-separated numeric columns (default: all integer columns)")
    parser.add_argument("--within", choices=["uniform", "real"], default="uniform")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    random.seed(args.seed)
    schema = json.load(open(args.schema))
    ranges = {c["name"]: (int(c["min"]), int(c["max"])) for c in schema["columns"] if c["kind"] == "integer"}
    chosen = args.columns.split(",") if args.columns else list(ranges)
    cells = {c: edges(*ranges[c], args.bins) for c in chosen}
    rows = list(csv.DictReader(open(args.train)))

    def cell(column, value):
        return max(0, bisect.bisect_right(cells[column], value) - 1)

    values = {c: collections.defaultdict(list) for c in cells}
    for row in rows:
        for c in cells:
            v = int(float(row[c])); values[c][cell(c, v)].append(v)
    with open(args.out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys())); writer.writeheader()
        for row in rows:
            for c, e in cells.items():
                i = cell(c, int(float(row[c])))
                if args.within == "real":
                    row[c] = random.choice(values[c][i])
                else:
                    row[c] = random.randint(e[i], e[i + 1] - 1 if i + 1 < len(e) else ranges[c][1])
            writer.writerow(row)
    print({c: len(e) for c, e in cells.items()})


if __name__ == "__main__":
    main()
