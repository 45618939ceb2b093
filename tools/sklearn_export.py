#!/usr/bin/python3
"""Export a fitted scikit-learn SVM pipeline as a bundle that
ngx_http_predict_module serves (predict_model DIR;).

Supported:
  * the estimator: SVC, NuSVC, SVR, NuSVR or OneClassSVM (linear, poly,
    rbf or sigmoid kernel), alone or as the last step of a Pipeline;
  * before it, at most one of: MinMaxScaler (with or without clip),
    StandardScaler, MaxAbsScaler, or a ColumnTransformer of those, of
    OneHotEncoder (handle_unknown "error" or "ignore", no drop) and of
    "passthrough", with remainder "drop" or "passthrough"; a SimpleImputer
    may come first, in the pipeline or in a ColumnTransformer's part (its
    fill becomes the spec's "missing" fill);
  * around it, a TransformedTargetRegressor whose transformer is a
    StandardScaler, MinMaxScaler or MaxAbsScaler (the spec's target
    transform), and a fitted GridSearchCV or RandomizedSearchCV, whose
    best_estimator_ is exported.

From a notebook:

    import sys; sys.path.insert(0, "/path/to/ngx_http_predict_module/tools")
    from sklearn_export import export
    export(pipeline, "bundle/", feature_names=None, X_train=X)

From a shell, on a pickled pipeline: sklearn_export.py --help.

The bundle holds model.libsvm (libsvm's own text format, written from the
estimator's libsvm internals), features.json (the scaling and encoding) and
report.json.  Labels follow scikit-learn's predict (libsvm's vote);
probabilities are libsvm's (Platt scaling and pairwise coupling, as
scikit-learn's predict_proba computes them), so their argmax may differ from
predict on a few rows, as in scikit-learn itself.

Every numeric feature gets the min and max it had in training, so that
predict_out_of_range can apply: from a MinMaxScaler's data_min_ and
data_max_, else from X_train (--train-data); a MaxAbsScaler alone gives
[-max_abs_, max_abs_].  The features left without a range are named on
stderr.

With X_train (--train-data), every feature also gets its drift reference
(features.json version 2), as predict-train writes it: a numeric feature's
minimum, deciles (numpy.quantile's default "linear" method) and maximum,
with the share of training rows in each bin, a categorical one's category
shares; missing values are left out.  Without training data there is no
reference, and the spec stays version 1.
"""

import bisect
import csv
import datetime
import json
import math
import os
import pickle
import sys

try:
    import numpy as np

    import sklearn
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection._search import BaseSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import (FunctionTransformer, MaxAbsScaler,
                                       MinMaxScaler, OneHotEncoder,
                                       StandardScaler)
    from sklearn.svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM
except ImportError as _e:
    if __name__ != "__main__":
        raise
    sys.stderr.write("sklearn_export.py: error: %s (Debian: apt-get install "
                     "python3-sklearn, and run /usr/bin/python3)\n" % _e)
    sys.exit(1)


PROG = "sklearn_export.py"

USAGE = """\
usage: sklearn_export.py PIPELINE.pkl OUT_DIR [--feature-names A,B,C]
                         [--train-data FILE.csv]
       sklearn_export.py --help

Writes OUT_DIR/model.libsvm, OUT_DIR/features.json and OUT_DIR/report.json
(OUT_DIR is created) for the fitted scikit-learn pipeline pickled in
PIPELINE.pkl, as ngx_http_predict_module serves it; a fitted GridSearchCV
or RandomizedSearchCV exports its best_estimator_.  Run it with the python3
that pickled the pipeline, and only on pickles you trust: loading one runs
its code.

  --feature-names A,B,C   the features' names (default: the pipeline's
                          feature_names_in_, else x0, x1, ...)
  --train-data FILE.csv   the training rows, under a header of feature
                          names: the min and max of the numeric features
                          the pipeline has no range for (their names are
                          printed on stderr otherwise), and every
                          feature's drift reference (spec version 2;
                          without it, none)
  --help                  this text, on standard output

Exit status: 0 when the bundle is written, 1 when the pipeline or a file
is refused (one line on stderr: "sklearn_export.py: error: ..."), 2 on a
usage error.
"""


class ExportError(Exception):
    """The pipeline holds something the module cannot serve."""


class UsageError(Exception):
    """The command line is wrong."""


