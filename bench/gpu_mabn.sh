#!/usr/bin/env bash
# mabn Section 5 (MAStAC, Figures 1, 2, 11) on one GPU: the paper profile (Table 3 epochs, 15 seeds, n = 40)
# as much as fits in 8 minutes of wall time, from the repository root:   OUT=/some/dir bash bench/gpu_mabn.sh
# Needs jax with CUDA, optax, numpy, scipy (preinstalled).  Each group (figure, panel, algorithm) compiles one
# chunk, measures seconds per epoch in this run and is sized from the time left; rows are written after every
# chunk.  Writes at most 8 files, all under $OUT: throughput.json, runs.json, mabn_figure-{1,2,11}.csv.gz,
# statements.json (and log.txt).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/mabn_gpu_out}"
mkdir -p "$OUT"
T0=$(date +%s)
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export XLA_PYTHON_CLIENT_PREALLOCATE=false
python3 -c "import jax; print('devices', jax.devices())" 2>&1 | tee "$OUT/log.txt"
ELAPSED=$(( $(date +%s) - T0 ))
BUDGET=$(( 430 - ELAPSED ))
echo "budget for the runs: ${BUDGET}s" | tee -a "$OUT/log.txt"
timeout $(( BUDGET + 40 )) python3 bench/bench_mabn_marl.py --mode gpu --out "$OUT" --budget "$BUDGET" --chunk 250 2>&1 | tee -a "$OUT/log.txt"
echo "rc=$? wall=$(( $(date +%s) - T0 ))s" | tee -a "$OUT/log.txt"
ls -la "$OUT"
