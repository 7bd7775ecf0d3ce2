#!/usr/bin/env bash
# BN-MAPPO on one GPU (bnac Secs. 6-7): the Figs. 7-10 analyses on SMAX 6h_vs_8z and smax:MMM2-approx and
# Figure 4's variants on smax:MMM2-approx (as much as fits), in at most 8 minutes of wall time, from the repository root:   OUT=/some/dir bash bench/gpu_bnac_deep.sh
# Uses jax with CUDA if already installed; installs only what is missing from .whl/ (bench/gpu_wheels.sh)
# into /tmp/site.  Writes at most 8 files into $OUT (gpu_log.txt, throughput.json, runs.json, *.csv.gz, *.png).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/bnac_gpu_out}"
mkdir -p "$OUT"
T0=$(date +%s)
source bench/gpu_env.sh
ELAPSED=$(( $(date +%s) - T0 ))
BUDGET=$(( 450 - ELAPSED ))
echo "budget for the runs: ${BUDGET}s"
timeout $(( BUDGET + 30 )) python3 bench/bench_marl.py --mode gpu --out "$OUT" --budget "$BUDGET" 2>&1 | tee "$OUT/gpu_log.txt"
echo "rc=${PIPESTATUS[0]} wall=$(( $(date +%s) - T0 ))s" | tee -a "$OUT/gpu_log.txt"
ls -la "$OUT"
