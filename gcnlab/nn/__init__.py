"""Layers, sparse operators and models. Knows no dataset, training loop, file or command.

Imports only ``gcnlab.errors`` and ``gcnlab.utils`` from gcnlab (``tests/test_layers.py``).
"""
