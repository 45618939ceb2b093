#!/usr/bin/python3
"""Export a fitted scikit-learn SVM pipeline as a bundle that
ngx_http_predict_module serves (predict_model DIR;).

Supported:
  * the estimator: SVC, NuSVC, SVR, NuSVR or OneClassSVM (linear, poly,
    rbf or sigmoid kernel), alone or as the last step of a Pipeline;
  * before it, at most one of: MinMaxScaler (with or without clip),
    StandardScaler, MaxAbsScaler, or a ColumnTransformer of those, of
    OneHotEncoder (handle_unknown "error" or "ignore", no drop) and of
    "passthrough", with remainder "drop" or "passthrough".

From a notebook:

    import sys; sys.path.insert(0, "/path/to/ngx_http_predict_module/tools")
    from sklearn_export import export
    export(pipeline, "bundle/", feature_names=None)

From a shell, on a pickled pipeline:

    /usr/bin/python3 tools/sklearn_export.py pipeline.pkl bundle/ \\
        [--feature-names a,b,c]

The bundle holds model.libsvm (libsvm's own text format, written from the
estimator's libsvm internals), features.json (the scaling and encoding) and
report.json.  Labels follow scikit-learn's predict (libsvm's vote);
probabilities are libsvm's (Platt scaling and pairwise coupling, as
scikit-learn's predict_proba computes them), so their argmax may differ from
predict on a few rows, as in scikit-learn itself.
"""

import datetime
import json
import math
import os
import pickle
import sys

import numpy as np

import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (MaxAbsScaler, MinMaxScaler, OneHotEncoder,
                                   StandardScaler)
from sklearn.svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM


class ExportError(Exception):
    """The pipeline holds something the module cannot serve."""


SVM_TYPES = {
    SVC: "c_svc",
    NuSVC: "nu_svc",
    SVR: "epsilon_svr",
    NuSVR: "nu_svr",
    OneClassSVM: "one_class",
}

KERNELS = {"linear": "linear", "poly": "polynomial", "rbf": "rbf",
           "sigmoid": "sigmoid"}


def _num(x):
    """A float for JSON; refuses what JSON cannot hold."""
    x = float(x)
    if not math.isfinite(x):
        raise ExportError("a fitted parameter is not finite: %r" % x)
    return x


def _category(value):
    """A category as the module matches it: text, numbers in their shortest
    form (1.0 is "1")."""
    if isinstance(value, (bool, np.bool_)):
        raise ExportError("boolean categories are not supported")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _split(pipeline):
    """(preprocessing step or None, estimator)."""
    if isinstance(pipeline, Pipeline):
        steps = [s for _, s in pipeline.steps
                 if s is not None and s != "passthrough"]
        if not steps:
            raise ExportError("an empty pipeline")
        est, pre = steps[-1], steps[:-1]
        if len(pre) > 1:
            raise ExportError("at most one preprocessing step before the "
                              "SVM; found %d" % len(pre))
        return (pre[0] if pre else None), est
    return None, pipeline


def _input_names(pre, est, n_features, feature_names):
    if feature_names is not None:
        names = [str(n) for n in feature_names]
    else:
        fitted = pre if pre is not None else est
        names = getattr(fitted, "feature_names_in_", None)
        names = ([str(n) for n in names] if names is not None
                 else ["x%d" % i for i in range(n_features)])
    if len(names) != n_features:
        raise ExportError("%d feature names for %d features"
                          % (len(names), n_features))
    if len(set(names)) != len(names):
        raise ExportError("duplicate feature names")
    return names


def _scaler_entries(scaler, columns):
    """{column: entry} for a whole-array scaler over the given columns."""
    out = {}
    for k, col in enumerate(columns):
        if isinstance(scaler, MinMaxScaler):
            e = {"type": "numeric", "transform": "linear",
                 "scale": _num(scaler.scale_[k]),
                 "offset": _num(scaler.min_[k]),
                 "min": _num(scaler.data_min_[k]),
                 "max": _num(scaler.data_max_[k])}
            if getattr(scaler, "clip", False):
                e["out_of_range"] = "clip"
        elif isinstance(scaler, StandardScaler):
            mean = scaler.mean_[k] if scaler.with_mean else 0.0
            std = scaler.scale_[k] if scaler.with_std else 1.0
            e = {"type": "numeric", "transform": "standard",
                 "mean": _num(mean), "std": _num(std)}
        elif isinstance(scaler, MaxAbsScaler):
            e = {"type": "numeric", "transform": "maxabs",
                 "maxabs": _num(scaler.scale_[k]),
                 "min": -_num(scaler.max_abs_[k]),
                 "max": _num(scaler.max_abs_[k])}
        elif scaler == "passthrough":
            e = {"type": "numeric", "transform": "none"}
        else:
            raise ExportError("unsupported step %r" % (scaler,))
        out[col] = [e]
    return out


