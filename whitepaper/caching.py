"""A small thread-safe least-recently-used cache, the one every in-process cache of the platform uses (round
results, shared public pages). Entries are kept per process; their keys carry the data version they were
computed from, so a newer version is simply another key and the stale entry ages out."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable


class BoundedCache:
    """At most `size` entries; the least recently used is dropped first."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
