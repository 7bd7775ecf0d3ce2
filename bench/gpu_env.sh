# Sourced by the GPU scripts: puts the repository on PYTHONPATH and installs, from .whl/ (bench/gpu_wheels.sh)
# into /tmp/site, only the packages the machine lacks; an installed CUDA jax and numpy are never shadowed.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python3 -c "import jax; print(jax.devices())" 2>/dev/null && HAVE_JAX=1 || HAVE_JAX=0
need=()
for mod in flax optax chex jaxmarl jaxtyping toolz etils msgpack rich yaml absl opt_einsum ml_dtypes numpy matplotlib PIL networkx; do
  python3 -c "import $mod" 2>/dev/null || need+=("$mod")
done
if [ "${#need[@]}" -gt 0 ] || [ "$HAVE_JAX" = "0" ]; then
  echo "installing from .whl into /tmp/site (missing: ${need[*]:-} jax=$HAVE_JAX)"
  mkdir -p /tmp/site
  wheels=()
  for w in .whl/*.whl; do
    base=$(basename "$w" | tr 'A-Z' 'a-z')
    if [ "$HAVE_JAX" = "1" ] && [[ "$base" == jax-* || "$base" == jaxlib-* || "$base" == jax_cuda* ]]; then continue; fi
    if [[ "$base" == numpy-* ]] && python3 -c "import numpy" 2>/dev/null; then continue; fi
    wheels+=("$w")
  done
  python3 -m pip install --no-index --no-deps --target /tmp/site "${wheels[@]}" >/tmp/site_install.log 2>&1 \
    || { echo "pip install failed, see /tmp/site_install.log"; tail -5 /tmp/site_install.log; }
  export PYTHONPATH="$PYTHONPATH:/tmp/site"
fi
python3 -c "import jax; print('devices', jax.devices())"
