#!/usr/bin/python3
"""Write scikit-learn's bundled data sets, raw and unscaled, in libsvm
format (1-based indices), for the fixtures.  Runs offline under Debian's
/usr/bin/python3 with python3-sklearn."""

import sys

from sklearn import datasets
from sklearn.datasets import dump_svmlight_file


def main(out):
    sets = {
        "wine": datasets.load_wine(return_X_y=True),
        "iris": datasets.load_iris(return_X_y=True),
        "cancer": datasets.load_breast_cancer(return_X_y=True),
        "digits": datasets.load_digits(return_X_y=True),
        "diabetes": datasets.load_diabetes(return_X_y=True, scaled=False),
    }
    for name, (x, y) in sets.items():
        dump_svmlight_file(x, y, "%s/%s.raw" % (out, name), zero_based=False)


if __name__ == "__main__":
    main(sys.argv[1])
