#!/usr/bin/python3
"""Reference predictions straight from libsvm's C API (python3-libsvm):
one JSON line per row of a libsvm-format file, with full precision.

usage: libsvm_ref.py MODEL DATA [probability: 0|1]"""

import json
import sys

import svmutil


def main(model_path, data_path, prob):
    model = svmutil.svm_load_model(model_path)
    y, x = svmutil.svm_read_problem(data_path)
    opts = "-b 1 -q" if prob else "-q"
    labels, _, values = svmutil.svm_predict(y, x, model, opts)
    for label, v in zip(labels, values):
        print(json.dumps({"label": label, "values": v}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], len(sys.argv) > 3 and sys.argv[3] == "1")
