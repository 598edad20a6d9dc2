"""Upper bounds on the training options, so that a value no run can use is refused up front.

Each bound is far above any useful setting and below the point where a deeper type overflows or
the memory needed explodes; past it the failure would come late (after the data has loaded, or
after finished runs) and in another library's words. The command line states them in ``--help``
and refuses larger values with exit 2 before any work; the configs' ``validate()`` use them too.
No torch here: the command line imports this module to build its options.
"""

from __future__ import annotations

# Seeds: run i uses seed + i. NumPy takes seeds modulo 2**32 and scikit-learn's random_state (the
# digits split) must lie in [0, 2**32 - 1]; torch.manual_seed overflows at 2**64. Bounding every
# run's seed to 2**32 - 1 keeps the three libraries seeing the same, distinct seeds.
MAX_SEED = 2**32 - 1

# Adam's first step is lr / (1 - beta1) = 10 * lr, converted to float32 (largest 3.4e38): from
# about 3e37 on, torch fails with "value cannot be converted to type float without overflow".
# Every useful learning rate is below 1; a huge one below this bound diverges, and the training
# loop reports that (exit 1) instead.
MAX_LR = 1e30

# Adam adds weight_decay * w to the gradient; the factor is converted to float32 as well
# (1e300 failed the same way). Useful values are below 1e-2.
MAX_WEIGHT_DECAY = 1e30

# Hidden units (node classification; link prediction's hidden and latent sizes). The papers use
# 16 to 64. Cora at 4096 peaks 0.32 GB above Cora at 16 (measured); PubMed, 7x the nodes, about
# 2 GB. 3 * 10**6 would need 17 GB; 10**12 failed in the allocator after the data had loaded.
MAX_HIDDEN = 4096

# Channels of the digits CNN's first convolution (the second has twice as many): its weights
# grow with 18 * channels**2, 19 million (0.3 GB with Adam's state) at 1024.
MAX_CHANNELS = 1024

# Images per gradient step of the digits CNN: the 1797 digits fit in one batch; a size beyond
# torch's int64 would fail while splitting the epoch into batches.
MAX_BATCH_SIZE = 2048

# Training edges per step of link prediction's edge mini-batches (--batch-size). A batch never
# holds more than the training edges (a larger size is one batch per epoch); the bound only keeps
# the number a C int for torch's split.
MAX_EDGE_BATCH_SIZE = 2**31 - 1

# Epochs per run: every epoch adds a statistics record (~0.3 kB) to the run's history, kept
# until the end; 10**6 epochs is ~0.3 GB per run.
MAX_EPOCHS = 1_000_000

# Seeded runs: a typo like --runs 1000000000000 must not allocate a list of 10**12 seeds.
MAX_RUNS = 10_000

# Seeds per row of `gcnlab reproduce`: every row trains them all, for each dataset and model.
MAX_REPRODUCE_RUNS = 1000

# Pixels of an image given to the filters (after --size shrinks it). Every pixel is a node with
# nine edges, through GridConv and the GCN on the pixel grid: ~0.6 kB a pixel (1024 x 1024 peaks
# at 1.0 GB, against 0.44 GB for 256 x 256); 3000 x 3000 took 100 s and 5.8 GB.
MAX_PIXELS = 1024 * 1024

# Dropout is a probability of dropping; 1 would drop everything (exclusive bound).
MAX_DROPOUT = 1.0

# METIS parts for Cluster-GCN batches: about one node a part on a 1M-node graph.
MAX_PARTS = 1_000_000

# Layers of a node classifier; the GCN paper goes to 10 (Appendix B).
MAX_LAYERS = 1_000

# CPU threads for torch (--threads): torch takes a C int; no machine has more cores than this.
MAX_THREADS = 4096

# Bytes of a result JSON that `gcnlab rerun` reads: its per-epoch history is ~0.1 kB an epoch and
# run, so 10 runs of 100 000 epochs fit; a larger file is refused before it is read.
MAX_RECORD_BYTES = 256 * 1024 * 1024
