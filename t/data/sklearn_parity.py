#!/usr/bin/python3
"""Fits scikit-learn pipelines on its bundled data sets, exports each with
tools/sklearn_export.py (with the training rows as X_train), and writes
what scikit-learn predicts, for t/120-sklearn.t to compare with the
module's answers.

usage: sklearn_parity.py OUT_DIR

For each case NAME: OUT_DIR/NAME/ (the bundle), OUT_DIR/NAME.jsonl (one
request body per row, features by name, a missing value as null) and
OUT_DIR/NAME.expected.jsonl (scikit-learn's predict, decision_function in
libsvm's one-vs-one order and sign, and predict_proba).  The first cases
are fitted and predicted on all rows; the later ones (imputers, target
transforms, searches, break_ties) are fitted on two thirds of the rows
and predicted on the held-out third, with values knocked out (NaN) in
both."""

import json
import os
import sys

import numpy as np

from sklearn import datasets
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (MaxAbsScaler, MinMaxScaler, OneHotEncoder,
                                   StandardScaler)
from sklearn.svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools"))
from sklearn_export import export  # noqa: E402


def knock_out(x, share, seed):
    """x (an object array) with a share of its cells NaN, by a seed."""
    x = np.array(x, dtype=object)
    rng = np.random.RandomState(seed)
    x[rng.random_sample(x.shape) < share] = np.nan
    return x


def held_out(x, y):
    """Every third row held out: (x_train, y_train, x_test)."""
    test = np.arange(len(x)) % 3 == 0
    return x[~test], (None if y is None else y[~test]), x[test]


def cases():
    """(name, pipeline, rows as an object array, column names, target,
    held-out rows or None: predict on the training rows)"""
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

    # held out, with missing values: SimpleImputer's fills are the spec's

    xw = knock_out(wine.data, 0.1, 1).astype(float)
    yield ("wine-impute-standard",
           Pipeline([("i", SimpleImputer(strategy="mean")),
                     ("s", StandardScaler()),
                     ("m", SVC(C=4, gamma=0.05, probability=True,
                               random_state=0))]),
           *held_out(xw, yw), names_w)

    xi = knock_out(xi, 0.15, 2)
    ct = ColumnTransformer([
        ("num", Pipeline([("i", SimpleImputer(strategy="median")),
                          ("s", MinMaxScaler())]), [0, 1]),
        ("k", SimpleImputer(strategy="constant", fill_value=1.5), [2]),
        ("cat", Pipeline([("i", SimpleImputer(strategy="constant",
                                              fill_value="unknown")),
                          ("e", OneHotEncoder(handle_unknown="ignore"))]),
         [3]),
    ])
    yield ("iris-impute-columns-svr",
           Pipeline([("p", ct), ("m", SVR(C=3, epsilon=0.05))]),
           *held_out(xi, iris.data[:, 3]), names_i)

    xs = knock_out(xs, 0.1, 3)
    ct = ColumnTransformer([
        ("cat", Pipeline([("i", SimpleImputer(strategy="most_frequent")),
                          ("e", OneHotEncoder())]), [4]),
        ("num", Pipeline([("i", SimpleImputer(strategy="mean")),
                          ("s", StandardScaler())]), [0, 1, 2, 3]),
    ])
    yield ("iris-impute-mode-svc",
           Pipeline([("p", ct), ("m", SVC(C=2, gamma=0.3))]),
           *held_out(xs, species), names_s)

    # a scaled regression target: the spec's target transform

    xd = knock_out(diabetes.data, 0.05, 4).astype(float)
    yd = diabetes.target
    names_d = list(diabetes.feature_names)
    yield ("diabetes-target-standard",
           TransformedTargetRegressor(
               regressor=Pipeline([
                   ("i", SimpleImputer(strategy="most_frequent")),
                   ("s", StandardScaler()),
                   ("m", SVR(C=3, epsilon=0.1))]),
               transformer=StandardScaler()),
           *held_out(xd, yd), names_d)
    yield ("diabetes-target-minmax",
           TransformedTargetRegressor(
               regressor=Pipeline([("i", SimpleImputer()),
                                   ("s", MaxAbsScaler()),
                                   ("m", NuSVR(C=2, nu=0.4))]),
               transformer=MinMaxScaler((-1, 1))),
           *held_out(xd, yd), names_d)
    yield ("diabetes-target-maxabs",
           TransformedTargetRegressor(
               regressor=Pipeline([("i", SimpleImputer(strategy="median")),
                                   ("s", MinMaxScaler()),
                                   ("m", SVR(C=10, epsilon=0.05))]),
               transformer=MaxAbsScaler()),
           *held_out(xd, yd), names_d)

    # searches: their best_estimator_

    yield ("iris-gridsearch",
           GridSearchCV(Pipeline([("s", StandardScaler()), ("m", SVC())]),
                        {"m__C": [0.5, 2, 8], "m__gamma": [0.05, 0.2]},
                        cv=3),
           *held_out(iris.data, species), list(iris.feature_names))
    yield ("wine-randomsearch",
           RandomizedSearchCV(
               Pipeline([("s", MinMaxScaler()),
                         ("m", SVC(probability=True, random_state=0))]),
               {"m__C": [1, 4, 16], "m__gamma": [0.01, 0.05, 0.2]},
               n_iter=4, cv=3, random_state=0),
           *held_out(wine.data, yw), names_w)

    # break_ties changes nothing with two classes: served exactly

    yield ("cancer-breakties-binary",
           Pipeline([("s", StandardScaler()),
                     ("m", SVC(C=2, break_ties=True))]),
           *held_out(cancer.data, cancer.target), names_c)


def jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v]
    return v


def final_estimator(model):
    """The SVM inside searches, target regressors and pipelines."""
    model = getattr(model, "best_estimator_", model)
    model = getattr(model, "regressor_", model)
    return model.steps[-1][1] if isinstance(model, Pipeline) else model


def main(out):
    os.makedirs(out, exist_ok=True)
    for case in cases():
        if len(case) == 5:
            name, pipe, x, names, y = case
            x_test = x
        else:
            name, pipe, x, y, x_test, names = case
        if y is None:
            pipe.fit(x)
        else:
            pipe.fit(x, y)
        export(pipe, os.path.join(out, name), feature_names=names,
               X_train=x)
        x = x_test

        est = final_estimator(pipe)
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
