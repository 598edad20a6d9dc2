"""Upper bounds on training options, checked before any work.

A value past one of these is a typo or a misunderstanding, not an experiment: left unchecked it
fails deep inside torch after the data has loaded (an allocator error, an overflowing seed) or
runs for days. Each bound is far above any setting in the papers gcnlab reproduces.
"""

from __future__ import annotations

MAX_SEED = 2**32 - 1  # NumPy seeds are 32-bit; run i uses seed + i, which must stay in int64
MAX_RUNS = 10_000  # a typo like --runs 1000000000000 must not allocate 10^12 seeds
MAX_EPOCHS = 1_000_000
MAX_LR = 10.0  # Adam's step is about lr per parameter: beyond this every run diverges
MAX_WEIGHT_DECAY = 10.0  # L2 strength; the papers use 5e-4
MAX_HIDDEN = 65_536  # units per layer: 2^16 x 1433 Cora features is 94 M weights (375 MB)
MAX_DROPOUT = 1.0  # exclusive: dropout must be in [0, 1)
MAX_LAYERS = 1_000  # depth of a node classifier; the GCN paper goes to 10 (Appendix B)
