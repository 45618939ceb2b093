#!/usr/bin/python3
"""scikit-learn's GridSearchCV over the grid and folds a predict-train
report used, on the same CSV: MinMaxScaler to [-1, 1] fitted per fold, then
SVC(kernel=rbf).  Prints one JSON object: the best mean accuracy and its
parameters.

usage: sklearn_gridsearch.py DATA.csv TARGET REPORT.json"""

import csv
import json
import sys

import numpy as np

from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.svm import SVC


def main(data, target, report_path):
    with open(data, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    t = header.index(target)
    x = np.array([[float(v) for i, v in enumerate(r) if i != t]
                  for r in rows])
    y = np.array([r[t] for r in rows])

    with open(report_path) as f:
        report = json.load(f)
    cs = sorted({p["log2c"] for p in report["grid"]})
    gs = sorted({p["log2g"] for p in report["grid"]})

    pipe = Pipeline([("s", MinMaxScaler((-1, 1))),
                     ("m", SVC(kernel="rbf", tol=1e-3, cache_size=100))])
    grid = {"m__C": [2.0 ** c for c in cs], "m__gamma": [2.0 ** g for g in gs]}
    search = GridSearchCV(pipe, grid, cv=PredefinedSplit(report["folds"]),
                          scoring="accuracy", n_jobs=2)
    search.fit(x, y)
    print(json.dumps({
        "best_accuracy": 100 * search.best_score_,
        "log2c": float(np.log2(search.best_params_["m__C"])),
        "log2g": float(np.log2(search.best_params_["m__gamma"])),
    }))


if __name__ == "__main__":
    main(*sys.argv[1:4])
