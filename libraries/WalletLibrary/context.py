"""The context every component of WalletLibrary shares: settings, run id, timeouts, secrets, sessions.

Like Browser's `LibraryComponent`, a component keeps a reference to one `Context` and reads everything
shared through it; no component holds state another one needs.
"""

from __future__ import annotations

import re
import sys
import threading
import uuid
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `variables/` is a package of the repository root
    sys.path.insert(0, str(ROOT))
if str(ROOT / "libraries") not in sys.path:
    sys.path.insert(0, str(ROOT / "libraries"))

from SecretRedactor import redact  # noqa: E402

from variables._settings import SECRET_NAMES, SettingsError, read, robot_variable  # noqa: E402

SESSION_ALIAS = "wallet_api"
DATABASE_ALIAS = "wallet_db"
STATEMENT_TIMEOUT_MS = 30000
STATEMENT_TIMEOUT = f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"  # every query of the tests ends within 30 s
# The tests' connection only reads (a shared staging database): a write is refused by PostgreSQL itself. The one
# helper that must write (`keywords/outages.py`, destructive tests only) opens its own connection.
READ_ONLY = "-c default_transaction_read_only=on"
POOL_SIZE = 64  # connections the HTTP session keeps per host (concurrent requests reuse them)


class Context:
    """State shared by the components of one library instance (one per robot process)."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self._made: dict[tuple[str, str], list[str]] = {}
        self._fallback_run_id = "run-" + uuid.uuid4().hex[:8]
        self._session_url: str | None = None
        self._database_dsn: str | None = None
        self.library: Any = None  # the assembled library (set by WalletLibrary), for keywords using others

    @cached_property
    def transport(self) -> Any:
        """The HTTP transport of the Wallet API (`transport.py`)."""
        from .transport import Transport

        transport = Transport(self)
        if self.outbox is not None:
            transport.observers.append(self.outbox.observe)
        return transport

    @cached_property
    def outbox(self) -> Any:
        """This process's outbox expectations (`outbox.py`), in its output folder; None outside Robot."""
        folder = robot_variable("OUTPUT_DIR")
        if not folder:
            return None
        from .outbox import Recorder

        return Recorder(Path(str(folder)), self.running)

    @staticmethod
    def running() -> str:
        """The long name of the running test, else of the running suite (who made or checked something)."""
        suite, test = robot_variable("SUITE_NAME"), robot_variable("TEST_NAME")
        return f"{suite}.{test}" if test else str(suite or "")

    @cached_property
    def endpoints(self) -> Any:
        """One valid request per endpoint, changed by keyword arguments (`endpoints.py`)."""
        from .endpoints import Endpoints

        return Endpoints(self)

    @cached_property
    def gateway(self) -> Any:
        """The payment gateway mock's admin API (`gatewaymock.py`)."""
        from .gatewaymock import GatewayMock

        return GatewayMock(self)

    @cached_property
    def events(self) -> Any:
        """The events as the running test and suite see them (`eventlog.py`)."""
        from .eventlog import EventLog

        return EventLog(self)

    @cached_property
    def broker(self) -> Any:
        """The process's RabbitMQ connection, queues and buffers (`broker.py`)."""
        from .broker import Broker

        return Broker(self)

    # ------------------------------------------------------------------ settings

    def setting(self, name: str) -> str:
        """A setting (`variables/_settings.py`: Robot variable, else environment, else local default)."""
        try:
            value = read(name)
        except SettingsError as error:
            raise AssertionError(str(error)) from None
        if name in SECRET_NAMES:
            self.register_secret(value)
        elif name.endswith("_URL"):
            self.register_secret(_url_password(value))
        return value

    def seconds(self, name: str) -> float:
        """A duration setting in seconds (`5`, `2.5`), positive."""
        raw = self.setting(name)
        try:
            seconds = float(raw)
        except ValueError:
            raise AssertionError(f"setting {name}={raw!r} is not a number of seconds: export {name}=5") from None
        if seconds <= 0:
            raise AssertionError(f"setting {name}={raw!r} must be a positive number of seconds")
        return seconds

    @property
    def http_timeout(self) -> float:
        """`${HTTP_TIMEOUT}`: the limit of every HTTP call."""
        return self.seconds("HTTP_TIMEOUT")

    @property
    def event_timeout(self) -> float:
        """`${EVENT_TIMEOUT}`: how long an expected event, row or dead letter is waited for."""
        return self.seconds("EVENT_TIMEOUT")

    @property
    def health_timeout(self) -> float:
        """`${HEALTH_TIMEOUT}`: how long a service may take to become healthy (or reconnect)."""
        return self.seconds("HEALTH_TIMEOUT")

    @property
    def run_id(self) -> str:
        """`${RUN_ID}` (unique per run; prefixes every id the tests create)."""
        value = robot_variable("RUN_ID") or self._fallback_run_id
        return re.sub(r"[^A-Za-z0-9_-]", "-", str(value))[:24]

    # ------------------------------------------------------------------ secrets

    def register_secret(self, value: str | None) -> None:
        """Remembers a secret (a minted token, a password) so `scrub` blanks it out of messages."""
        if value and len(value) >= 4:
            with self._lock:
                self._secrets.add(value)

    def scrub(self, text: str) -> str:
        """`text` without any secret: the run's secret settings, registered values, JWTs, bearer credentials
        and URL passwords (the same rules as the SecretRedactor listener)."""
        with self._lock:
            registered = sorted(self._secrets, key=len, reverse=True)
        return redact(text, registered)

    @staticmethod
    def safe_url(url: str) -> str:
        """A URL without its password, for messages."""
        return redact(url, [])

    # ------------------------------------------------------------------ what each suite made

    def record(self, kind: str, value: str) -> None:
        """Records that the running suite made something: `wallets` (their ledger and events are reconciled
        in suite teardown) or `commands` (their ids are checked once more there)."""
        suite = str(robot_variable("SUITE_NAME") or "")
        with self._lock:
            values = self._made.setdefault((kind, suite), [])
            if value not in values:
                values.append(value)

    def made_by_suite(self, kind: str, suite: str | None = None) -> list[str]:
        """What `suite` (default: the running one) or any of its child suites recorded, oldest first."""
        suite = str(robot_variable("SUITE_NAME") or "") if suite is None else suite
        with self._lock:
            items = list(self._made.items())
        found: list[str] = []
        for (what, name), values in items:
            if what == kind and (suite == "" or name == suite or name.startswith(suite + ".")):
                found.extend(value for value in values if value not in found)
        return found

    # ------------------------------------------------------------------ packages the project builds on

    @staticmethod
    def robot_library(name: str) -> Any:
        """The instance of a Robot library of this run (imported on first use when the suite did not)."""
        builtin = BuiltIn()
        try:
            return builtin.get_library_instance(name)
        except RuntimeError:
            builtin.import_library(name)
            return builtin.get_library_instance(name)

    def http(self) -> Any:
        """RequestsLibrary with the session `wallet_api` open on `${WALLET_API_URL}` (created on first use)."""
        requests_library = self.robot_library("RequestsLibrary")
        url = self.setting("WALLET_API_URL").rstrip("/")
        if self._session_url != url or not requests_library.session_exists(SESSION_ALIAS):
            session = requests_library.create_session(SESSION_ALIAS, url, timeout=self.http_timeout, max_retries=0)
            session.trust_env = False
            adapter = _http_adapter()
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._session_url = url
        return requests_library

    def database(self) -> Any:
        """DatabaseLibrary connected (alias `wallet_db`, autocommit) to `${DATABASE_URL}` through its public
        `Connect To Database`, the password passed as a `Secret` so it never reaches the log."""
        database_library = self.robot_library("DatabaseLibrary")
        dsn = self.setting("DATABASE_URL")
        if self._database_dsn == dsn:
            return database_library
        from robot.api.types import Secret

        parts = urlsplit(dsn)
        if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
            raise AssertionError(f"DATABASE_URL {self.safe_url(dsn)} is not a postgresql://user@host/db URL")
        password = unquote(parts.password) if parts.password else None
        database_library.connect_to_database(
            "psycopg2",
            db_name=parts.path.lstrip("/") or None,
            db_user=unquote(parts.username) if parts.username else None,
            db_password=Secret(password) if password else None,
            db_host=parts.hostname,
            db_port=parts.port or 5432,
            alias=DATABASE_ALIAS,
            connect_timeout=10,
            application_name=self.application_name(),
            options=f"{STATEMENT_TIMEOUT} {READ_ONLY}",
        )
        database_library.set_auto_commit(True, alias=DATABASE_ALIAS)
        self._database_dsn = dsn
        return database_library

    def application_name(self, role: str = "wallet-tests") -> str:
        """What the tests' connections call themselves in `pg_stat_activity`: `wallet-tests <run id>`, so
        the owner of a shared database sees whose queries these are."""
        return f"{role} {self.run_id}"[:63]

    def query(self, sql: str, parameters: Iterable[Any] = ()) -> list[dict]:
        """Rows of one SQL query as dicts, through DatabaseLibrary's `Query` (bind parameters). A query
        that reaches the connection's `statement_timeout` fails naming itself (a check that would scan a
        shared table for minutes is a defect of the check)."""
        try:
            rows = self.database().query(sql, parameters=list(parameters), return_dict=True, alias=DATABASE_ALIAS)
        except Exception as error:
            if "statement timeout" not in str(error):
                raise
            raise AssertionError(
                f"query cancelled by statement_timeout ({STATEMENT_TIMEOUT_MS // 1000} s): {' '.join(sql.split())}"
            ) from None
        return [dict(row) for row in rows]

    def disconnect_database(self) -> None:
        """Closes the `wallet_db` connection of DatabaseLibrary (root suite teardown)."""
        if self._database_dsn is not None:
            self._database_dsn = None
            self.robot_library("DatabaseLibrary").disconnect_from_database(alias=DATABASE_ALIAS)

    @staticmethod
    def info(message: str) -> None:
        """Logs at INFO (the SecretRedactor listener masks secrets before anything is written)."""
        logger.info(message)


def _url_password(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        if parts.password and parts.password != parts.username:
            return unquote(parts.password)
    except ValueError:
        pass
    return None


def _http_adapter() -> Any:
    from requests.adapters import HTTPAdapter

    return HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
