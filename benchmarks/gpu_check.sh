#!/usr/bin/env bash
# The GPU checks and timings behind the README's GPU table, as one run on a machine with CUDA:
#   OUT=dir bash benchmarks/gpu_check.sh        (Planetoid files in ./datasets)
# The GPU tests (-m gpu), one GCN layer on 100k/1M-node graphs against PyG, a Cora epoch and a GAE
# epoch against PyG's examples, and the CLI end to end on cuda (full batch, Cluster-GCN, GAE).
set -u
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 GCNLAB_DATA=$PWD/datasets
OUT=${OUT:-/tmp/gpu_check}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, torch_geometric as g; print('torch', torch.__version__, 'pyg', g.__version__, torch.cuda.get_device_name())"
step() { echo "== $*"; /usr/bin/time -f "[%e s]" "$@" 2>&1; }
step python3 -m pytest -m gpu -q -p no:cacheprovider -o addopts="" tests 2>&1 | tail -15
step python3 benchmarks/bench_propagation.py --device cuda --sizes 100000 1000000 --features 16 64 --json "$OUT/propagation.json"
step python3 benchmarks/bench_gcn.py --device cuda --root datasets --epochs 200 --rounds 3 --json "$OUT/gcn_cora.json" 2>&1 | tail -12
step python3 benchmarks/bench_gae.py --device cuda --root datasets --epochs 200 --rounds 3 2>&1 | tail -12
step python3 -m gcnlab train cora --device cuda --runs 10 --json "$OUT/train_cora_cuda.json"
step python3 -m gcnlab train cora --device cuda --runs 3 --batch clusters --parts 10 --clusters-per-batch 5
step python3 -m gcnlab linkpred cora --device cuda --runs 3 --json "$OUT/linkpred_cora_cuda.json"
step python3 -m gcnlab linkpred cora --device cuda --model vgae --runs 3
ls -la "$OUT"
