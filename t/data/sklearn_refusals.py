#!/usr/bin/python3
"""Pipelines tools/sklearn_export.py must refuse with a clear message.
Prints one line per case: NAME<TAB>the exporter's message."""

import os
import sys
import tempfile

import numpy as np

from sklearn import datasets
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics.pairwise import linear_kernel
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (MinMaxScaler, OneHotEncoder,
                                   PolynomialFeatures, PowerTransformer,
                                   StandardScaler)
from sklearn.svm import SVC, SVR

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools"))
from sklearn_export import ExportError, export  # noqa: E402


def main():
    iris = datasets.load_iris()
    x, y = iris.data, iris.target
    xc = np.empty((len(y), 2), dtype=object)
    xc[:, 0] = x[:, 0]
    xc[:, 1] = iris.target_names[y]
    xn = xc.copy()
    xn[::7, 1] = np.nan
    std_svc = Pipeline([("s", StandardScaler()), ("m", SVC())])

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
        ("callable kernel", SVC(kernel=linear_kernel).fit(x, y)),
        ("break ties", SVC(break_ties=True).fit(x, y)),
        ("break ties ovo",
         Pipeline([("s", StandardScaler()),
                   ("m", SVC(break_ties=True,
                             decision_function_shape="ovo"))]).fit(x, y)),
        ("unfitted search", GridSearchCV(SVC(), {"C": [1, 2]})),
        ("search without refit",
         GridSearchCV(SVC(), {"C": [1, 2]}, refit=False).fit(x, y)),
        ("search of a non-svm",
         GridSearchCV(LogisticRegression(max_iter=1000),
                      {"C": [1, 2]}).fit(x, y)),
        ("imputer indicator",
         Pipeline([("i", SimpleImputer(add_indicator=True)),
                   ("m", SVC())]).fit(x, y)),
        ("imputer zeros",
         Pipeline([("i", SimpleImputer(missing_values=0)),
                   ("m", SVC())]).fit(x, y)),
        ("imputer after a scaler",
         Pipeline([("s", StandardScaler()), ("i", SimpleImputer()),
                   ("m", SVC())]).fit(x, y)),
        ("imputer fill not a category",
         Pipeline([("p", ColumnTransformer([
             ("c", Pipeline([("i", SimpleImputer(strategy="constant",
                                                 fill_value="none")),
                             ("e", OneHotEncoder(handle_unknown="ignore"))]),
              [1])])),
             ("m", SVC())]).fit(xc, y)),
        ("onehot of missing values",
         Pipeline([("p", ColumnTransformer([
             ("c", OneHotEncoder(), [1]),
             ("n", StandardScaler(), [0])])),
             ("m", SVC())]).fit(xn, y)),
        ("target function",
         TransformedTargetRegressor(regressor=SVR(), func=np.log1p,
                                    inverse_func=np.expm1).fit(x, y)),
        ("target power",
         TransformedTargetRegressor(regressor=SVR(),
                                    transformer=PowerTransformer())
         .fit(x, y)),
        ("target around another regressor",
         TransformedTargetRegressor(regressor=LinearRegression(),
                                    transformer=StandardScaler(),
                                    check_inverse=False)
         .fit(x, y)),
        ("X_train of the wrong shape", std_svc.fit(x, y),
         {"X_train": x[:, :2]}),
        ("X_train not numbers", std_svc.fit(x, y),
         {"X_train": xc[:, [1, 1, 1, 1]]}),
    ]
    out = tempfile.mkdtemp()
    for case in cases:
        name, pipe = case[0], case[1]
        kwargs = case[2] if len(case) > 2 else {}
        try:
            export(pipe, os.path.join(out, "b"), **kwargs)
            print("%s\tEXPORTED" % name)
        except ExportError as e:
            print("%s\t%s" % (name, e))


if __name__ == "__main__":
    main()
