"""One checkout, one stack: the local stack's addresses and names for THIS checkout (stdlib only).

Two checkouts on one machine (or a checkout and a CI job) never share a stand-in or a database without
saying so:

- the first checkout that resolves its local settings claims the defaults (wallet 8080, mock 8090, database
  and vhost `wallet_test`, users `wallet_api`): the registry file `default.owner` (in `WALLET_STACK_REGISTRY`,
  default `<tmp>/wallet-api-stacks/`) names its absolute path. A claim whose checkout is gone is taken over;
- every other checkout gets a stack of its own, from a stable hash of its absolute path: wallet and mock ports
  in 10000-31999 (below Linux's ephemeral ports), database, vhost, wallet role and RabbitMQ user
  `wallet_<6 hex digits>` (created by its first `./run.sh stack up`); `LOCAL_STACK=own` asks for that even in
  the owner's checkout, `LOCAL_STACK=default` uses the defaults whoever owns them (sharing on purpose);
- whatever the environment sets wins (`WALLET_API_PORT`, `DATABASE_URL`, ...), and the callbacks follow the
  addresses: `WALLET_WEBHOOK_URL` (what the mock calls) follows `WALLET_API_URL`, `GATEWAY_URL` (what the
  wallet calls) follows `GATEWAY_MOCK_URL`, unless set themselves.

`overrides(environ)` is what variables/_settings.py puts under the environment of local and ci.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK_PATH = "/v1/webhooks/payment-gateway"
MOVED = ("DATABASE_URL", "WALLET_DATABASE_URL", "AMQP_URL", "WALLET_AMQP_URL")  # onto the checkout's names


def registry() -> Path:
    return Path(os.environ.get("WALLET_STACK_REGISTRY") or Path(tempfile.gettempdir()) / "wallet-api-stacks")


def own_name(root: Path = ROOT) -> str:
    """The database, vhost and users of a checkout's own stack."""
    return "wallet_" + hashlib.sha256(str(root).encode()).hexdigest()[:6]


def own_ports(root: Path = ROOT) -> tuple[int, int]:
    """The wallet's and the mock's ports of a checkout's own stack."""
    base = 10000 + int(hashlib.sha256(str(root).encode()).hexdigest()[6:12], 16) % 11000 * 2
    return base, base + 1


def _is_checkout(path: Path) -> bool:
    return (path / "run.sh").is_file() and (path / "variables" / "_settings.py").is_file()


def default_owner() -> str:
    """The checkout that holds the defaults ('' when none)."""
    try:
        return (registry() / "default.owner").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


@functools.cache
def owns_defaults(root: Path = ROOT) -> bool:
    """Whether this checkout's stack is the default one; claims the defaults when nobody (alive) holds them."""
    choice = os.environ.get("LOCAL_STACK", "").strip()
    if choice in ("own", "default"):
        return choice == "default"
    try:
        registry().mkdir(parents=True, exist_ok=True)
        with open(registry() / ".lock", "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            owner = default_owner()
            if owner == str(root):
                return True
            if owner and _is_checkout(Path(owner)):
                return False
            (registry() / "default.owner").write_text(f"{root}\n", encoding="utf-8")
            return True
    except OSError:  # a registry we may not write (another user's): a stack of our own is the safe side
        return False


def _moved(url: str, name: str, user: bool) -> str:
    """The URL on the database/vhost `name`, as user `name` (password the same) when `user`."""
    parts = urlsplit(url)
    netloc = f"{name}:{name}@{parts.netloc.rsplit('@', 1)[-1]}" if user else parts.netloc
    return urlunsplit((parts.scheme, netloc, f"/{name}", parts.query, parts.fragment))


def overrides(environ: Mapping[str, str], default: object = None) -> dict[str, str]:
    """The settings of this checkout's stack that `environ` does not set itself. `default(name, environ)` gives a
    setting's local default (variables/_settings.py passes its own)."""
    values: dict[str, str] = {}
    if not owns_defaults():
        name = own_name()
        wallet, mock = own_ports()
        values |= {"WALLET_API_PORT": str(wallet), "GATEWAY_MOCK_PORT": str(mock)}
        values |= {"RABBITMQ_VHOST": name, "WALLET_DB_ROLE": name, "WALLET_AMQP_USER": name}
        values |= {key: _moved(default(key, environ), name, key.startswith("WALLET_")) for key in MOVED}  # type: ignore[operator]
    merged = {**values, **{k: v for k, v in environ.items() if v}}
    if merged.get("WALLET_API_URL"):
        values["WALLET_WEBHOOK_URL"] = merged["WALLET_API_URL"].rstrip("/") + WEBHOOK_PATH
    if merged.get("GATEWAY_MOCK_URL"):
        values["GATEWAY_URL"] = merged["GATEWAY_MOCK_URL"]
    return {key: value for key, value in values.items() if not environ.get(key)}


def describe(settings: Mapping[str, str]) -> str:
    """One line: whose stack these settings are (for `stack status` and a run's console)."""
    what = f"wallet {settings['WALLET_API_URL']}, mock {settings['GATEWAY_MOCK_URL']}, database " + (
        urlsplit(settings["WALLET_DATABASE_URL"]).path.lstrip("/") + f", vhost {settings['RABBITMQ_VHOST']}"
    )
    if owns_defaults():
        return f"stack of this checkout ({ROOT}, holder of the default ports and names): {what}"
    owner = default_owner()
    why = f"the defaults belong to {owner}" if owner and owner != str(ROOT) else "LOCAL_STACK=own"
    return f"stack of this checkout ({ROOT}), its own ({why}): {what}"
