"""A small thread-safe LRU for the caches a process keeps of what a release shows (the
frozen snapshot in `public_schedule`, prepared and rendered feeds in `feeds`, the schedule page
in `schedule_page`). Keys must name content that cannot change under them (a release's time and
digest, not its id alone). Entries may also expire (`max_age`), for what shows live rows."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any], *, max_age: float | None = None) -> Any:
        """The value kept under `key`, else `make()`'s, kept. With `max_age` (seconds), a value
        older than that is made again; 0 keeps nothing."""
        now = time.monotonic()
        with self.lock:
            found = self.items.get(key)
            if found is not None and (max_age is None or now - found[0] < max_age):
                self.items.move_to_end(key)
                return found[1]
        value = make()
        if max_age is not None and max_age <= 0:
            return value
        with self.lock:
            self.items[key] = (now, value)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def peek(self, key: Hashable) -> Any:
        """The value kept for `key`, or None; neither makes one nor marks it as used."""
        with self.lock:
            found = self.items.get(key)
        return found[1] if found is not None else None

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