def _onehot_entries(enc, columns):
    if enc.handle_unknown not in ("error", "ignore"):
        raise ExportError("OneHotEncoder(handle_unknown=%r) is not "
                          "supported" % enc.handle_unknown)
    if getattr(enc, "drop_idx_", None) is not None:
        raise ExportError("OneHotEncoder(drop=...) is not supported")
    out = {}
    for k, col in enumerate(columns):
        cats = [_category(c) for c in enc.categories_[k]]
        out[col] = [{"type": "categorical", "categories": cats,
                     "unknown": "zero" if enc.handle_unknown == "ignore"
                                else "error"}]
    return out


def _columns(spec, names):
    """Column names of a ColumnTransformer's column selection."""
    if isinstance(spec, str):
        spec = [spec]
    spec = list(np.atleast_1d(spec))
    out = []
    for c in spec:
        if isinstance(c, (bool, np.bool_)):
            raise ExportError("boolean column masks are not supported")
        if isinstance(c, (int, np.integer)):
            out.append(names[int(c)])
        elif str(c) in names:
            out.append(str(c))
        else:
            raise ExportError("unknown column %r" % (c,))
    return out


def _features(pre, names):
    """The spec's features, in input order, with libsvm indices in the
    order the step outputs its columns."""
    if pre is None:
        entries = _scaler_entries("passthrough", names)
        order = list(names)
    elif isinstance(pre, (MinMaxScaler, StandardScaler, MaxAbsScaler)):
        entries = _scaler_entries(pre, names)
        order = list(names)
    elif isinstance(pre, ColumnTransformer):
        entries, order = {}, []
        for tname, trans, cols in pre.transformers_:
            if tname == "remainder":
                if trans == "drop":
                    continue
                if trans != "passthrough":
                    raise ExportError("remainder=%r is not supported"
                                      % (trans,))
            if trans == "drop":
                continue
            cols = _columns(cols, names)
            if isinstance(trans, Pipeline):
                inner = [s for _, s in trans.steps
                         if s is not None and s != "passthrough"]
                if len(inner) > 1:
                    raise ExportError("a pipeline of several steps inside "
                                      "the ColumnTransformer")
                trans = inner[0] if inner else "passthrough"
            if isinstance(trans, OneHotEncoder):
                part = _onehot_entries(trans, cols)
            else:
                part = _scaler_entries(trans, cols)
            for c in cols:
                if c in entries:
                    raise ExportError("column %r is used twice" % c)
            entries.update(part)
            order.extend(cols)
    else:
        raise ExportError("unsupported preprocessing step %s"
                          % type(pre).__name__)

    features, index = [], 1
    out_pos = {}
    for col in order:
        e = entries[col][0]
        out_pos[col] = index
        index += max(1, len(e.get("categories", [None])))
    for col in names:
        if col not in entries:
            continue
        e = dict(name=col, index=out_pos[col], **entries[col][0])
        features.append(e)
    return features, index - 1


