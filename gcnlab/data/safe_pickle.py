"""Unpickling with an allow-list.

Planetoid's raw files are Python 2 pickles; ``pickle.load`` on a crafted file runs arbitrary code.
:func:`load_pickle` resolves only the globals these files really reference (NumPy arrays and dtypes,
SciPy CSR matrices, ``list``, ``collections.defaultdict``) and refuses anything else *before* it is
imported or called. It is the second wall: :mod:`gcnlab.data.planetoid` checks each file's SHA-256
first. What the allowed classes are built into (shapes, CSR index arrays) is checked by the caller.
"""

from __future__ import annotations

import collections
import io
import pickle
from typing import Any

import numpy as np
import scipy.sparse

from gcnlab.errors import DataError

# The function NumPy names in an ndarray's pickle, whatever NumPy calls its module today.
_reconstruct = np.empty(0).__reduce__()[0]

ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("scipy.sparse.csr", "csr_matrix"): scipy.sparse.csr_matrix,
    ("scipy.sparse._csr", "csr_matrix"): scipy.sparse.csr_matrix,
    ("collections", "defaultdict"): collections.defaultdict,
    ("__builtin__", "list"): list,
    ("builtins", "list"): list,
}


class _AllowListUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load global '{module}.{name}': not one of the classes a Planetoid "
                "file contains"
            ) from None


def load_pickle(data: bytes, source: str = "<bytes>") -> Any:
    """Unpickle ``data`` (Python 2 pickles too) allowing only :data:`ALLOWED` globals."""
    try:
        return _AllowListUnpickler(io.BytesIO(data), encoding="latin1").load()
    except Exception as exc:  # any malformed or hostile file ends here, nothing was executed
        raise DataError(f"{source}: cannot be read safely ({exc}); "
                        "delete it and download it again") from exc
