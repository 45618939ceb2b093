#!/bin/bash
# Builds the test fixtures with the real libsvm tools (libsvm-tools) from
# libsvm's heart_scale and scikit-learn's bundled data sets: raw data, range
# files from svm-scale -s, scaled data, models from svm-train and reference
# predictions from svm-predict.  Deterministic; about 20 s.
#
# With PREDICT_TOOLS (the build directory), also bundles from predict-train
# and from scikit-learn pipelines through tools/sklearn_export.py.
#
# usage: make-fixtures.sh OUTDIR

set -euo pipefail

out=$1
tools=${PREDICT_TOOLS:-}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
cd "$out"

cp "$here/heart_scale" heart.raw
/usr/bin/python3 "$here/sklearn_dump.py" .

# svm-scale -s fits the range on the data; -r applies a saved one
for d in heart wine iris cancer digits; do
    svm-scale -s $d.range $d.raw > $d.scaled
done
svm-scale -y 0 1 -s diabetes.range diabetes.raw > diabetes.scaled

train() {   # NAME DATA OPTIONS...
    local name=$1 data=$2
    shift 2
    svm-train -q "$@" $data.scaled $name.model
    if grep -q '^probA' $name.model; then
        svm-predict -b 1 $data.scaled $name.model $name.pred > /dev/null
    else
        svm-predict $data.scaled $name.model $name.pred > /dev/null
    fi
}

train heart heart -b 1
train heart-noprob heart
train heart-linear heart -t 0 -b 1
train heart-poly heart -t 1 -b 1
train heart-sigmoid heart -t 3 -b 1
train heart-nu heart -s 1 -b 1
train heart-oneclass heart -s 2
train wine wine -b 1
train wine-linear wine -t 0 -b 1
train iris iris -b 1
train cancer cancer -b 1
train digits digits -b 1
train diabetes-eps diabetes -s 3 -b 1
train diabetes-nu diabetes -s 4 -p 0.01

if [ -n "$tools" ]; then
    bundle() {  # NAME DATA TARGET TASK OPTIONS...
        local name=$1 data=$2 target=$3 task=$4
        shift 4
        "$tools/predict-train" --quiet --data "$data" --target "$target" \
            --task "$task" --out "$name.bundle" "$@"
    }

    bundle wine wine.csv cultivar classify
    bundle wine-linear wine.csv cultivar classify --kernel linear \
        --test-split 0.25
    bundle diabetes diabetes.csv progression regress --log2c -1,7,2 \
        --log2g -1,-9,-2
    # species becomes a categorical input of a regression
    bundle iris-petal iris.csv "petal width (cm)" regress --scale standard
    bundle cancer-oneclass cancer.csv diagnosis one-class --exclude diagnosis

    /usr/bin/python3 "$here/sklearn_parity.py" sklearn

    # a model repository for the model-server routes (t/210)
    /usr/bin/python3 "$here/model_repo.py" "$here/../../tools" repo
fi

echo "fixtures written to $out"
