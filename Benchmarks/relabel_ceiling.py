#!/usr/bin/env python3
"""How far a better model of the target alone could carry private rows: the synthetic rows keep their
features and get their target redrawn from a classifier of the real rows, y ~ Bernoulli(p(x)), then
`tstr_histgb.py` scores them. With the non-private EBM (ROC-AUC 0.928 on the real test split) that is
the ceiling of any label model on those features; with InterpretML's DP-EBM (Nori et al. 2021,
"Accuracy, interpretability, and differential privacy via explainable boosting") at ε it is what a
private one buys. An experiment for docs/budget-plan.md, not a product path: the DP-EBM's ε is on
top of the rows' own.

    pip install scikit-learn==1.9.1 pandas interpret-core==0.7.8
    python3 Benchmarks/relabel_ceiling.py --train T.csv --test H.csv --schema public-schema.json \
        --target income --positive '>50K' --epsilons 0,0.25,1 S.csv

ε = 0 means the non-private EBM. Rows of S are read as they are; each relabeled table is written
beside S (S.relabel-EPS.csv) and scored.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
from interpret.glassbox import ExplainableBoostingClassifier
from interpret.privacy import DPExplainableBoostingClassifier
from sklearn.metrics import roc_auc_score


def main():
    parser = argparse.ArgumentParser()
    for name in ["--train", "--test", "--schema", "--target", "--positive"]:
        parser.add_argument(name, required=True)
    parser.add_argument("--epsilons", default="0,0.25,1")
    parser.add_argument("synthetic")
    args = parser.parse_args()
    schema = json.load(open(args.schema))
    columns = [c for c in schema["columns"] if c["name"] != args.target]

    def load(path):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        features = pd.DataFrame()
        for c in columns:
            values = frame[c["name"]]
            if c["kind"] == "categorical":
                features[c["name"]] = values.where(values != "", "missing")
            else:
                numbers = pd.to_numeric(values, errors="coerce").fillna(c["min"])
                features[c["name"]] = numbers.clip(c["min"], c["max"]).astype(float)
        return frame, features, (frame[args.target] == args.positive).astype(int).values

    _, train_x, train_y = load(args.train)
    _, test_x, test_y = load(args.test)
    synthetic, synthetic_x, _ = load(args.synthetic)
    names = [c["name"] for c in columns]
    # The schema is public: its categories and ranges are the DP-EBM's bins and bounds, no budget spent.
    types = [c["categories"] + ["missing"] if c["kind"] == "categorical" else "continuous" for c in columns]
    bounds = {c["name"]: (float(c["min"]), float(c["max"])) for c in columns if c["kind"] != "categorical"}
    target = next(c for c in schema["columns"] if c["name"] == args.target)
    negative = next(v for v in target["categories"] if v != args.positive)
    rng = np.random.default_rng(0)
    for epsilon in [float(e) for e in args.epsilons.split(",")]:
        if epsilon == 0:
            model = ExplainableBoostingClassifier(feature_names=names, feature_types=types, interactions=0, n_jobs=1)
        else:
            model = DPExplainableBoostingClassifier(feature_names=names, feature_types=types, privacy_bounds=bounds,
                                                    epsilon=epsilon, delta=1e-6, n_jobs=1)
        model.fit(train_x, train_y)
        auc = roc_auc_score(test_y, model.predict_proba(test_x)[:, 1])
        p = model.predict_proba(synthetic_x)[:, 1]
        relabeled = synthetic.copy()
        relabeled[args.target] = np.where(rng.random(len(p)) < p, args.positive, negative)
        out = os.path.splitext(args.synthetic)[0] + f".relabel-{epsilon:g}.csv"
        relabeled.to_csv(out, index=False)
        print(f"label model at ε = {epsilon:g} ({'non-private EBM' if epsilon == 0 else 'DP-EBM'}): ROC-AUC on the test split {auc:.4f}", flush=True)
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "tstr_histgb.py"), "--test", args.test,
                        "--schema", args.schema, "--target", args.target, out], check=True)


if __name__ == "__main__":
    main()
