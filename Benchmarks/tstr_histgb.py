#!/usr/bin/env python3
"""TSTR in the reference harness of the guide's figures (AIM 0.888 at ε = 0.3, 0.893 at 1; real Adult
rows 0.927): scikit-learn's HistGradientBoostingClassifier with its defaults, categories as native
categorical features (the schema's lists), numbers as they are, ROC-AUC on the real test split. It
differs from `tablm evaluate`'s boosted trees (100 rounds of depth 3 on one-hot features: real Adult
rows 0.921 there), so a figure compared with those references comes from here.

    python3 Benchmarks/tstr_histgb.py --test H.csv --schema schema.json --target income S.csv [S2.csv ...]

Prints, for each table, the mean ROC-AUC over three seeds of the classifier (its early stopping holds
out a seeded tenth of the rows above 10,000) and each seed's figure. Rows of a table that do not fit the
schema are left out and counted, as `tablm evaluate` and `evaluate_reference.py` do.
"""
import argparse
import json

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from evaluate_reference import read


def features(frame, schema, target):
    columns = {}
    for column in schema["columns"]:
        name = column["name"]
        if name == target:
            continue
        values = frame[name].replace("", np.nan)
        if column["kind"] == "categorical":
            columns[name] = pd.Categorical(values, categories=column["categories"])
        else:
            columns[name] = pd.to_numeric(values, errors="coerce")
    return pd.DataFrame(columns)


def classes(frame, target):
    # UCI's raw Adult test split writes ">50K." with a full stop.
    return frame[target].str.strip().str.rstrip(".")


def main():
    parser = argparse.ArgumentParser()
    for option in ["test", "schema", "target"]:
        parser.add_argument("--" + option, required=True)
    parser.add_argument("--positive", help="the positive class (default: the target's rarer category in the test split)")
    parser.add_argument("tables", nargs="+")
    args = parser.parse_args()
    schema = json.load(open(args.schema))
    test = pd.read_csv(args.test, dtype=str, keep_default_na=False)
    positive = args.positive or classes(test, args.target).value_counts().idxmin()
    x_test, y_test = features(test, schema, args.target), classes(test, args.target).eq(positive).to_numpy()
    for path in args.tables:
        frame = read(path, schema)
        x, y = features(frame, schema, args.target), classes(frame, args.target).eq(positive).to_numpy()
        scores = [roc_auc_score(y_test, HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
                                .fit(x, y).predict_proba(x_test)[:, 1]) for seed in range(3)]
        print(f"{path}: HistGradientBoosting TSTR ROC-AUC {np.mean(scores):.4f} "
              f"(seeds {', '.join(f'{s:.4f}' for s in scores)}; positive class {positive}, {len(frame)} rows fit the schema)")


if __name__ == "__main__":
    main()
