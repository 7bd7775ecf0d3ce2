#!/usr/bin/env bash
# The deep-MARL GPU work in one prepared run (a share of BUDGET seconds each, results returned per stage as it
# ends, see bench/gpu_stages.py), from the repository root:   OUT=/some/dir BUDGET=500 bash bench/gpu_session.sh
#   1. bnac Figure 4, paper profile: the Coordination Game N = 2 and N = 5 (50 seeds, 2e5 steps, 4 variants,
#      exact POA columns) and Aloha (10 seeds, 1e6 steps), as `verify figures bnac:figure-4 --profile paper` runs them;
#   2. bnac Figures 7-10: the analyses on SMAX 6h_vs_8z and smax:MMM2-approx, and Figure 4's variants on
#      smax:MMM2-approx, sized from throughput measured in the run (bench/bench_marl.py --mode gpu);
#   3. mabn Section 5: MAStAC and the baselines at the paper profile, as much as fits, with throughput per
#      algorithm (bench/bench_mabn_marl.py --mode gpu).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/gpu_out}"
mkdir -p "$OUT"
T0=$(date +%s)
source bench/gpu_env.sh > "$OUT/env_log.txt" 2>&1
export XLA_PYTHON_CLIENT_PREALLOCATE=false
LEFT=$(( ${BUDGET:-500} - ($(date +%s) - T0) ))
python3 bench/gpu_stages.py --budget "$LEFT" \
  --extra 'smax_analysis:0.17:python3 bench/bench_marl.py --mode gpu --out "$WORK_DIR" --budget "$STAGE_BUDGET" --min-job 40' \
  --extra 'mabn:0.17:python3 bench/bench_mabn_marl.py --mode gpu --out "$WORK_DIR" --budget "$STAGE_BUDGET" --chunk 250'
echo "wall=$(( $(date +%s) - T0 ))s" >> "$OUT/gpu_stages_log.txt"
ls -la "$OUT"