SVM_TYPES = {
    SVC: "c_svc",
    NuSVC: "nu_svc",
    SVR: "epsilon_svr",
    NuSVR: "nu_svr",
    OneClassSVM: "one_class",
}

KERNELS = {"linear": "linear", "poly": "polynomial", "rbf": "rbf",
           "sigmoid": "sigmoid"}

SCALERS = (MinMaxScaler, StandardScaler, MaxAbsScaler)

# features named in one warning
MAX_NAMES = 8

# a numeric drift reference's bins: PM_REF_BINS in src/pm_spec.h
REF_BINS = 10


def _num(x):
    """A float for JSON; refuses what JSON cannot hold."""
    x = float(x)
    if not math.isfinite(x):
        raise ExportError("a fitted parameter is not finite: %r" % x)
    return x


def _is_missing(value):
    """None or NaN: what SimpleImputer(missing_values=np.nan) fills."""
    if value is None:
        return True
    try:
        return isinstance(value, (float, np.floating)) and math.isnan(value)
    except TypeError:
        return False


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


def _steps(pipe):
    """A Pipeline's steps, None and "passthrough" left out."""
    return [s for _, s in pipe.steps if s is not None and s != "passthrough"]


def _unwrap_search(model):
    """A fitted search's best_estimator_, and a note on it, or None."""
    if not isinstance(model, BaseSearchCV):
        return model, None
    kind = type(model).__name__
    if not hasattr(model, "cv_results_"):
        raise ExportError("the %s is not fitted" % kind)
    if not hasattr(model, "best_estimator_"):
        raise ExportError("the %s was fitted with refit=False: it has no "
                          "best_estimator_ to export" % kind)
    note = {"type": kind,
            "best_params": {str(k): _jsonable(v)
                            for k, v in model.best_params_.items()}}
    score = getattr(model, "best_score_", None)
    if isinstance(score, (int, float, np.integer, np.floating)):
        note["best_score"] = float(score)
    return model.best_estimator_, note


def _jsonable(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)) and math.isfinite(v):
        return float(v)
    if isinstance(v, str):
        return v
    return repr(v)


def _unwrap_target(model):
    """A TransformedTargetRegressor's regressor_, and the spec's target
    transform for its transformer_, or None."""
    if not isinstance(model, TransformedTargetRegressor):
        return model, None
    if not hasattr(model, "regressor_"):
        raise ExportError("the TransformedTargetRegressor is not fitted")
    if model.func is not None or model.inverse_func is not None:
        raise ExportError("TransformedTargetRegressor(func=...) is not "
                          "supported: the target may be scaled by a "
                          "StandardScaler, MinMaxScaler or MaxAbsScaler")
    tr = model.transformer_
    if (isinstance(tr, FunctionTransformer) and tr.func is None
            and tr.inverse_func is None):
        xf = None
    elif isinstance(tr, StandardScaler):
        xf = {"transform": "standard",
              "mean": _num(tr.mean_[0]) if tr.with_mean else 0.0,
              "std": _num(tr.scale_[0]) if tr.with_std else 1.0}
    elif isinstance(tr, MinMaxScaler):
        # scikit-learn's inverse: (y - min_) / scale_, the spec's linear
        xf = {"transform": "linear", "scale": _num(tr.scale_[0]),
              "offset": _num(tr.min_[0])}
    elif isinstance(tr, MaxAbsScaler):
        xf = {"transform": "linear", "scale": _num(1.0 / tr.scale_[0]),
              "offset": 0.0}
    else:
        raise ExportError("TransformedTargetRegressor(transformer=%s) is "
                          "not supported: use a StandardScaler, "
                          "MinMaxScaler or MaxAbsScaler"
                          % type(tr).__name__)
    est = model.regressor_
    last = _steps(est)[-1] if isinstance(est, Pipeline) else est
    if type(last) not in (SVR, NuSVR):
        raise ExportError("a TransformedTargetRegressor must wrap an SVR or "
                          "a NuSVR, not %s" % type(last).__name__)
    return est, xf