def _model_text(est, svm_type, n_outputs):
    kernel = est.kernel
    if not isinstance(kernel, str) or kernel not in KERNELS:
        raise ExportError("kernel %r is not supported" % (kernel,))

    lines = ["svm_type %s" % svm_type, "kernel_type %s" % KERNELS[kernel]]
    if kernel == "poly":
        lines.append("degree %d" % int(est.degree))
    if kernel in ("poly", "rbf", "sigmoid"):
        lines.append("gamma %r" % _num(est._gamma))
    if kernel in ("poly", "sigmoid"):
        lines.append("coef0 %r" % _num(est.coef0))

    classifier = svm_type in ("c_svc", "nu_svc")
    nr_class = len(est.classes_) if classifier else 2
    sv = np.asarray(est.support_vectors_, dtype=float)
    coef = np.asarray(est._dual_coef_, dtype=float)
    rho = -np.asarray(est._intercept_, dtype=float)

    lines.append("nr_class %d" % nr_class)
    lines.append("total_sv %d" % sv.shape[0])
    lines.append("rho " + " ".join(repr(_num(r)) for r in rho))
    if classifier:
        lines.append("label " + " ".join(str(i) for i in range(nr_class)))
    proba = getattr(est, "probability", False)
    if proba and svm_type != "one_class":
        lines.append("probA " + " ".join(repr(_num(a)) for a in est.probA_))
        if classifier:
            lines.append("probB " + " ".join(repr(_num(b))
                                             for b in est.probB_))
    if classifier:
        lines.append("nr_sv " + " ".join(str(int(n))
                                         for n in est.n_support_))
    lines.append("SV")

    if sv.shape[1] > n_outputs:
        raise ExportError("the SVM has %d inputs, the preprocessing gives %d"
                          % (sv.shape[1], n_outputs))

    for i in range(sv.shape[0]):
        parts = [repr(_num(c)) for c in coef[:, i]]
        parts += ["%d:%r" % (j + 1, _num(v))
                  for j, v in enumerate(sv[i]) if v != 0]
        lines.append(" ".join(parts) + " ")
    return "\n".join(lines) + "\n"


def _write(path, text):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path)
                       + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def export(pipeline, out_dir, feature_names=None):
    """Write the bundle for a fitted pipeline into out_dir (created if
    needed).  Returns the feature spec written, as a dict."""
    pre, est = _split(pipeline)

    svm_type = None
    for cls, name in SVM_TYPES.items():
        if type(est) is cls:
            svm_type = name
    if svm_type is None:
        raise ExportError("the last step must be SVC, NuSVC, SVR, NuSVR or "
                          "OneClassSVM, not %s" % type(est).__name__)
    if not hasattr(est, "support_vectors_"):
        raise ExportError("the estimator is not fitted")
    if getattr(est, "_sparse", False):
        raise ExportError("an SVM fitted on sparse input is not supported")

    n_in = getattr(pre if pre is not None else est, "n_features_in_")
    names = _input_names(pre, est, n_in, feature_names)
    features, n_out = _features(pre, names)

    target = {"task": "classify" if svm_type in ("c_svc", "nu_svc")
              else "one-class" if svm_type == "one_class" else "regress"}
    if target["task"] == "classify":
        target["label_rule"] = "vote"
        classes = []
        for c in est.classes_:
            if isinstance(c, (int, np.integer)):
                classes.append(int(c))
            elif isinstance(c, (float, np.floating)):
                classes.append(_num(c))
            else:
                classes.append(str(c))
        target["classes"] = classes

    spec = {"format": "predict-features", "version": 1,
            "features": features, "target": target}
    model = _model_text(est, svm_type, n_out)

    os.makedirs(out_dir, exist_ok=True)
    _write(os.path.join(out_dir, "model.libsvm"), model)
    _write(os.path.join(out_dir, "features.json"),
           json.dumps(spec, indent=2) + "\n")
    report = {
        "format": "predict-report",
        "exporter": "tools/sklearn_export.py",
        "sklearn_version": sklearn.__version__,
        "estimator": repr(pipeline)[:4000],
        "created_at": datetime.datetime.now(datetime.timezone.utc)
                      .strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    _write(os.path.join(out_dir, "report.json"),
           json.dumps(report, indent=2) + "\n")
    return spec


def main(argv):
    args = argv[1:]
    names = None
    if "--feature-names" in args:
        i = args.index("--feature-names")
        if i + 1 >= len(args):
            sys.exit("usage: sklearn_export.py PIPELINE.pkl OUT_DIR "
                     "[--feature-names a,b,c]")
        names = args[i + 1].split(",")
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit("usage: sklearn_export.py PIPELINE.pkl OUT_DIR "
                 "[--feature-names a,b,c]")
    with open(args[0], "rb") as f:
        pipeline = pickle.load(f)
    try:
        export(pipeline, args[1], names)
    except ExportError as e:
        sys.exit("sklearn_export.py: %s" % e)
    print("wrote %s/{model.libsvm,features.json,report.json}" % args[1])


if __name__ == "__main__":
    main(sys.argv)
