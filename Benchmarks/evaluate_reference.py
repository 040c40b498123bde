#!/usr/bin/env python3
"""Recomputes `tablm evaluate`'s utility and fairness figures with scikit-learn and fairlearn, as an
independent reference: the same encoding (one-hot categories with missing as a category, numbers
standardised on TRAIN with a missing indicator), the same positive class, logistic regression with the
same L2 penalty, and sklearn's GradientBoostingClassifier with tablm's tree settings (100 rounds,
depth 3, learning rate 0.1). Also the Fréchet distance via scipy.linalg.sqrtm and the data parity gap.

    python3 Benchmarks/evaluate_reference.py --train T.csv --test H.csv --synthetic S.csv \
        --schema schema.json --target income --sensitive sex [--tablm-json evaluation.json]

With --tablm-json it prints tablm's figures beside the reference ones.
"""
import argparse
import json

import numpy as np
import pandas as pd
from scipy import linalg
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

try:
    from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
except ImportError:  # fairlearn is optional
    demographic_parity_difference = equalized_odds_difference = None


def read(path, schema):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = []
    for _, record in frame.iterrows():
        ok = True
        for column in schema["columns"]:
            value = record[column["name"]]
            if value == "":
                ok = ok and column.get("allows_missing", False)
            elif column["kind"] == "categorical":
                ok = ok and value in column["categories"]
            else:
                try:
                    number = float(value)
                    ok = ok and column["min"] <= number <= column["max"]
                except ValueError:
                    ok = False
        if ok:
            rows.append(record)
    return pd.DataFrame(rows).reset_index(drop=True)


def encoder(schema, train, excluded):
    slots = []
    for column in schema["columns"]:
        name = column["name"]
        if name in excluded:
            continue
        if column["kind"] == "categorical":
            slots.append((name, "cat", column["categories"]))
        else:
            values = pd.to_numeric(train[name].replace("", np.nan)).dropna().to_numpy(float)
            mean = values.mean() if len(values) else 0.0
            scale = values.std() if len(values) and values.std() > 0 else 1.0
            slots.append((name, "num", (mean, scale)))

    def encode(frame):
        parts = []
        for name, kind, info in slots:
            if kind == "cat":
                block = np.zeros((len(frame), len(info) + 1))
                index = {c: i for i, c in enumerate(info)}
                for r, value in enumerate(frame[name]):
                    block[r, index.get(value, len(info))] = 1
            else:
                mean, scale = info
                numbers = pd.to_numeric(frame[name].replace("", np.nan)).to_numpy(float)
                block = np.zeros((len(frame), 2))
                missing = np.isnan(numbers)
                block[~missing, 0] = (numbers[~missing] - mean) / scale
                block[missing, 1] = 1
            parts.append(block)
        return np.hstack(parts)

    return encode


def frechet(a, b):
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False, bias=True), np.cov(b, rowvar=False, bias=True)
    root = linalg.sqrtm(s1 @ s2)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * np.real(root)))


def main():
    parser = argparse.ArgumentParser()
    for option in ["train", "test", "synthetic", "schema", "target"]:
        parser.add_argument("--" + option, required=True)
    parser.add_argument("--sensitive")
    parser.add_argument("--tablm-json")
    args = parser.parse_args()
    schema = json.load(open(args.schema))
    train, test, synthetic = (read(p, schema) for p in (args.train, args.test, args.synthetic))
    counts = train[args.target].value_counts()
    positive = min(next(c for c in schema["columns"] if c["name"] == args.target)["categories"], key=lambda c: counts.get(c, 0))
    features = encoder(schema, train, {args.target})
    x_test, y_test = features(test), (test[args.target] == positive).to_numpy()
    ours = json.load(open(args.tablm_json)) if args.tablm_json else None
    l2 = 1e-3
    learners = {
        "logistic regression": lambda n: LogisticRegression(C=1 / (n * l2), max_iter=2000, tol=1e-10),
        "boosted trees": lambda n: GradientBoostingClassifier(n_estimators=100, max_depth=3, learning_rate=0.1, random_state=0),
    }
    print(f"positive class {positive}; {len(train)} train, {len(test)} test, {len(synthetic)} synthetic rows")
    for name, make in learners.items():
        for label, frame in [("TRTR", train), ("TSTR", synthetic)]:
            model = make(len(frame)).fit(features(frame), (frame[args.target] == positive).to_numpy())
            scores = model.predict_proba(x_test)[:, 1]
            predictions = scores >= 0.5
            line = (f"{name:20s} {label}  accuracy {accuracy_score(y_test, predictions):.4f}  "
                    f"ROC-AUC {roc_auc_score(y_test, scores):.4f}  F1 {f1_score(y_test, predictions):.4f}")
            if ours:
                mine = next(c for c in ours["classifiers"] if c["name"] == name)[label.lower()]
                line += f"   | tablm {mine['accuracy']:.4f} {mine['rocAUC']:.4f} {mine['f1']:.4f}"
            print(line)
            if label == "TSTR" and args.sensitive and demographic_parity_difference:
                groups = test[args.sensitive].to_numpy()
                dp = demographic_parity_difference(y_test, predictions, sensitive_features=groups)
                eo = equalized_odds_difference(y_test, predictions, sensitive_features=groups)
                line = f"{name:20s} TSTR  fairlearn DP difference {dp:.4f}  EO difference {eo:.4f}"
                if ours:
                    mine = next(c for c in ours["classifiers"] if c["name"] == name)
                    line += f"   | tablm {mine['tstrDemographicParityDifference']:.4f} {mine['tstrEqualizedOddsDifference']:.4f}"
                print(line)
    if args.sensitive:
        def gap(frame):
            rates = (frame[args.target] == positive).groupby(frame[args.sensitive]).mean()
            return rates.max() - rates.min()
        line = f"parity gap real {gap(train):.4f} synthetic {gap(synthetic):.4f}"
        if ours and ours.get("fairness"):
            line += f"   | tablm {ours['fairness']['realParityGap']:.4f} {ours['fairness']['syntheticParityGap']:.4f}"
        print(line)
    everything = encoder(schema, train, set())
    line = f"Fréchet distance (all rows) {frechet(everything(train), everything(synthetic)):.4f}"
    if ours:
        line += f"   | tablm {ours['frechetDistance']:.4f}"
    print(line)


if __name__ == "__main__":
    main()
