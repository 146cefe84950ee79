"""Pausing Python's cyclic garbage collector over one batch of work.

A scheduler batch or a simulation makes hundreds of thousands of objects that all live until it
ends; the collector would walk them again and again as they are made (a fifth of the scheduler's
time). Reference counting still frees everything that is not in a cycle; cycles are collected when
the collector resumes."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:            # another thread that paused it too resumes it when it is done
            gc.enable()
