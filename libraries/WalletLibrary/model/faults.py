"""The seeded fault schedule of a workload: windows of time during which the clients' own traffic meets a
fault. Safe anywhere (staging too): every fault is scoped to this run's own payment tokens (gateway stubs of
the mock, registered per token), its own webhooks and its own client connections, so parallel tests are
never disturbed.

| kind | what happens to an operation started inside the window |
|---|---|
| `gateway-slow` | its charge is answered after `share` x GATEWAY_TIMEOUT_MS (0.5: within it; 1.2, 1.5: past it) |
| `gateway-5xx` | its charge is answered 500 or 503 |
| `webhook-duplicate` | each settlement webhook is delivered again in the late phase (a gateway's late retry) |
| `webhook-delay` | the settlement is held back and delivered at the start of the late phase |
| `webhook-reorder` | settlements are held back in pairs and delivered newest first |
| `client-timeout` | the client gives up on its deposit before the answer (the gateway is slow) and at once sends |
|  | the same request with the same key again |

The seed fixes the schedule (`random.Random(f"{seed}:faults")`), the budget its length; the history
records which windows each exchange overlapped.
"""

from __future__ import annotations

import random
from typing import Any

KINDS = ("gateway-slow", "gateway-5xx", "webhook-duplicate", "webhook-delay", "webhook-reorder", "client-timeout")
WINDOW_S = (0.8, 2.0)  # length of one window
GAP_S = (0.2, 1.2)  # quiet time between windows


def schedule(seed: int, budget: float, late_at: float) -> list[dict[str, Any]]:
    """The windows of a run: back to back with quiet gaps from 0.5 s to the start of the late phase, each kind
    at least once when the main phase is long enough (the order shuffled by the seed)."""
    rng = random.Random(f"{seed}:faults")
    kinds = list(KINDS)
    rng.shuffle(kinds)
    windows: list[dict[str, Any]] = []
    start = 0.5
    while start < late_at - 0.5:
        kind = kinds[len(windows)] if len(windows) < len(kinds) else rng.choice(KINDS)
        end = min(late_at - 0.2, start + rng.uniform(*WINDOW_S))
        window: dict[str, Any] = {
            "name": f"f{len(windows)}:{kind}",
            "kind": kind,
            "start": round(start, 3),
            "end": round(end, 3),
        }
        if kind == "gateway-slow":
            window["share"] = rng.choice((0.5, 1.2, 1.5))
        elif kind == "gateway-5xx":
            window["status"] = rng.choice((500, 503))
        windows.append(window)
        start = end + rng.uniform(*GAP_S)
    return windows


def active(windows: list[dict[str, Any]], at: float, *kinds: str) -> dict[str, Any] | None:
    """The window of one of `kinds` open at `at` (seconds since the start), or None."""
    return next((w for w in windows if w["kind"] in kinds and w["start"] <= at <= w["end"]), None)
