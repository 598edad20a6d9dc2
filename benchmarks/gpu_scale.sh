#!/usr/bin/env bash
# The scale work on a machine with one CUDA GPU, as one run (numbers in docs/scale.md):
#   OUT=dir [WHEELS=dir] bash benchmarks/gpu_scale.sh      (Planetoid files in ./datasets)
# GPU tests; Cluster-GCN (with a kept partition), node reordering and edge mini-batch link
# prediction on cuda through the CLI; bench_scale on a 1M-node graph on cuda against PyG; then
# data-parallel throughput on the machine's CPU cores (gloo, 1/2/4 processes: one GPU cannot
# host two NCCL ranks). WHEELS: a folder of wheels to install first (e.g. pymetis offline).
set -u
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 GCNLAB_DATA=$PWD/datasets
OUT=${OUT:-/tmp/gpu_scale}; mkdir -p "$OUT"
if [ -n "${WHEELS:-}" ]; then python3 -m pip install -q --no-index --no-deps "$WHEELS"/*.whl; fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, torch_geometric as g, pymetis; print('torch', torch.__version__, 'pyg', g.__version__, torch.cuda.get_device_name(), 'cores', __import__('os').cpu_count())"
step() { echo "== $*"; /usr/bin/time -f "[%e s]" timeout "$@" 2>&1; }
step 60 python3 -m pytest -m gpu -q -p no:cacheprovider -o addopts="" tests
step 45 python3 -m gcnlab train cora --device cuda --runs 3 --batch clusters --parts 10 --clusters-per-batch 5 --partition-file "$OUT/cora-parts.npz"
step 45 python3 -m gcnlab train cora --device cuda --runs 3 --batch clusters --parts 10 --clusters-per-batch 5 --partition-file "$OUT/cora-parts.npz"
step 45 python3 -m gcnlab train cora --device cuda --runs 3 --reorder metis
step 45 python3 -m gcnlab linkpred cora --device cuda --runs 3 --batch-size 2048
step 240 python3 benchmarks/bench_scale.py --device cuda --sizes 1000000 --graphs sbm --tasks node clusters gae --epochs 5 --timeout 200 --json "$OUT/scale_cuda.json"
step 110 python3 benchmarks/bench_distributed.py --nodes 100000 --epochs 3 --rounds 1 --procs 1 2 4 --json "$OUT/distributed_cpu.json"
ls -la "$OUT"
