#!/usr/bin/python3
"""A model repository for the model-server tests, from scikit-learn:
REPO/iris/1 is KServe's own sklearn example (an SVC on all of iris,
gamma="scale"), exported by tools/sklearn_export.py; REPO/iris/2 the same
with probabilities; REPO/wine/1 and /3 an SVC on wine with a StandardScaler,
named features; REPO/diabetes/1 an SVR.  Also writes REPO.expected.json:
scikit-learn's own predict and predict_proba on the rows the tests send.

usage: model_repo.py TOOLS_DIR REPO
"""

import json
import os
import sys

import numpy as np
from sklearn import datasets, svm
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, sys.argv[1])
from sklearn_export import export   # noqa: E402

repo = sys.argv[2]
expected = {}

iris = datasets.load_iris()
clf = svm.SVC(gamma="scale")
clf.fit(iris.data, iris.target)
export(clf, os.path.join(repo, "iris", "1"))

rows = [[6.8, 2.8, 4.8, 1.4], [6.0, 3.4, 4.5, 1.6], [5.1, 3.5, 1.4, 0.2],
        [7.7, 3.0, 6.1, 2.3]]
expected["iris/1"] = {"rows": rows,
                      "predict": clf.predict(rows).tolist()}

clf2 = svm.SVC(gamma="scale", probability=True, random_state=0)
clf2.fit(iris.data, iris.target)
export(clf2, os.path.join(repo, "iris", "2"))
expected["iris/2"] = {"rows": rows,
                      "predict": clf2.predict(rows).tolist(),
                      "predict_proba": clf2.predict_proba(rows).tolist()}

wine = datasets.load_wine()
names = [n.replace("/", "_") for n in wine.feature_names]
for version, c in ((1, 1.0), (3, 10.0)):
    pipe = Pipeline([("scale", StandardScaler()),
                     ("svc", svm.SVC(C=c, probability=True,
                                     random_state=0))])
    pipe.fit(wine.data, wine.target)
    export(pipe, os.path.join(repo, "wine", str(version)),
           feature_names=names)
    sel = wine.data[[0, 60, 140]]
    expected["wine/%d" % version] = {
        "names": names, "rows": sel.tolist(),
        "predict": pipe.predict(sel).tolist(),
        "predict_proba": pipe.predict_proba(sel).tolist()}

diabetes = datasets.load_diabetes()
svr = Pipeline([("scale", StandardScaler()), ("svr", svm.SVR(C=10.0))])
svr.fit(diabetes.data, diabetes.target)
export(svr, os.path.join(repo, "diabetes", "1"))
sel = diabetes.data[:3]
expected["diabetes/1"] = {"rows": sel.tolist(),
                          "predict": svr.predict(sel).tolist()}

# entries that are not models: ignored with a notice
os.makedirs(os.path.join(repo, ".tmp", "1"), exist_ok=True)
with open(os.path.join(repo, "README"), "w") as f:
    f.write("models\n")
os.makedirs(os.path.join(repo, "wine", "latest"), exist_ok=True)

with open(repo.rstrip("/") + ".expected.json", "w") as f:
    json.dump(expected, f)