def _split(pipeline):
    """(preprocessing steps, estimator)."""
    if isinstance(pipeline, Pipeline):
        steps = _steps(pipeline)
        if not steps:
            raise ExportError("an empty pipeline")
        est, pre = steps[-1], steps[:-1]
        if any(isinstance(s, SimpleImputer) for s in pre[1:]):
            raise ExportError("a SimpleImputer must come first")
        if pre and isinstance(pre[0], SimpleImputer):
            if len(pre) > 2:
                raise ExportError("at most one preprocessing step before "
                                  "the SVM, after a SimpleImputer; found "
                                  "%d" % (len(pre) - 1))
        elif len(pre) > 1:
            raise ExportError("at most one preprocessing step before the "
                              "SVM (a SimpleImputer may come first); found "
                              "%d" % len(pre))
        return pre, est
    return [], pipeline


def _check_estimator(est):
    """The SVM's libsvm type; refuses what the module cannot compute."""
    svm_type = SVM_TYPES.get(type(est))
    if svm_type is None:
        raise ExportError("the last step must be SVC, NuSVC, SVR, NuSVR or "
                          "OneClassSVM, not %s" % type(est).__name__)
    if not hasattr(est, "support_vectors_"):
        raise ExportError("the estimator is not fitted")
    kernel = est.kernel
    if callable(kernel):
        raise ExportError("a callable kernel (%s) is not supported: the "
                          "module computes linear, poly, rbf and sigmoid "
                          "kernels"
                          % getattr(kernel, "__name__", type(kernel).__name__))
    if not isinstance(kernel, str) or kernel not in KERNELS:
        raise ExportError("kernel %r is not supported" % (kernel,))
    if getattr(est, "_sparse", False):
        raise ExportError("an SVM fitted on sparse input is not supported")
    if getattr(est, "break_ties", False) and len(est.classes_) > 2:
        raise ExportError("%s(break_ties=True) with %d classes is not "
                          "supported: scikit-learn's predict breaks tied "
                          "votes by the one-vs-rest decision function, "
                          "which the module does not compute, so labels "
                          "could differ; refit with break_ties=False "
                          "(two classes are served exactly)"
                          % (type(est).__name__, len(est.classes_)))
    return svm_type


def _input_names(first, est, feature_names):
    n_features = getattr(first if first is not None else est,
                         "n_features_in_", None)
    if n_features is None:
        raise ExportError("cannot tell how many features the pipeline takes "
                          "(no n_features_in_)")
    if feature_names is not None:
        names = [str(n) for n in feature_names]
    else:
        fitted = first if first is not None else est
        names = getattr(fitted, "feature_names_in_", None)
        names = ([str(n) for n in names] if names is not None
                 else ["x%d" % i for i in range(n_features)])
    if len(names) != n_features:
        raise ExportError("%d feature names for %d features"
                          % (len(names), n_features))
    if len(set(names)) != len(names):
        raise ExportError("duplicate feature names")
    return names


def _imputer_fills(imp, columns):
    """{column: raw fill value} of a fitted SimpleImputer."""
    if not hasattr(imp, "statistics_"):
        raise ExportError("the SimpleImputer is not fitted")
    if not _is_missing(imp.missing_values):
        raise ExportError("SimpleImputer(missing_values=%r) is not supported: "
                          "the module's missing values are null or absent "
                          "names (np.nan in scikit-learn)"
                          % (imp.missing_values,))
    if imp.add_indicator:
        raise ExportError("SimpleImputer(add_indicator=True) is not "
                          "supported")
    stats = list(imp.statistics_)
    if len(stats) != len(columns):
        raise ExportError("the SimpleImputer fills %d columns, not %d"
                          % (len(stats), len(columns)))
    fills = {}
    for col, v in zip(columns, stats):
        if _is_missing(v):
            raise ExportError("the SimpleImputer has no fill for column %r "
                              "(it had no values in training)" % col)
        fills[col] = v
    return fills


def _scaler_entry(scaler, k):
    """The spec entry of a whole-array scaler's column k."""
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
        # a bound, not the training range: X_train replaces it
        e = {"type": "numeric", "transform": "maxabs",
             "maxabs": _num(scaler.scale_[k]),
             "min": -_num(scaler.max_abs_[k]),
             "max": _num(scaler.max_abs_[k]), "_bound": True}
    elif scaler == "passthrough":
        e = {"type": "numeric", "transform": "none"}
    else:
        raise ExportError("unsupported step %r" % (scaler,))
    return e


