"""Experiments: exact tabular policy-gradient dynamics in JAX (config in, jit-able train function out)."""
