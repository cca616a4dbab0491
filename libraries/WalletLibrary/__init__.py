"""WalletLibrary: the Robot Framework keywords of the Wallet API integration tests."""

from __future__ import annotations

from typing import Any

from robotlibcore import DynamicCore
from SecretRedactor import SecretRedactor

from .context import Context
from .keywords.boundaries import BoundaryKeywords
from .keywords.commands import CommandKeywords
from .keywords.concurrency import ConcurrencyKeywords
from .keywords.data import DataKeywords
from .keywords.database import DatabaseKeywords
from .keywords.events import EventKeywords
from .keywords.gateway import GatewayKeywords
from .keywords.history import HistoryKeywords
from .keywords.http import HttpKeywords
from .keywords.ledger import LedgerKeywords
from .keywords.load import LoadKeywords
from .keywords.model import ModelKeywords
from .keywords.money import MoneyKeywords
from .keywords.outages import OutageKeywords
from .keywords.responses import ResponseKeywords
from .keywords.run import RunKeywords
from .keywords.wallets import WalletKeywords
from .routes import ApiResponse

__version__ = "2.0.0"

# The components and the tag that names each one's keywords (libdoc groups and filters by tag).
COMPONENTS = (
    (RunKeywords, "test run"),
    (HttpKeywords, "transport and auth"),
    (WalletKeywords, "wallets"),
    (MoneyKeywords, "money movements"),
    (HistoryKeywords, "history"),
    (ResponseKeywords, "responses"),
    (EventKeywords, "events"),
    (CommandKeywords, "commands"),
    (LedgerKeywords, "ledger"),
    (DatabaseKeywords, "database"),
    (GatewayKeywords, "gateway mock"),
    (OutageKeywords, "outages"),
    (ConcurrencyKeywords, "concurrency"),
    (DataKeywords, "data builders"),
    (LoadKeywords, "stress"),
    (ModelKeywords, "model"),
    (BoundaryKeywords, "boundaries"),
)


class WalletLibrary(DynamicCore):
    """Keywords of the Wallet API integration tests, in the domain language of the contract
    (`contracts/wallet-api-contract.md`, also `contracts/openapi.yaml` and `contracts/events/`).

    One library assembled from components (robotframework-pythonlibcore), all sharing one context:
    the settings of the environment's variable file, the run id, the timeouts (`${HTTP_TIMEOUT}`,
    `${EVENT_TIMEOUT}`, `${HEALTH_TIMEOUT}`), the RequestsLibrary session `wallet_api`, the
    DatabaseLibrary connection `wallet_db` and the process's RabbitMQ queues. Each keyword's tag names
    its component: test run, transport and auth, wallets, money movements, history, responses, events,
    commands, ledger, database, gateway mock, outages, concurrency, data builders, stress, model, boundaries.

    = Conventions =

    - *Wallets* are the JSON objects the API returns (`${wallet}[id]`, `${wallet}[owner_id]`); keywords act
      as the wallet's owner unless `owner=<owner id>` is given.
    - *Tokens never reach a Robot variable* except through `Auth Headers For`: keywords take an owner id
      and a token kind (`token=valid`, `expired`, `bad_signature`, `tampered`, `alg_none`, `malformed`,
      `missing`, `no_sub`, `no_exp`, `empty_sub`, `wrong_scheme`, `empty_bearer`) and mint the JWT with
      `${JWT_SECRET}`. The library's own listener (SecretRedactor) masks every token and secret in every
      result file, however the suites are started.
    - *Every response* is validated against `contracts/openapi.yaml` as it arrives (status, media type,
      headers, schema, no internals in a 5xx, `X-Request-ID` echoed); *every event* matched or seen
      during a test about the test's wallets is validated against its schema and AMQP properties.
    - *Values in Robot data* stand for JSON values: `amount=500` is a number, `amount="500"` a string,
      `amount=${10.0}` a float, `transfer_id=null` null; comparisons are strict about types.
    - *Waiting* is only for what must come, with a deadline; that something does not come is shown by the
      database as a witness (see `No Event Should Be Published`), never by listening a fixed window.

    = Example =

    | ${wallet} =   | A Wallet With Balance | 2500 |
    | ${response} = | Request Deposit       | ${wallet} | amount=1050 |
    | Response Status Should Be | ${response} | 201 |
    | Balance Should Be | ${wallet} | 3550 |
    | ${headers} =  | Auth Headers For      | ${wallet}[owner_id] |
    | ${answer} =   | GET On Session        | wallet_api | /v1/wallets | headers=${headers} |
    """

    ROBOT_LIBRARY_SCOPE = "GLOBAL"
    ROBOT_LIBRARY_VERSION = __version__

    def __init__(self) -> None:
        self.ctx = Context()
        self._component_of: dict[str, str] = {}
        for component, label in COMPONENTS:
            for name in dir(component):
                function = getattr(component, name)
                if hasattr(function, "robot_name"):
                    self._component_of[function.robot_name or name] = label
        DynamicCore.__init__(self, [component(self.ctx) for component, _ in COMPONENTS])
        self.ctx.library = self
        # Masks tokens and secrets in every result file however the suites are started (robot, pabot, an editor).
        self.ROBOT_LIBRARY_LISTENER = SecretRedactor(library="WalletLibrary")
        self.ctx.transport.observers.append(self._record_wallet)

    def get_keyword_tags(self, name: str) -> list[str]:
        """The keyword's own tags plus its component (libdoc lists and filters keywords by tag)."""
        tags = list(super().get_keyword_tags(name))
        if name in self._component_of:
            tags.append(self._component_of[name])
        return tags

    def _record_wallet(self, response: ApiResponse) -> None:
        body: Any = response.json
        if response.status == 201 and response.method == "POST" and response.path.split("?")[0] == "/v1/wallets":
            if isinstance(body, dict) and body.get("id"):
                self.ctx.record("wallets", str(body["id"]))
