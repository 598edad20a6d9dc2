#!/usr/bin/env bash
# The long paper measurements on one machine with a GPU and many cores (how the README's depth,
# timing and Table 3 ablation numbers were made). Usage: OUT=dir ROOT=datasets bash this-file
# Each part writes a tar of its folder into $OUT as soon as it finishes.
set -u
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
ROOT=${ROOT:-datasets}
WORK=$(mktemp -d)
part() {  # part NAME COMMAND...: run, log, and pack $WORK/NAME into $OUT/NAME.tar
  local name=$1; shift
  mkdir -p "$WORK/$name"
  ( "$@" > "$WORK/$name/log.txt" 2>&1; echo "exit $?" >> "$WORK/$name/log.txt"
    tar -cf "$OUT/$name.tar" -C "$WORK" "$name" )
}
nproc; nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 -c "import torch, torch_geometric as g; print(torch.__version__, g.__version__, torch.cuda.is_available())"
part timing-cuda python3 -m gcnlab reproduce gcn-timing --device cuda --max-edges 20000000 \
  --out "$WORK/timing-cuda" &
part depth python3 benchmarks/paper_parallel.py depth --root "$ROOT" --workers 8 \
  --out "$WORK/depth" &
part ablation python3 benchmarks/paper_parallel.py table3-ablation --root "$ROOT" \
  --dataset citeseer --runs 100 --workers 6 --out "$WORK/ablation" &
wait
# CPU timing last, on a quiet machine, two threads as on a small workstation
OMP_NUM_THREADS=2 part timing-cpu python3 -m gcnlab reproduce gcn-timing --device cpu \
  --max-edges 2000000 --out "$WORK/timing-cpu"
ls -la "$OUT"
