#!/usr/bin/python3
"""The architecture users would otherwise pick, for make bench: a Python
server loading the same libsvm models and svm-scale range files once with
Debian's python3-libsvm, applying the same scaling (svm-scale's formula)
and answering the module's request and response contract.

    gunicorn -w 2 -b 127.0.0.1:PORT 'peer:flask_app()'
    uvicorn --workers 2 --factory peer:fastapi_app --port PORT

PEER_MODELS="name=model:range,..." names the models; each is served at
/name."""

import json
import math
import os

from svm import gen_svm_nodearray, libsvm
from svmutil import svm_load_model


class Model:
    def __init__(self, model_path, range_path):
        self.model = svm_load_model(model_path)
        self.nr_class = self.model.get_nr_class()
        self.labels = self.model.get_labels()
        self.prob = bool(libsvm.svm_check_probability_model(self.model))
        self.ranges = {}
        with open(range_path) as f:
            lines = [l.split() for l in f if l.strip()]
        if lines[0] == ["y"]:
            lines = lines[3:]
        self.lower, self.upper = float(lines[1][0]), float(lines[1][1])
        for idx, lo, hi in lines[2:]:
            self.ranges[int(idx)] = (float(lo), float(hi))
        self.width = max([0] + list(self.ranges))

    def scale(self, raw):
        """svm-scale -r: absent features are 0, unlisted ones dropped."""
        out = {}
        for idx, (lo, hi) in self.ranges.items():
            v = raw.get(idx, 0.0)
            if lo == hi:
                continue
            if v == lo:
                s = self.lower
            elif v == hi:
                s = self.upper
            else:
                s = self.lower + (self.upper - self.lower) * (v - lo) / (hi - lo)
            if s != 0:
                out[idx] = s
        return out

    def predict_one(self, features):
        if isinstance(features, list):
            if len(features) != self.width:
                raise ValueError("expected %d features, got %d"
                                 % (self.width, len(features)))
            raw = {i + 1: float(v) for i, v in enumerate(features)}
        elif isinstance(features, dict):
            raw = {int(k): float(v) for k, v in features.items()}
        else:
            raise ValueError("features must be an array or an object")
        x, _ = gen_svm_nodearray(self.scale(raw))
        if self.prob:
            est = (ctypes_double * self.nr_class)()
            label = libsvm.svm_predict_probability(self.model, x, est)
            return {"label": int(label),
                    "probabilities": {str(l): est[i]
                                      for i, l in enumerate(self.labels)}}
        label = libsvm.svm_predict(self.model, x)
        return {"label": int(label)}

    def answer(self, body):
        req = json.loads(body)
        if "instances" in req:
            return {"predictions": [self.predict_one(f)
                                    for f in req["instances"]]}
        return self.predict_one(req["features"])


from ctypes import c_double as ctypes_double  # noqa: E402


def load_models():
    models = {}
    for item in os.environ["PEER_MODELS"].split(","):
        name, paths = item.split("=", 1)
        model_path, range_path = paths.split(":", 1)
        models[name] = Model(model_path, range_path)
    return models


def encode(obj):
    for v in walk(obj):
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError("not finite")
    return json.dumps(obj, separators=(",", ":")) + "\n"


def walk(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk(v)
    else:
        yield obj


def flask_app():
    from flask import Flask, Response, request

    app = Flask(__name__)
    models = load_models()

    @app.route("/<name>", methods=["POST"])
    def predict(name):
        try:
            out = encode(models[name].answer(request.get_data()))
            return Response(out, mimetype="application/json")
        except (ValueError, KeyError, TypeError) as e:
            return Response(json.dumps({"error": {"code": "bad_request",
                                                  "message": str(e)}}),
                            status=400, mimetype="application/json")

    return app


def fastapi_app():
    from fastapi import FastAPI, Request, Response

    app = FastAPI()
    models = load_models()

    @app.post("/{name}")
    async def predict(name: str, request: Request):
        body = await request.body()
        try:
            out = encode(models[name].answer(body))
            return Response(out, media_type="application/json")
        except (ValueError, KeyError, TypeError) as e:
            return Response(json.dumps({"error": {"code": "bad_request",
                                                  "message": str(e)}}),
                            status_code=400, media_type="application/json")

    return app
