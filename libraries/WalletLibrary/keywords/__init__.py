"""The components of WalletLibrary: one class per area of the contract, each a `LibraryComponent`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..broker import Broker
    from ..context import Context
    from ..transport import Transport


class LibraryComponent:
    """Base of every component: shares the library's one `Context` (as Browser's LibraryComponent does)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @property
    def library(self) -> Any:
        """The library itself: every keyword of every component, by its method name."""
        return self.ctx.library

    @property
    def transport(self) -> Transport:
        """The HTTP transport (RequestsLibrary session `wallet_api`)."""
        return self.ctx.transport

    @property
    def broker(self) -> Broker:
        """The process's RabbitMQ connection and event buffer."""
        return self.ctx.broker
