"""The one training loop (:mod:`gcnlab.tasks.loop`) and the tasks that plug into it.

Imports ``io``, ``data``, ``nn`` and ``utils``; never ``plots`` or ``cli``.
"""