def _onehot_entries(enc, columns):
    if enc.handle_unknown not in ("error", "ignore"):
        raise ExportError("OneHotEncoder(handle_unknown=%r) is not "
                          "supported" % enc.handle_unknown)
    if getattr(enc, "drop_idx_", None) is not None:
        raise ExportError("OneHotEncoder(drop=...) is not supported")
    out = {}
    for k, col in enumerate(columns):
        if any(_is_missing(c) for c in enc.categories_[k]):
            raise ExportError("the OneHotEncoder saw missing values in "
                              "column %r as a category: put a SimpleImputer "
                              "before it" % col)
        cats = [_category(c) for c in enc.categories_[k]]
        out[col] = {"type": "categorical", "categories": cats,
                    "unknown": "zero" if enc.handle_unknown == "ignore"
                               else "error"}
    return out


def _part_entries(trans, columns):
    """{column: entry} for one step over the given columns, a
    SimpleImputer first allowed."""
    steps = _steps(trans) if isinstance(trans, Pipeline) else [trans]
    fills = {}
    if steps and isinstance(steps[0], SimpleImputer):
        fills = _imputer_fills(steps[0], columns)
        steps = steps[1:]
    if len(steps) > 1:
        raise ExportError("a pipeline of several steps inside the "
                          "ColumnTransformer (a SimpleImputer may come "
                          "first)")
    trans = steps[0] if steps else "passthrough"
    if isinstance(trans, OneHotEncoder):
        entries = _onehot_entries(trans, columns)
    elif isinstance(trans, SCALERS) or trans == "passthrough":
        entries = {c: _scaler_entry(trans, k) for k, c in enumerate(columns)}
    elif isinstance(trans, (ColumnTransformer, Pipeline)):
        raise ExportError("a nested %s is not supported"
                          % type(trans).__name__)
    else:
        raise ExportError("unsupported preprocessing step %s"
                          % type(trans).__name__)
    _apply_fills(entries, fills)
    return entries


def _apply_fills(entries, fills):
    """The imputer's fills as the spec's "missing"."""
    for col, v in fills.items():
        e = entries.get(col)
        if e is None:
            continue
        if e["type"] == "categorical":
            cat = _category(v)
            if cat not in e["categories"]:
                raise ExportError("the SimpleImputer fills column %r with "
                                  "%r, a category the OneHotEncoder never "
                                  "saw" % (col, v))
            e["missing"] = {"fill": cat}
            continue
        try:
            fill = float(v)
        except (TypeError, ValueError):
            raise ExportError("the SimpleImputer fills the numeric column %r "
                              "with %r, not a number" % (col, v))
        e["missing"] = {"fill": _num(fill)}


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
    order the steps output their columns, and the number of outputs."""
    fills = {}
    if pre and isinstance(pre[0], SimpleImputer):
        fills = _imputer_fills(pre[0], names)
        pre = pre[1:]
    step = pre[0] if pre else None

    if step is None:
        entries = {c: _scaler_entry("passthrough", k)
                   for k, c in enumerate(names)}
        order = list(names)
    elif isinstance(step, SCALERS):
        entries = {c: _scaler_entry(step, k) for k, c in enumerate(names)}
        order = list(names)
    elif isinstance(step, ColumnTransformer):
        entries, order = {}, []
        for tname, trans, cols in step.transformers_:
            if tname == "remainder":
                if trans == "drop":
                    continue
                if trans != "passthrough":
                    raise ExportError("remainder=%r is not supported"
                                      % (trans,))
            if trans == "drop":
                continue
            cols = _columns(cols, names)
            part = _part_entries(trans, cols)
            for c in cols:
                if c in entries:
                    raise ExportError("column %r is used twice" % c)
            entries.update(part)
            order.extend(cols)
    elif isinstance(step, SimpleImputer):
        raise ExportError("a SimpleImputer must come first")
    else:
        raise ExportError("unsupported preprocessing step %s"
                          % type(step).__name__)

    # a pipeline's imputer fills before any part of the step sees a value
    _apply_fills(entries, fills)

    features, index = [], 1
    out_pos = {}
    for col in order:
        e = entries[col]
        out_pos[col] = index
        index += max(1, len(e.get("categories", [None])))
    for col in names:
        if col not in entries:
            continue
        e = dict(name=col, index=out_pos[col], **entries[col])
        features.append(e)
    return features, index - 1


def _train_columns(x_train, names):
    """{feature name: its training values} from X_train: a 2-D array in
    the pipeline's column order, a DataFrame or a mapping by name."""
    if isinstance(x_train, dict):
        cols = {str(k): list(v) for k, v in x_train.items()}
        return {n: cols[n] for n in names if n in cols}
    if hasattr(x_train, "columns"):
        have = {str(c): c for c in x_train.columns}
        return {n: list(np.asarray(x_train[have[n]], dtype=object))
                for n in names if n in have}
    try:
        x = np.asarray(x_train, dtype=object)
    except Exception as e:
        raise ExportError("X_train is not a 2-D array: %s" % e)
    if x.ndim != 2 or x.shape[1] != len(names):
        raise ExportError("X_train has shape %s; the pipeline takes %d "
                          "columns" % (x.shape, len(names)))
    if x.shape[0] == 0:
        raise ExportError("X_train has no rows")
    return {n: list(x[:, k]) for k, n in enumerate(names)}


