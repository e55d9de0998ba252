"""Run the small dense linear algebra of the statistics on a single BLAS thread.

The severity fit decomposes a (criteria + interviewers)-square matrix, a few hundred to a few
thousand rows. On the shared 2-core hosts the report runs on, OpenBLAS threads for a matrix that
size mostly wait on each other and on the web and database processes: measured on 600 x 600,
np.linalg.eigh took 30-100 ms on one thread but 0.2-1.8 s (median) on two threads under load.

numpy's wheels ship OpenBLAS in numpy.libs; its thread count is set through ctypes (the same
calls threadpoolctl makes). Any other BLAS (MKL, Accelerate, a system OpenBLAS) is left alone:
the helper is then a no-op. In a pthreads OpenBLAS build the setting is process-wide despite the
"_local" name, so entries are counted and only the last one out restores the previous value.
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

import numpy as np

_lock = threading.Lock()
_active = 0
_previous = 0


@cache
def _numpy_openblas_setter() -> Callable[[int], int] | None:
    """openblas_set_num_threads_local of numpy's bundled OpenBLAS (returns the old count)."""
    pattern = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*")
    for path in sorted(glob.glob(pattern)):
        try:
            library = ctypes.CDLL(path)  # already loaded by numpy: dlopen returns that copy
            setter = library.openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.argtypes = [ctypes.c_int]
        setter.restype = ctypes.c_int
        return setter
    return None


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Limit numpy's OpenBLAS to one thread inside the block (no-op for other BLAS builds)."""
    global _active, _previous
    setter = _numpy_openblas_setter()
    if setter is None:
        yield
        return
    with _lock:
        if _active == 0:
            _previous = setter(1)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _previous > 0:
                setter(_previous)
