"""The papers' experiments: ``reproduce`` and its published numbers, depth, timing, receptive
fields, the baselines, the tutorial filters. They run the tasks; no task imports them.

Imports ``tasks``, ``community``, ``train``, ``io``, ``data``, ``nn`` and ``utils``; never
``plots`` or ``cli``.
"""
