"""verify: a reference verification harness for the Bayesian-network policy-gradient, Markov
potential game and MABN papers.  See README.md."""
__version__ = "0.1.0"

import os as _os

# XLA:CPU's multi-threaded Eigen kernels were seen to deadlock (all threads parked on a futex) on
# batched LAPACK/Eigen work inside vmapped, jitted functions (jaxlib 0.10.2, 2 cores); single-threaded
# Eigen avoids it at no measurable cost for the small dense problems here.  Set before JAX starts.
_flag = "--xla_cpu_multi_thread_eigen=false"
if _flag.split("=")[0] not in _os.environ.get("XLA_FLAGS", ""):
    _os.environ["XLA_FLAGS"] = (_os.environ.get("XLA_FLAGS", "") + " " + _flag).strip()
