"""In-memory state of the gateway mock: request journal, stubs and charges, all capped.

Every public method takes one lock and never awaits while holding it, so the state is consistent whether it is
used from the event loop or from threads. A `times`-limited stub is therefore consumed exactly N times even under
concurrent requests for the same token.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from payment_gateway_mock.config import Settings

MAX_SETTLEMENTS_PER_CHARGE = 10


@dataclass
class Stub:
    """One stubbed answer for a payment token."""

    id: str
    payment_token: str
    status: int
    body: Any
    has_body: bool
    delay_ms: int
    times: int | None
    remaining: int | None
    created_at: str
    hits: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Public view of the stub."""
        return {
            "id": self.id,
            "payment_token": self.payment_token,
            "status": self.status,
            "body": self.body if self.has_body else None,
            "body_generated": not self.has_body,
            "delay_ms": self.delay_ms,
            "times": self.times,
            "remaining": self.remaining,
            "hits": self.hits,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class StubHit:
    """What one consumed stub answers (a snapshot, safe to use outside the lock)."""

    stub_id: str
    status: int
    body: Any
    has_body: bool
    delay_ms: int


@dataclass
class _JournalEntry:
    seq: int
    data: dict[str, Any] = field(default_factory=dict)


class Store:
    """Bounded in-memory state with oldest-first eviction."""

    def __init__(self, settings: Settings) -> None:
        """Create an empty store with the caps of `settings`."""
        self._settings = settings
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        # journal: token -> entries (oldest first); the dict itself is kept in least-recently-used order
        self._journal: OrderedDict[str, deque[_JournalEntry]] = OrderedDict()
        # global insertion order of journal entries; may hold stale items of evicted tokens (compacted lazily)
        self._journal_order: deque[tuple[str, int]] = deque()
        self._journal_count = 0
        self._stubs: OrderedDict[str, Stub] = OrderedDict()
        self._stubs_by_token: dict[str, deque[Stub]] = {}
        self._charges: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._evicted = {"journal_entries": 0, "journal_tokens": 0, "stubs": 0, "charges": 0}

    # ---------------------------------------------------------------- journal
    def journal_append(self, token: str, data: dict[str, Any]) -> None:
        """Record one request under `token` ("" when the request carried no usable payment token)."""
        with self._lock:
            entries = self._journal.get(token)
            if entries is None:
                entries = deque()
                self._journal[token] = entries
                while len(self._journal) > self._settings.max_journal_tokens:
                    _, evicted = self._journal.popitem(last=False)
                    self._journal_count -= len(evicted)
                    self._evicted["journal_tokens"] += 1
                    self._evicted["journal_entries"] += len(evicted)
            else:
                self._journal.move_to_end(token)
            seq = next(self._seq)
            entries.append(_JournalEntry(seq, data))
            self._journal_order.append((token, seq))
            self._journal_count += 1
            while self._journal_count > self._settings.max_journal_entries:
                self._evict_oldest_entry()
            if len(self._journal_order) > 2 * self._journal_count + 1024:
                self._compact_journal_order()

    def _evict_oldest_entry(self) -> None:
        while self._journal_order:
            token, seq = self._journal_order.popleft()
            entries = self._journal.get(token)
            if entries and entries[0].seq == seq:
                entries.popleft()
                self._journal_count -= 1
                self._evicted["journal_entries"] += 1
                if not entries:
                    del self._journal[token]
                return

    def _is_live(self, token: str, seq: int) -> bool:
        entries = self._journal.get(token)
        return bool(entries) and seq >= entries[0].seq

    def _compact_journal_order(self) -> None:
        self._journal_order = deque(item for item in self._journal_order if self._is_live(*item))

    def journal(self, token: str | None, limit: int | None = None) -> list[dict[str, Any]]:
        """Entries of one token (or of every token when None), oldest first; `limit` keeps the newest N."""
        with self._lock:
            if token is not None:
                items = [entry.data for entry in self._journal.get(token, ())]
            else:
                ordered = sorted(
                    (entry for entries in self._journal.values() for entry in entries), key=lambda e: e.seq
                )
                items = [entry.data for entry in ordered]
        if limit is not None:
            items = items[-limit:] if limit else []
        return items

    # ---------------------------------------------------------------- stubs
    def add_stub(self, stub: Stub) -> None:
        """Append a stub after the existing stubs of its token; evict the oldest stub beyond the cap."""
        with self._lock:
            while len(self._stubs) >= self._settings.max_stubs:
                _, old = self._stubs.popitem(last=False)
                self._unlink_stub(old)
                self._evicted["stubs"] += 1
            self._stubs[stub.id] = stub
            self._stubs_by_token.setdefault(stub.payment_token, deque()).append(stub)

    def _unlink_stub(self, stub: Stub) -> None:
        queue = self._stubs_by_token.get(stub.payment_token)
        if queue is None:
            return
        try:
            queue.remove(stub)
        except ValueError:
            pass
        if not queue:
            del self._stubs_by_token[stub.payment_token]

    def take_stub(self, token: str) -> StubHit | None:
        """Consume the first applicable stub of `token` (atomically), or None when the default applies."""
        with self._lock:
            queue = self._stubs_by_token.get(token)
            if not queue:
                return None
            stub = queue[0]
            stub.hits += 1
            if stub.remaining is not None:
                stub.remaining -= 1
                if stub.remaining <= 0:
                    queue.popleft()
                    self._stubs.pop(stub.id, None)
                    if not queue:
                        del self._stubs_by_token[token]
            return StubHit(stub.id, stub.status, copy.deepcopy(stub.body), stub.has_body, stub.delay_ms)

    def delete_stubs(self, token: str) -> int:
        """Remove every stub of `token`; return how many were removed."""
        with self._lock:
            queue = self._stubs_by_token.pop(token, None) or deque()
            for stub in queue:
                self._stubs.pop(stub.id, None)
            return len(queue)

    def stubs(self, token: str | None) -> list[dict[str, Any]]:
        """Active stubs of one token (in consumption order) or of every token (in creation order)."""
        with self._lock:
            source = self._stubs_by_token.get(token, ()) if token is not None else self._stubs.values()
            return [stub.to_dict() for stub in source]

    # ---------------------------------------------------------------- charges
    def add_charge(self, charge: dict[str, Any]) -> None:
        """Register (or replace) a charge; evict the oldest charge beyond the cap."""
        with self._lock:
            self._charges.pop(charge["id"], None)
            self._charges[charge["id"]] = charge
            while len(self._charges) > self._settings.max_charges:
                self._charges.popitem(last=False)
                self._evicted["charges"] += 1

    def charge(self, charge_id: str) -> dict[str, Any] | None:
        """A copy of the charge, or None when the mock does not know it."""
        with self._lock:
            charge = self._charges.get(charge_id)
            return copy.deepcopy(charge) if charge is not None else None

    def record_settlement(self, charge_id: str, settlement: dict[str, Any]) -> bool:
        """Apply a settlement to a known charge; False when the charge is unknown."""
        with self._lock:
            charge = self._charges.get(charge_id)
            if charge is None:
                return False
            charge["status"] = settlement["status"]
            charge["failure_code"] = settlement["failure_code"]
            charge["settled_at"] = settlement["settled_at"]
            history = charge.setdefault("settlements", [])
            history.append(settlement)
            del history[:-MAX_SETTLEMENTS_PER_CHARGE]
            return True

    # ---------------------------------------------------------------- admin
    def reset(self) -> None:
        """Forget everything (journal, stubs, charges, eviction counters)."""
        with self._lock:
            self._journal.clear()
            self._journal_order.clear()
            self._journal_count = 0
            self._stubs.clear()
            self._stubs_by_token.clear()
            self._charges.clear()
            self._evicted = dict.fromkeys(self._evicted, 0)

    def stats(self) -> dict[str, Any]:
        """Current sizes, caps and eviction counters."""
        s = self._settings
        with self._lock:
            return {
                "journal_entries": {"count": self._journal_count, "cap": s.max_journal_entries},
                "journal_tokens": {"count": len(self._journal), "cap": s.max_journal_tokens},
                "stubs": {"count": len(self._stubs), "cap": s.max_stubs},
                "charges": {"count": len(self._charges), "cap": s.max_charges},
                "evicted": dict(self._evicted),
            }
