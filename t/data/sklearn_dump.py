#!/usr/bin/python3
"""Write scikit-learn's bundled data sets, raw and unscaled, for the
fixtures: libsvm format (1-based indices) as NAME.raw, and CSV with the
data set's own column names and class names as NAME.csv.  Runs offline
under Debian's /usr/bin/python3 with python3-sklearn."""

import csv
import sys

from sklearn import datasets
from sklearn.datasets import dump_svmlight_file


def write_csv(path, bunch, target, names=None):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(list(bunch.feature_names) + [target])
        for x, y in zip(bunch.data, bunch.target):
            label = names[y] if names is not None else repr(float(y))
            w.writerow([repr(float(v)) for v in x] + [label])


def main(out):
    sets = {
        "wine": (datasets.load_wine(), "cultivar", True),
        "iris": (datasets.load_iris(), "species", True),
        "cancer": (datasets.load_breast_cancer(), "diagnosis", True),
        "digits": (datasets.load_digits(), "digit", False),
        "diabetes": (datasets.load_diabetes(scaled=False), "progression",
                     False),
    }
    for name, (bunch, target, named) in sets.items():
        dump_svmlight_file(bunch.data, bunch.target, "%s/%s.raw" % (out, name),
                           zero_based=False)
        if name != "digits":
            write_csv("%s/%s.csv" % (out, name), bunch, target,
                      bunch.target_names if named else None)


if __name__ == "__main__":
    main(sys.argv[1])
