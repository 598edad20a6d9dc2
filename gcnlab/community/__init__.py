"""Community detection: embed a graph (GAE/VGAE or low-pass smoothing), cluster the nodes, and
score the clusters against known classes.

Imports ``train``, ``io``, ``data``, ``nn`` and ``utils``; never a task, an experiment,
``plots`` or ``cli``.
"""
