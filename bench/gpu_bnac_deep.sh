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
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python3 -c "import jax; print(jax.devices())" 2>/dev/null && HAVE_JAX=1 || HAVE_JAX=0
need=()
for mod in flax optax chex jaxmarl jaxtyping toolz etils msgpack rich yaml absl opt_einsum ml_dtypes numpy matplotlib PIL; do
  python3 -c "import $mod" 2>/dev/null || need+=("$mod")
done
if [ "${#need[@]}" -gt 0 ] || [ "$HAVE_JAX" = "0" ]; then
  echo "installing from .whl into /tmp/site (missing: ${need[*]:-} jax=$HAVE_JAX)"
  mkdir -p /tmp/site
  wheels=()
  for w in .whl/*.whl; do
    base=$(basename "$w" | tr 'A-Z' 'a-z')
    # keep a working CUDA jax: never shadow an installed jax / jaxlib
    if [ "$HAVE_JAX" = "1" ] && [[ "$base" == jax-* || "$base" == jaxlib-* || "$base" == jax_cuda* ]]; then continue; fi
    # do not shadow numpy if present (jaxlib was built against it)
    if [[ "$base" == numpy-* ]] && python3 -c "import numpy" 2>/dev/null; then continue; fi
    wheels+=("$w")
  done
  python3 -m pip install --no-index --no-deps --target /tmp/site "${wheels[@]}" >/tmp/site_install.log 2>&1 \
    || { echo "pip install failed, see /tmp/site_install.log"; tail -5 /tmp/site_install.log; }
  export PYTHONPATH="$PYTHONPATH:/tmp/site"
fi
python3 -c "import jax; print('devices', jax.devices())"
ELAPSED=$(( $(date +%s) - T0 ))
BUDGET=$(( 450 - ELAPSED ))
echo "budget for the runs: ${BUDGET}s"
timeout $(( BUDGET + 30 )) python3 bench/bench_marl.py --mode gpu --out "$OUT" --budget "$BUDGET" 2>&1 | tee "$OUT/gpu_log.txt"
echo "rc=${PIPESTATUS[0]} wall=$(( $(date +%s) - T0 ))s" | tee -a "$OUT/gpu_log.txt"
ls -la "$OUT"
