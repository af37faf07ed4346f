"""A small thread-safe LRU for the caches a process keeps of what a release shows (the
frozen snapshot in `public_schedule`, prepared and rendered feeds in `feeds`). Keys must name
content that cannot change under them (a release's time and digest, not its id alone)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def peek(self, key: Hashable) -> Any:
        """The value kept for `key`, or None; neither makes one nor marks it as used."""
        with self.lock:
            return self.items.get(key)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