def _hint(names):
    """A hint when the features have made-up names."""
    if names == ["x%d" % i for i in range(len(names))]:
        return (" (the pipeline does not name its features: x0, x1, ...; "
                "name them with feature_names= or --feature-names)")
    return ""


def _column_numbers(name, values):
    """A numeric training column's values as floats, missing values (None,
    NaN, an empty CSV cell) left out."""
    out = []
    for v in values:
        if _is_missing(v) or (isinstance(v, str) and v.strip() == ""):
            continue
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise ExportError("training data: column %r holds %r, not a "
                              "number" % (name, v))
        if math.isnan(x):
            continue
        if not math.isfinite(x):
            raise ExportError("training data: column %r holds %r" % (name, v))
        out.append(x)
    return out


def _column_range(name, values):
    """(min, max) of a numeric training column, missing values left out;
    None if it has none."""
    x = _column_numbers(name, values)
    return (min(x), max(x)) if x else None


def _set_ranges(features, names, cols):
    """min and max on every numeric feature that can have them, cols the
    training columns or None; returns the names of those left without."""
    for f in features:
        bound = f.pop("_bound", False)
        if f["type"] != "numeric":
            continue
        if cols is not None and (bound or "min" not in f):
            if f["name"] not in cols:
                raise ExportError("the training data has no column %r%s"
                                  % (f["name"], _hint(names)))
            r = _column_range(f["name"], cols[f["name"]])
            if r is not None:
                f["min"], f["max"] = _num(r[0]), _num(r[1])
        fill = f.get("missing", {}).get("fill") \
            if isinstance(f.get("missing"), dict) else None
        if "min" in f and fill is not None:
            # the model was fitted on imputed values: the fill is in range
            f["min"], f["max"] = min(f["min"], fill), max(f["max"], fill)
    return [f["name"] for f in features
            if f["type"] == "numeric" and "min" not in f]


def _deciles(x):
    """numpy.quantile(x, k / 10) for k = 1..9, x sorted, with numpy's
    default method, "linear" (Hyndman and Fan's 7th: h = (n - 1) q, then
    interpolation between x[floor(h)] and the next).  predict-train's
    pm_fit_quantile() (src/pm_fit.c) computes it as numpy's _lerp() does,
    so both write the same edges, to the bit, with numpy 1.22 or later
    (older numpy interpolates in another order, and names the parameter
    interpolation=).  Where b - a overflows, numpy gives inf or nan, and
    both compute a (1 - g) + b g instead."""
    q = np.array([k / REF_BINS for k in range(1, REF_BINS)])
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            d = np.quantile(x, q, method="linear")
        except TypeError:
            d = np.quantile(x, q, interpolation="linear")
    out = []
    for qk, v in zip(q, d):
        v = float(v)
        if not math.isfinite(v):
            h = (len(x) - 1) * qk
            lo = int(math.floor(h))
            g = float(h - lo)
            v = float(x[lo]) * (1 - g) + float(x[lo + 1]) * g
        out.append(v)
    return out


def _ref_bin(edges, v):
    """The drift bin of a numeric value: src/pm_spec.c's pm_spec_bin(),
    mirrored, the one rule for the module, the trainer and this exporter.
    0 below the minimum, REF_BINS + 1 above the maximum, else 1 + the last
    i in 0..9 with edges[i] <= v: bins [e_i, e_i+1), the last closed."""
    if v < edges[0]:
        return 0
    if v > edges[REF_BINS]:
        return REF_BINS + 1
    return bisect.bisect_right(edges, v, 0, REF_BINS)


