#!/usr/bin/python3
"""Pickles and CSV files for t/120-sklearn.t's runs of the exporter's
command line: good pipelines, pickles it must refuse in one line, and the
training data of the range tests.

usage: sklearn_cli.py OUT_DIR

Writes into OUT_DIR: standard.pkl (StandardScaler + SVC on iris),
maxabs.pkl (MaxAbsScaler + SVC), search.pkl (a fitted GridSearchCV),
kernel.pkl (an SVC with a callable kernel), ties.pkl (SVC(break_ties=True),
three classes), dict.pkl (not a model), corrupt.pkl (bytes), train.csv
(iris, a header of feature names and the target), ranges.json (each
feature's min and max by numpy, and a row that doubles the maximum of the
first one) and api/, the standard.pkl pipeline exported by export() with
X_train."""

import json
import os
import pickle
import sys

import numpy as np

from sklearn import datasets
from sklearn.metrics.pairwise import linear_kernel
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler
from sklearn.svm import SVC

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools"))
from sklearn_export import export  # noqa: E402

NAMES = ["sl", "sw", "pl", "pw"]


def dump(out, name, obj):
    with open(os.path.join(out, name), "wb") as f:
        pickle.dump(obj, f)


def main(out):
    os.makedirs(out, exist_ok=True)
    x, y = datasets.load_iris(return_X_y=True)

    standard = Pipeline([("s", StandardScaler()), ("m", SVC())]).fit(x, y)
    dump(out, "standard.pkl", standard)
    export(standard, os.path.join(out, "api"), feature_names=NAMES,
           X_train=x)
    dump(out, "maxabs.pkl",
         Pipeline([("s", MaxAbsScaler()), ("m", SVC())]).fit(x, y))
    dump(out, "search.pkl",
         GridSearchCV(Pipeline([("s", StandardScaler()), ("m", SVC())]),
                      {"m__C": [1, 4]}, cv=3).fit(x, y))
    dump(out, "kernel.pkl", SVC(kernel=linear_kernel).fit(x, y))
    dump(out, "ties.pkl", SVC(break_ties=True).fit(x, y))
    dump(out, "dict.pkl", {"model": "not one"})
    with open(os.path.join(out, "corrupt.pkl"), "wb") as f:
        f.write(b"\x80\x04\x95 not a pickle at all")

    with open(os.path.join(out, "train.csv"), "w") as f:
        f.write(",".join(NAMES + ["species"]) + "\n")
        for row, t in zip(x, y):
            f.write(",".join(repr(float(v)) for v in row) + ",%d\n" % t)

    lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    row = {n: float((a + b) / 2) for n, a, b in zip(NAMES, lo, hi)}
    row["sl"] = float(2 * hi[0])
    with open(os.path.join(out, "ranges.json"), "w") as f:
        json.dump({"min": dict(zip(NAMES, map(float, lo))),
                   "max": dict(zip(NAMES, map(float, hi))),
                   "max_abs": dict(zip(NAMES, map(float,
                                                  np.abs(x).max(axis=0)))),
                   "outside": {"features": row}}, f)


if __name__ == "__main__":
    main(sys.argv[1])
