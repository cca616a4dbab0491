"""The test run: the production guard, the connections of a robot process, each test's start and end."""

from __future__ import annotations

from robot.api.deco import keyword
from robot.api.exceptions import FatalError
from robot.libraries.BuiltIn import BuiltIn

from ..eventlog import EventLog
from ..matcher import bullet_list
from ..outbox import describe
from . import LibraryComponent


class RunKeywords(LibraryComponent):
    """Test run. The root suite and every suite start with `Prepare Test Run` (resources/common.resource):
    the production guard first, then the services' health, then the connections."""

    @keyword("Environment Should Be Safe For Tests")
    def environment_should_be_safe_for_tests(self) -> None:
        """Stops the whole run (fatal error) unless the environment is safe for tests: the `ENVIRONMENT`
        variable must come from an allow-listed variable file (`local`, `ci`, `staging`; run with
        `--variablefile variables/<env>.py`), every required setting must be there, and no `*_URL` setting
        may point at a host on the production deny-list (`PRODUCTION_HOST_DENYLIST`). The message is one
        line and never contains a secret. Calling `robot` or `pabot` directly is guarded too.

        | Environment Should Be Safe For Tests |
        """
        from guard import ALLOWED_ENVIRONMENTS, GuardError, check

        builtin = BuiltIn()
        environment = builtin.get_variable_value("${ENVIRONMENT}")
        if environment is None:
            raise FatalError(
                "no environment: run with --variablefile variables/<env>.py "
                f"(one of {', '.join(ALLOWED_ENVIRONMENTS)}) or use ./run.sh"
            )
        settings: dict[str, object] = {"SETTINGS_ERROR": builtin.get_variable_value("${SETTINGS_ERROR}")}
        for decorated, value in builtin.get_variables(no_decoration=False).items():
            if decorated[2:-1].upper().endswith("_URL"):
                settings[decorated[2:-1].upper()] = str(getattr(value, "value", value))
        try:
            check(str(environment), settings)
        except GuardError as error:
            raise FatalError(str(error)) from None

    @keyword("Open Connections To The Wallet Services")
    def open_connections_to_the_wallet_services(self) -> None:
        """Opens what this robot process uses, once (cheap when already open): the RequestsLibrary session
        `wallet_api` on `${WALLET_API_URL}`, the DatabaseLibrary connection `wallet_db` to `${DATABASE_URL}`
        and the RabbitMQ queues bound to `wallet.events` and `wallet.commands.dlx` on `${AMQP_URL}`.

        | Open Connections To The Wallet Services |
        """
        self.ctx.http()
        self.ctx.database()
        self.broker.connection()

    @keyword("Release Test Run")
    def release_test_run(self) -> None:
        """Root suite teardown: answers this process's outbox expectations (`outbox.py`) when it is a plain
        `robot` run (under pabot every process runs this teardown: the run engine answers them all once,
        after the phase), then closes the RabbitMQ and database connections of this process.

        | Suite Teardown | Release Test Run |
        """
        problems = []
        under_pabot = BuiltIn().get_variable_value("${PABOTQUEUEINDEX}") is not None
        if self.ctx.outbox is not None and self.ctx.outbox.path.exists() and not under_pabot:
            problems = describe(self.ctx.outbox.answer(self.ctx.query))
        self.broker.close()
        self.ctx.disconnect_database()
        if problems:
            raise AssertionError(
                f"Outbox reconciliation of this run: {len(problems)} problem(s)\n" + bullet_list(problems)
            )

    @keyword("Common Test Setup")
    def common_test_setup(self) -> None:
        """Test setup of every suite: marks where the test's events start (the process listens all along).

        | Test Setup | Common Test Setup |
        """
        self.ctx.events.start_test()

    @keyword("Common Test Teardown")
    def common_test_teardown(self) -> None:
        """Test teardown of every suite: every event that arrived during the test about a wallet this process
        created is validated against the contract (schema, AMQP properties, routing), whether or not the
        test looked at it.

        | Test Teardown | Common Test Teardown |
        """
        events: EventLog = self.ctx.events
        self.broker.pump()
        mine = {wallet.lower() for wallet in self.ctx.made_by_suite("wallets", "")}
        events.validate([message for message in events.of_test() if message.values & mine])
