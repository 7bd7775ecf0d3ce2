"""verify: a reference verification harness for the Bayesian-network policy-gradient, Markov
potential game and MABN papers.  See README.md."""
__version__ = "0.1.0"