def _numeric_reference(values):
    """{"edges", "shares"} of a numeric feature's training values (missing
    ones left out), as predict-train's pm_fit_reference(): the minimum,
    the deciles and the maximum, each kept between the edge before and the
    maximum; shares[i] the share of values in bin i + 1."""
    x = np.sort(np.asarray(values, dtype=float))
    edges = [float(x[0])]
    for v in _deciles(x):
        edges.append(min(max(v, edges[-1]), float(x[-1])))
    edges.append(float(x[-1]))
    count = [0] * (REF_BINS + 2)
    for v in values:
        count[_ref_bin(edges, v)] += 1
    return {"edges": edges,
            "shares": [c / len(values) for c in count[1:REF_BINS + 1]]}


def _category_positions(f, values):
    """The category positions of a categorical feature's training values,
    missing ones left out; and how many were not among its categories
    (left out too)."""
    where = {c: i for i, c in enumerate(f["categories"])}
    out, unknown = [], 0
    for v in values:
        if _is_missing(v) or (isinstance(v, str) and v == ""):
            continue
        key = v if isinstance(v, str) else _category(v)
        if key not in where and isinstance(v, str):
            # a CSV cell "1.0" for the category 1
            try:
                key = _category(float(v))
            except ValueError:
                pass
        if key in where:
            out.append(where[key])
        else:
            unknown += 1
    return out, unknown


def _set_references(features, cols):
    """The drift reference (spec version 2) of every feature with values
    in the training columns cols; returns the names of those left
    without, and of the categorical ones with values that are not among
    their categories."""
    without, strays = [], []
    for f in features:
        values = cols.get(f["name"]) if cols is not None else None
        if values is None:
            without.append(f["name"])
            continue
        if f["type"] == "numeric":
            x = _column_numbers(f["name"], values)
            if x:
                f["reference"] = _numeric_reference(x)
            else:
                without.append(f["name"])
            continue
        pos, unknown = _category_positions(f, values)
        if unknown:
            strays.append(f["name"])
        if pos and f["categories"]:
            count = [0] * len(f["categories"])
            for p in pos:
                count[p] += 1
            f["reference"] = {"shares": [c / len(pos) for c in count]}
        else:
            without.append(f["name"])
    return without, strays


def _model_text(est, svm_type, n_outputs):
    kernel = est.kernel
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


def _names(names):
    shown = ", ".join(names[:MAX_NAMES])
    if len(names) > MAX_NAMES:
        shown += " and %d more" % (len(names) - MAX_NAMES)
    return shown


