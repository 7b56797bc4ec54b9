#!/usr/bin/env bash
# Reproduces the runs of docs/results.md on the full Fashion-MNIST (60,000 training images, k-NN on
# the 10,000 test images), each with `selfsup pretrain` and a config from examples/configs:
#
#   bash scripts/fashion-mnist-results.sh reference [runs-dir]   # iBOT, the reference configuration (2 epochs)
#   bash scripts/fashion-mnist-results.sh long [runs-dir]        # iBOT, the same configuration for 3 epochs
#   bash scripts/fashion-mnist-results.sh variants [runs-dir]    # DINO, BEiT-style, MAE-style at the reference budget
#   bash scripts/fashion-mnist-results.sh all [runs-dir]
#
# Seeds are the configs' (seed 0). Threads: SELFSUP_THREADS, else every core. The dataset comes from
# Debian's dataset-fashion-mnist package, installed here when missing (as root). A run folder that
# already exists is resumed (`--resume`), so an interrupted script continues where it stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-reference}
runs=${2:-runs}

if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist
  else
    echo "Fashion-MNIST is missing: run 'sudo apt-get install dataset-fashion-mnist' (or add --set data.download=true)" >&2
    exit 1
  fi
fi

pretrain() { # <name> <config> [--set key=value ...]
  local name=$1 config=$2
  shift 2
  local resume=()
  [ -f "$runs/$name/config.yaml" ] && resume=(--resume)
  echo "== $name: selfsup pretrain --config $config $* (into $runs/$name)"
  npm run --silent selfsup -- pretrain --config "$config" --set "run.outDir=$runs/$name" "$@" "${resume[@]}"
}

case $what in
  reference | long | variants | all) ;;
  *)
    echo "usage: $0 reference|long|variants|all [runs-dir]" >&2
    exit 2
    ;;
esac
if [ "$what" = reference ] || [ "$what" = all ]; then
  pretrain ibot-reference examples/configs/ibot-fashion-mnist.yaml
fi
if [ "$what" = long ] || [ "$what" = all ]; then
  # the random initialisation is the reference run's (same seed): no k-NN before training
  pretrain ibot-3-epochs examples/configs/ibot-fashion-mnist.yaml --set epochs=3 --set run.knnBeforeTraining=false
fi
if [ "$what" = variants ] || [ "$what" = all ]; then
  for method in dino beit mae; do
    pretrain "$method-reference" "examples/configs/$method-fashion-mnist.yaml"
  done
fi
