"""The tasks on the one loop (:mod:`gcnlab.train.loop`): node classification, link prediction,
the digits CNN and the karate club, their mini-batch variants and metrics, and what reads a
saved run back (evaluate, predict, rerun).

Imports ``community``, ``train``, ``io``, ``data``, ``nn`` and ``utils``; never an experiment,
``plots`` or ``cli``.
"""
