#!/usr/bin/python3
"""Fits scikit-learn pipelines on its bundled data sets, exports each with
tools/sklearn_export.py, and writes what scikit-learn predicts, for
t/120-sklearn.t to compare with the module's answers.

usage: sklearn_parity.py OUT_DIR

For each case NAME: OUT_DIR/NAME/ (the bundle), OUT_DIR/NAME.jsonl (one
request body per row, features by name) and OUT_DIR/NAME.expected.jsonl
(scikit-learn's predict, decision_function in libsvm's one-vs-one order and
sign, and predict_proba)."""

import json
import os
import sys

import numpy as np

from sklearn import datasets
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (MaxAbsScaler, MinMaxScaler, OneHotEncoder,
                                   StandardScaler)
from sklearn.svm import SVC, SVR, NuSVC, OneClassSVM

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools"))
from sklearn_export import export  # noqa: E402


def cases():
    """(name, pipeline, rows as an object array, column names, target)"""
    wine = datasets.load_wine()
    iris = datasets.load_iris()
    cancer = datasets.load_breast_cancer()
    diabetes = datasets.load_diabetes(scaled=False)

    names_w = list(wine.feature_names)
    yw = wine.target_names[wine.target]
    yield ("wine-minmax-svc",
           Pipeline([("s", MinMaxScaler((-1, 1))),
                     ("m", SVC(C=4, gamma=0.1, probability=True,
                               random_state=0))]),
           wine.data, names_w, yw)
    yield ("wine-clip-linear",
           Pipeline([("s", MinMaxScaler(clip=True)),
                     ("m", SVC(kernel="linear", C=0.5))]),
           wine.data, names_w, yw)

    names_c = list(cancer.feature_names)
    yield ("cancer-standard-binary",
           Pipeline([("s", StandardScaler()),
                     ("m", SVC(C=2, probability=True, random_state=0))]),
           cancer.data, names_c, cancer.target)
    yield ("cancer-maxabs-nusvc-poly",
           Pipeline([("s", MaxAbsScaler()),
                     ("m", NuSVC(nu=0.3, kernel="poly", degree=2,
                                 coef0=1))]),
           cancer.data, names_c, cancer.target)

    # iris with the species as a categorical input, petal width as target
    species = iris.target_names[iris.target]
    xi = np.empty((len(species), 4), dtype=object)
    xi[:, 0:3] = iris.data[:, 0:3]
    xi[:, 3] = species
    names_i = list(iris.feature_names[0:3]) + ["species"]
    ct = ColumnTransformer([
        ("num", StandardScaler(), [0, 1, 2]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), [3]),
    ])
    yield ("iris-onehot-svr",
           Pipeline([("p", ct), ("m", SVR(C=3, epsilon=0.05))]),
           xi, names_i, iris.data[:, 3])

    xs = np.empty((len(species), 5), dtype=object)
    xs[:, 0:4] = iris.data
    xs[:, 4] = np.where(iris.data[:, 0] > 5.8, "big", "small")
    names_s = list(iris.feature_names) + ["size"]
    ct = ColumnTransformer([
        ("cat", OneHotEncoder(), [4]),
        ("mm", MinMaxScaler(), [2, 3]),
    ], remainder="passthrough")
    yield ("iris-columns-sigmoid",
           Pipeline([("p", ct), ("m", SVC(kernel="sigmoid", C=1,
                                          gamma=0.05, coef0=-1))]),
           xs, names_s, species)

    yield ("diabetes-standard-svr",
           Pipeline([("s", StandardScaler()),
                     ("m", SVR(C=100, epsilon=5))]),
           diabetes.data, list(diabetes.feature_names), diabetes.target)

    yield ("cancer-oneclass",
           Pipeline([("s", StandardScaler()),
                     ("m", OneClassSVM(nu=0.1, gamma=0.02))]),
           cancer.data, names_c, None)


def jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v]
    return v


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, pipe, x, names, y in cases():
        if y is None:
            pipe.fit(x)
        else:
            pipe.fit(x, y)
        export(pipe, os.path.join(out, name), feature_names=names)

        est = pipe.steps[-1][1]
        pred = pipe.predict(x)
        dec = None
        if isinstance(est, (SVC, NuSVC)):
            est.decision_function_shape = "ovo"
            dec = pipe.decision_function(x)
            if dec.ndim == 1:
                # scikit-learn flips libsvm's sign for binary problems
                dec = -dec
        elif isinstance(est, OneClassSVM):
            dec = pipe.decision_function(x)
        proba = (pipe.predict_proba(x)
                 if getattr(est, "probability", False) else None)

        with open(os.path.join(out, name + ".jsonl"), "w") as f:
            for row in x:
                feats = {k: jsonable(v) for k, v in zip(names, row)}
                f.write(json.dumps({"features": feats}) + "\n")

        with open(os.path.join(out, name + ".expected.jsonl"), "w") as f:
            for i in range(len(x)):
                e = {"predict": jsonable(pred[i])}
                if dec is not None:
                    d = np.atleast_1d(dec[i])
                    e["decision_values"] = [float(v) for v in d]
                if proba is not None:
                    e["probabilities"] = {
                        str(c): float(p)
                        for c, p in zip(est.classes_, proba[i])}
                f.write(json.dumps(e) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
