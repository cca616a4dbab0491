"""Load profiles of the Wallet API stress tests and their default thresholds (standard library only).

A profile says how many simulated owners (Locust users) run, how fast they arrive, for how long, and
how the number of users changes over time (`stages`). The locustfile (`stress/locustfile.py`) and the
Robot library (WalletLibrary's `load` component) both read this module, so a profile means the same thing in
Robot, on the command line and in Docker Compose.

Overrides (environment variables, or the Robot variables of the same name):
- `STRESS_PROFILE`      name of the profile (default `smoke`);
- `STRESS_USERS`        peak number of users;
- `STRESS_SPAWN_RATE`   users started per second;
- `STRESS_DURATION`     run time: `90`, `90s`, `5m`, `1h`, `1h30m`;
- `STRESS_THRESHOLDS`   JSON merged over the profile's default thresholds, for example
  `{"max_error_rate": 0.02, "min_rps": 40, "latency_ms": {"*": {"p95": 300}, "POST /v1/transfers": {"p99": 900}}}`
  (`"*"` applies to every endpoint, a named endpoint overrides it).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

# The endpoints of the load mix, as Locust names them (one stats row each).
CREATE_WALLET = "POST /v1/wallets"
GET_WALLET = "GET /v1/wallets/{id}"
DEPOSIT = "POST /v1/wallets/{id}/deposits"
WITHDRAW = "POST /v1/wallets/{id}/withdrawals"
TRANSFER = "POST /v1/transfers"
HISTORY = "GET /v1/wallets/{id}/transactions"
ENDPOINTS: tuple[str, ...] = (CREATE_WALLET, GET_WALLET, DEPOSIT, WITHDRAW, TRANSFER, HISTORY)


class ProfileError(ValueError):
    """A profile name or an override is invalid; the message is one line saying how to fix it."""


@dataclass(frozen=True)
class Stage:
    """Until `until` (a fraction of the duration) run `users` (a fraction of the peak users)."""

    until: float
    users: float
    spawn_rate: float | None = None  # users/second for this stage; None = the profile's spawn rate


@dataclass(frozen=True)
class Profile:
    """One load profile."""

    name: str
    description: str
    users: int
    spawn_rate: float
    duration_s: int
    stages: tuple[Stage, ...] = (Stage(1.0, 1.0),)
    wait_min_s: float = 0.5  # think time between two actions of one owner
    wait_max_s: float = 1.5
    decline_ratio: float = 0.05  # share of deposits made with a token the gateway mock declines
    min_rps: float = 1.0  # default minimum throughput (requests/second over the whole run)

    def target(self, elapsed_s: float) -> tuple[int, float] | None:
        """(users, spawn rate) to run `elapsed_s` seconds into the run; None once the run is over."""
        if elapsed_s >= self.duration_s:
            return None
        fraction = elapsed_s / self.duration_s
        for stage in self.stages:
            if fraction < stage.until:
                users = max(1, round(self.users * stage.users))
                return users, stage.spawn_rate or self.spawn_rate
        return None

    def hard_timeout_s(self, stop_timeout_s: int) -> int:
        """Seconds after which the load generator is killed: the run, the ramp, the stop, and a margin."""
        return int(self.duration_s * 1.2 + self.users / max(self.spawn_rate, 0.1) + stop_timeout_s + 60)


PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        name="smoke",
        description="a few owners for a few seconds: proves the whole chain works",
        users=5,
        spawn_rate=5,
        duration_s=15,
        wait_min_s=0.1,
        wait_max_s=0.5,
        min_rps=3,
    ),
    "steady": Profile(
        name="steady",
        description="a constant, realistic load: the latency and throughput a release must keep",
        users=25,
        spawn_rate=5,
        duration_s=180,
        min_rps=10,
    ),
    "spike": Profile(
        name="spike",
        description="a quiet baseline, a sudden surge to the peak, back to baseline: recovery under bursts",
        users=60,
        spawn_rate=5,
        duration_s=180,
        stages=(Stage(0.3, 0.15), Stage(0.6, 1.0, spawn_rate=60), Stage(1.0, 0.15, spawn_rate=60)),
        min_rps=8,
    ),
    "soak": Profile(
        name="soak",
        description="a moderate load for a long time: leaks, pool exhaustion, growing latency",
        users=15,
        spawn_rate=3,
        duration_s=1800,
        min_rps=8,
    ),
}
DEFAULT_PROFILE = "smoke"

# Latency thresholds in milliseconds per endpoint (Locust's percentiles), generous enough for the
# stand-in on a 2-core machine; staging tightens them through STRESS_THRESHOLDS.
_MONEY = {"p95": 1000, "p99": 2000}
_READ = {"p95": 500, "p99": 1000}
DEFAULT_THRESHOLDS: dict[str, Any] = {
    "max_error_rate": 0.01,
    "latency_ms": {
        CREATE_WALLET: dict(_MONEY),
        GET_WALLET: dict(_READ),
        DEPOSIT: dict(_MONEY),
        WITHDRAW: dict(_MONEY),
        TRANSFER: dict(_MONEY),
        HISTORY: dict(_READ),
    },
}

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


def parse_duration(text: str) -> int:
    """Seconds in `90`, `90s`, `5m`, `1h`, `1h30m`; ProfileError otherwise."""
    match = _DURATION.match(text.strip())
    if not text.strip() or not match or not any(match.groups()):
        raise ProfileError(f"STRESS_DURATION={text!r} is not a duration: use seconds (90, 90s) or 5m, 1h, 1h30m")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total < 1:
        raise ProfileError(f"STRESS_DURATION={text!r} must be at least one second")
    return total


def _positive(name: str, text: str, kind: type[int] | type[float]) -> int | float:
    try:
        value = kind(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise ProfileError(f"{name}={text!r} is not a positive {kind.__name__}: export {name}=<number above 0>")
    return value


def resolve_profile(
    name: str | None = None,
    users: str | None = None,
    spawn_rate: str | None = None,
    duration: str | None = None,
) -> Profile:
    """The profile `name` with the given overrides applied (empty strings and None mean no override)."""
    chosen = (name or DEFAULT_PROFILE).strip()
    if chosen not in PROFILES:
        raise ProfileError(f"unknown stress profile {chosen!r}: choose one of {', '.join(PROFILES)}")
    profile = PROFILES[chosen]
    if users:
        profile = replace(profile, users=int(_positive("STRESS_USERS", users, int)))
    if spawn_rate:
        profile = replace(profile, spawn_rate=float(_positive("STRESS_SPAWN_RATE", spawn_rate, float)))
    if duration:
        profile = replace(profile, duration_s=parse_duration(duration))
    return profile


def profile_from_environ(environ: Mapping[str, str]) -> Profile:
    """The profile selected by the `STRESS_*` environment variables (see the module docstring)."""
    return resolve_profile(
        environ.get("STRESS_PROFILE"),
        environ.get("STRESS_USERS"),
        environ.get("STRESS_SPAWN_RATE"),
        environ.get("STRESS_DURATION"),
    )


def thresholds_for(profile: Profile, overrides: Mapping[str, Any] | str | None = None) -> dict[str, Any]:
    """The thresholds of `profile`: the defaults, the profile's minimum throughput, then `overrides`.

    `overrides` is a mapping or its JSON text (what `STRESS_THRESHOLDS` holds). In `latency_ms`, the
    key `"*"` sets a percentile for every endpoint; a named endpoint then overrides it.
    """
    thresholds = copy.deepcopy(DEFAULT_THRESHOLDS)
    thresholds["min_rps"] = profile.min_rps
    if isinstance(overrides, str):
        if not overrides.strip():
            return thresholds
        try:
            overrides = json.loads(overrides)
        except json.JSONDecodeError as error:
            raise ProfileError(f"STRESS_THRESHOLDS is not valid JSON ({error.msg}): see stress/profiles.py") from None
    if not overrides:
        return thresholds
    if not isinstance(overrides, Mapping):
        raise ProfileError("STRESS_THRESHOLDS must be a JSON object: see stress/profiles.py")
    unknown = sorted(set(overrides) - {"max_error_rate", "min_rps", "latency_ms"})
    if unknown:
        raise ProfileError(f"STRESS_THRESHOLDS has unknown keys {unknown}: use max_error_rate, min_rps and latency_ms")
    for key in ("max_error_rate", "min_rps"):
        if key in overrides:
            thresholds[key] = float(overrides[key])
    latency = overrides.get("latency_ms") or {}
    for endpoint in thresholds["latency_ms"]:
        thresholds["latency_ms"][endpoint].update(latency.get("*", {}))
    for endpoint, percentiles in latency.items():
        if endpoint != "*":
            thresholds["latency_ms"].setdefault(endpoint, {}).update(percentiles)
    return thresholds
