#!/usr/bin/env bash
# Download, here, every wheel bench/gpu_bnac_deep.sh may need on a Linux x86-64 machine with Python 3.12
# into .whl/ (cp312, manylinux).  The GPU machine is expected to have jax with CUDA already; set
# WITH_JAX_CUDA=1 to also download jax, jaxlib and the jax CUDA 12 plugin wheels (several hundred MiB).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .whl
dl() {
  python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d .whl "$@"
}
# the harness' runtime imports for verify.marl (+ SMAX via jaxmarl, PNGs via matplotlib)
PKGS=(
  flax==0.12.8 optax==0.2.8 chex==0.1.92 jaxmarl==0.2.0 jaxtyping==0.3.11 wadler-lindig==0.1.8
  toolz==1.2.0 etils==1.15.0 msgpack==1.2.4 rich==15.0.0 markdown-it-py==4.3.0 mdurl==0.1.2
  pygments==2.20.0 pyyaml==6.0.3 typing-extensions absl-py opt-einsum ml-dtypes numpy
  matplotlib pillow kiwisolver fonttools cycler contourpy python-dateutil six pyparsing packaging
  treescope==0.1.10
)
for p in "${PKGS[@]}"; do dl "$p" || echo "could not download $p" >&2; done
if [ "${WITH_JAX_CUDA:-0}" = "1" ]; then
  dl "jax==0.10.2" "jaxlib==0.10.2" "jax-cuda12-plugin==0.10.2" "jax-cuda12-pjrt==0.10.2" || echo "jax CUDA wheels not downloaded" >&2
fi
du -sh .whl
