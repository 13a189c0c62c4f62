"""A short command's start and end without the garbage collector's passes over torch and transformers.

Importing torch, transformers and a model class makes some 650,000 objects. While they appear, the cyclic
garbage collector walks them again and again (its full passes grow with the heap), and at exit the
interpreter walks them once more before freeing memory the process returns anyway: together about 1.5 of
the CPU seconds of `vertune predict RUN "text"` (bench/startup.py, bench/RESULTS.md). Reference counting
frees objects as before; only the search for reference cycles is put off.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

_exit_registered = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside; afterwards the objects made inside count as old ones, so the
    next passes of the young generations do not walk them all (the oldest generation's pass, which comes
    when it has grown by a quarter, still does, and frees any cycle among them)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # every tracked object into the permanent generation, without walking them ...
        gc.unfreeze()  # ... and back into the oldest generation, where they are collectable again
        if was_enabled:
            gc.enable()


def skip_exit_collection() -> None:
    """At interpreter exit, leave the objects alive then out of the final collections: the memory goes back
    with the process. Registered for the exit, so an in-process caller (the tests) collects as before until
    then. Objects still alive at exit may not be finalised (as Python's own rule for `__del__` allows)."""
    global _exit_registered
    if not _exit_registered:
        atexit.register(gc.freeze)
        _exit_registered = True
