"""Deep multi-agent RL for bnac Secs. 6-7: the context-aware Bayesian-network actor-critic (BN-MAPPO).

Layout (PureJaxRL / JaxMARL style: ``make_train(config) -> train(rng)``, jit-able, one ``lax.scan`` over
updates, seeds and DAG variants vmapped):

* ``envs``        -- vmappable environments with one interface (reset, step, local observations, global
                     state, available actions): the Coordination Game (sampled, with the exact engine's
                     dynamics), Aloha, and SMAX maps from JaxMARL (optional ``jaxmarl``);
* ``dag``         -- the differentiable DAG learner of Sec. 6.1 (Gumbel-Sinkhorn + straight-through
                     Hungarian permutation, straight-through Gumbel-softmax edges, G = Pi^T U Pi), the DAG
                     density rho(G), the regularizer alpha |rho - eta| and its annealing schedule (Sec. 7.4.4);
* ``networks``    -- flax (linen) actor, critic, permutation net and edge net (Table 2 architectures);
* ``bnmappo``     -- BN-MAPPO (Secs. 6.2-6.3): ancestral BN action sampling, PPO clipping, GAE, value
                     normalization; the variants Context-aware / Fully-correlated / Uncorrelated differ only
                     in data (masks), so one compiled function trains all of them;
* ``exact``       -- exact evaluation of a learned policy on the Coordination Game with the exact engine
                     (POA and exact Nash gap, context-dependent DAGs included);
* ``experiments`` -- chunked, resumable training runs writing tidy CSV as they go, and the figures.
"""
