"""The training framework every task plugs into: the one loop (:mod:`gcnlab.train.loop`), the
shared run settings and their bounds, the task registry, the graph input a task reads, and the
mini-batch / data-parallel mixin.

Imports ``io``, ``data``, ``nn`` and ``utils``; never a task, an experiment, ``plots`` or ``cli``.
"""
