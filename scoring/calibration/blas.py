"""Run the small dense linear algebra of the statistics on a single BLAS thread.

The severity fit decomposes a (criteria + interviewers)-square matrix, a few hundred to a few
thousand rows. On the shared 2-core hosts the report runs on, OpenBLAS threads for a matrix that
size mostly wait on each other and on the web and database processes: measured on 600 x 600,
np.linalg.eigh took 30-100 ms on one thread but 0.2-1.8 s (median) on two threads under load.

numpy's wheels ship OpenBLAS in numpy.libs (scipy's its own in scipy.libs); their thread counts
are set through ctypes (the same calls threadpoolctl makes). Any other BLAS (MKL, Accelerate, a
system OpenBLAS) is left alone: the helper is then a no-op. In a pthreads OpenBLAS build the
setting is process-wide despite the "_local" name, so entries are counted and only the last one
out restores the previous values.
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
_previous: list[int] = []

# numpy's and scipy's wheels each bundle their own OpenBLAS (scipy's serves scipy.linalg and its
# LAPACK wrappers, which the drift fit calls): both are limited.
_BUNDLED_LIBRARY_DIRECTORIES = ("numpy.libs", "scipy.libs")


@cache
def _openblas_setters() -> tuple[Callable[[int], int], ...]:
    """openblas_set_num_threads_local of every bundled OpenBLAS (each returns the old count)."""
    site = os.path.join(os.path.dirname(np.__file__), os.pardir)
    setters = []
    for directory in _BUNDLED_LIBRARY_DIRECTORIES:
        for path in sorted(glob.glob(os.path.join(site, directory, "*openblas*"))):
            try:
                library = ctypes.CDLL(path)  # already loaded by numpy/scipy: the same copy
                setter = library.openblas_set_num_threads_local
            except (OSError, AttributeError):
                continue
            setter.argtypes = [ctypes.c_int]
            setter.restype = ctypes.c_int
            setters.append(setter)
            break
    return tuple(setters)


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Limit numpy's and scipy's OpenBLAS to one thread inside the block (no-op for other
    BLAS builds)."""
    global _active, _previous
    setters = _openblas_setters()
    if not setters:
        yield
        return
    with _lock:
        if _active == 0:
            _previous = [setter(1) for setter in setters]
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                for setter, previous in zip(setters, _previous, strict=True):
                    if previous > 0:
                        setter(previous)