def export(pipeline, out_dir, feature_names=None, X_train=None):
    """Write the bundle for a fitted pipeline into out_dir (created if
    needed).  X_train, the training inputs (a 2-D array in the pipeline's
    column order, or a DataFrame), gives the min and max of the numeric
    features the pipeline has no range for, and every feature's drift
    reference (without it the spec has none; report.json's
    "drift_reference" lists the features that have one).  Returns the
    feature spec written, as a dict."""
    model, search = _unwrap_search(pipeline)
    if search is not None:
        sys.stderr.write("%s: exporting the %s's best_estimator_ (%s)\n"
                         % (PROG, search["type"],
                            ", ".join("%s=%s" % kv for kv in
                                      sorted(search["best_params"].items()))
                            or "no parameters searched"))
    model, target_xf = _unwrap_target(model)
    pre, est = _split(model)
    svm_type = _check_estimator(est)

    names = _input_names(pre[0] if pre else None, est, feature_names)
    features, n_out = _features(pre, names)
    cols = _train_columns(X_train, names) if X_train is not None else None
    no_range = _set_ranges(features, names, cols)
    no_ref, strays = _set_references(features, cols)

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
    if target_xf is not None:
        target.update(target_xf)

    # version 2 only for the drift references: older modules read the rest
    version = 2 if any("reference" in f for f in features) else 1
    spec = {"format": "predict-features", "version": version,
            "features": features, "target": target}
    model_text = _model_text(est, svm_type, n_out)

    os.makedirs(out_dir, exist_ok=True)
    _write(os.path.join(out_dir, "model.libsvm"), model_text)
    _write(os.path.join(out_dir, "features.json"),
           json.dumps(spec, indent=2) + "\n")
    report = {
        "format": "predict-report",
        "exporter": "tools/sklearn_export.py",
        "sklearn_version": sklearn.__version__,
        "estimator": repr(model)[:4000],
        "created_at": datetime.datetime.now(datetime.timezone.utc)
                      .strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if search is not None:
        report["search"] = search
    if no_range:
        report["no_fitted_range"] = no_range
    report["drift_reference"] = [f["name"] for f in features
                                 if "reference" in f]
    _write(os.path.join(out_dir, "report.json"),
           json.dumps(report, indent=2) + "\n")

    if no_range:
        sys.stderr.write("%s: warning: %d numeric feature%s no fitted "
                         "range, so predict_out_of_range cannot apply to "
                         "%s: %s; pass the training data (X_train=..., or "
                         "--train-data FILE.csv)\n"
                         % (PROG, len(no_range),
                            " has" if len(no_range) == 1 else "s have",
                            "it" if len(no_range) == 1 else "them",
                            _names(no_range)))
    if cols is not None and no_ref:
        sys.stderr.write("%s: warning: %d feature%s no values in the "
                         "training data, so no drift reference: %s\n"
                         % (PROG, len(no_ref),
                            " has" if len(no_ref) == 1 else "s have",
                            _names(no_ref)))
    if strays:
        sys.stderr.write("%s: warning: training values that are not among "
                         "the OneHotEncoder's categories were left out of "
                         "the drift reference of %s\n"
                         % (PROG, _names(strays)))
    return spec


def _read_train_csv(path):
    """{column name: [cells]} of a CSV file with a header row."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        raise ExportError("--train-data %s: %s" % (path, e.strerror or e))
    except (csv.Error, UnicodeDecodeError) as e:
        raise ExportError("--train-data %s: not CSV: %s" % (path, e))
    if len(rows) < 2:
        raise ExportError("--train-data %s: a header and rows are needed"
                          % path)
    header = rows[0]
    if len(set(header)) != len(header):
        raise ExportError("--train-data %s: duplicate column names" % path)
    cols = {h: [] for h in header}
    for n, row in enumerate(rows[1:], 2):
        if not row:
            continue
        if len(row) != len(header):
            raise ExportError("--train-data %s: line %d: %d fields, the "
                              "header has %d"
                              % (path, n, len(row), len(header)))
        for h, v in zip(header, row):
            cols[h].append(v)
    return cols


def _load_pickle(path):
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except OSError as e:
        raise ExportError("cannot read %s: %s" % (path, e.strerror or e))
    except Exception as e:
        raise ExportError("%s is not a pickle this python can load (%s)"
                          % (path, _exception(e)))


def _parse_args(args):
    """(pickle, out_dir, names, train_data), or None for --help."""
    pos, names, train = [], None, None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--help", "-h"):
            return None
        if a in ("--feature-names", "--train-data"):
            if i + 1 >= len(args):
                raise UsageError("%s needs a value" % a)
            if a == "--feature-names":
                names = args[i + 1].split(",")
            else:
                train = args[i + 1]
            i += 2
            continue
        if a.startswith("-") and a != "-":
            raise UsageError("unknown option \"%s\"" % a)
        pos.append(a)
        i += 1
    if len(pos) != 2:
        raise UsageError("PIPELINE.pkl and OUT_DIR are required")
    return pos[0], pos[1], names, train


def _exception(e):
    text = str(e)
    return type(e).__name__ + (": " + text if text else "")


def _error(msg):
    sys.stderr.write("%s: error: %s\n"
                     % (PROG, " ".join(str(msg).split())))


def main(argv):
    try:
        args = _parse_args(argv[1:])
    except UsageError as e:
        sys.stderr.write("%s: %s\n%s" % (PROG, e, USAGE))
        return 2
    if args is None:
        sys.stdout.write(USAGE)
        return 0
    path, out_dir, names, train = args
    try:
        pipeline = _load_pickle(path)
        x_train = _read_train_csv(train) if train is not None else None
        export(pipeline, out_dir, names, X_train=x_train)
    except ExportError as e:
        _error(e)
        return 1
    except KeyboardInterrupt:
        _error("interrupted")
        return 1
    except Exception as e:
        # never a traceback: the pipeline is something unforeseen
        _error("cannot export %s (%s)" % (path, _exception(e)))
        return 1
    print("wrote %s/{model.libsvm,features.json,report.json}" % out_dir)
    if train is None:
        print("no drift reference without the training data: pass "
              "--train-data FILE.csv to record one (spec version 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
