"""Giving memory back to the operating system after a large, rare allocation."""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache

from flask import Flask, Response

# Set by release(): the next response of this process runs a full collection once it is sent.
_full_collection_due = False


@cache
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release() -> None:
    """Note that a large, short-lived allocation just ended (a WeasyPrint render).

    Rendering one certificate allocates tens of megabytes of objects, many in reference cycles;
    the allocator keeps the freed pages, so a web worker that rendered one PDF stayed ~15 MB
    bigger for good (measured by `make bench`: 153 MB against a 150 MB target). The collection itself runs
    after the response is sent (`register`): 50-100 ms that would otherwise add a third to the
    render. Outside a web request (a bulk job) Python's own collector gets to it later."""
    global _full_collection_due
    _full_collection_due = True


def _trim() -> None:
    libc = _libc()
    if libc is not None:  # glibc only; elsewhere (musl, macOS) there is nothing to trim
        libc.malloc_trim(0)


def _full_collection() -> None:
    gc.collect()
    _trim()


def collect_now() -> None:
    """The same full collection at once, for a render outside a request (a background thread)."""
    _full_collection()


def register(app: Flask) -> None:
    """After a request that rendered a PDF, collect the older garbage too (another 10-15 MB), but
    only once the response is sent: 50-100 ms that the person downloading never waits for."""

    @app.after_request
    def _collect_after_render(response: Response) -> Response:
        global _full_collection_due
        if _full_collection_due:
            _full_collection_due = False
            response.call_on_close(_full_collection)
        return response
