#!/usr/bin/python3
"""Pipelines tools/sklearn_export.py must refuse with a clear message.
Prints one line per case: NAME<TAB>the exporter's message."""

import os
import sys
import tempfile

import numpy as np

from sklearn import datasets
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (MinMaxScaler, OneHotEncoder,
                                   PolynomialFeatures, StandardScaler)
from sklearn.svm import SVC

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools"))
from sklearn_export import ExportError, export  # noqa: E402


def main():
    iris = datasets.load_iris()
    x, y = iris.data, iris.target
    xc = np.empty((len(y), 2), dtype=object)
    xc[:, 0] = x[:, 0]
    xc[:, 1] = iris.target_names[y]

    cases = [
        ("not an svm", LogisticRegression(max_iter=1000).fit(x, y)),
        ("unfitted", SVC()),
        ("precomputed kernel",
         SVC(kernel="precomputed").fit(x @ x.T, y)),
        ("two scalers",
         Pipeline([("a", StandardScaler()), ("b", MinMaxScaler()),
                   ("m", SVC())]).fit(x, y)),
        ("an unsupported step",
         Pipeline([("p", PolynomialFeatures()), ("m", SVC())]).fit(x, y)),
        ("onehot with drop",
         Pipeline([("p", ColumnTransformer([
             ("c", OneHotEncoder(drop="first"), [1]),
             ("n", StandardScaler(), [0])])),
             ("m", SVC())]).fit(xc, y)),
    ]
    out = tempfile.mkdtemp()
    for name, pipe in cases:
        try:
            export(pipe, os.path.join(out, "b"))
            print("%s\tEXPORTED" % name)
        except ExportError as e:
            print("%s\t%s" % (name, e))


if __name__ == "__main__":
    main()
