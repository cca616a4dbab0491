# ruff: noqa: E501 - the snippets are verbatim code of the stand-in, indentation included
"""Mutants of area `model` (issue 11), part 2: defects that only elapsed time or a large value shows.

Time: something that holds for a second but not after a few seconds (each shows within 10 s). Large values:
balances past 2^31 - 1 (22 deposits or credits of 100000000) or an amount of exactly 100000000. The
description starts with the kind and names the scenario; format as in mutants_catalog.py.
"""

from __future__ import annotations

from mutants_patch import Edit, Mutant

LIMIT_MUTANTS: tuple[Mutant, ...] = (
    # ------------------------------------------------------------------------------------- elapsed time
    Mutant(
        id="token_cache_outlives_exp",
        area="model",
        rule="auth.expired-token",
        contract="Missing, malformed, badly signed or expired token: 401 code UNAUTHORIZED",
        description="[time] Verified tokens are cached for 60 s by their text and the cache entry is trusted "
        "without looking at exp: a token used while valid is still accepted after it expired (a token never "
        "used before expiry is refused).",
        edits=(
            Edit(
                "wallet_api/auth.py",
                r"""import warnings
""",
                r"""import time
import warnings
""",
            ),
            Edit(
                "wallet_api/auth.py",
                r"""_OPTIONS = {"require": ["exp", "sub"], "verify_signature": True, "verify_exp": True}
""",
                r"""_OPTIONS = {"require": ["exp", "sub"], "verify_signature": True, "verify_exp": True}
# Verifying the HS256 signature on every request is wasted work: remember verified tokens for a minute.
TOKEN_CACHE_TTL_S = 60.0
_verified: dict[str, tuple[float, dict]] = {}
""",
            ),
            Edit(
                "wallet_api/auth.py",
                r"""    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options=_OPTIONS, leeway=0)
    except jwt.ExpiredSignatureError as exc:
        raise unauthorized("The bearer token has expired.") from exc
    except jwt.PyJWTError as exc:
        raise unauthorized("The bearer token is invalid.") from exc
""",
                r"""    cached = _verified.get(token)
    if cached is not None and cached[0] > time.monotonic():
        claims = cached[1]
    else:
        try:
            claims = jwt.decode(token, secret, algorithms=["HS256"], options=_OPTIONS, leeway=0)
        except jwt.ExpiredSignatureError as exc:
            raise unauthorized("The bearer token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise unauthorized("The bearer token is invalid.") from exc
        _verified[token] = (time.monotonic() + TOKEN_CACHE_TTL_S, claims)
""",
            ),
        ),
    ),
    Mutant(
        id="webhook_window_interval_seconds",
        area="model",
        rule="webhooks.settle-succeeded",
        contract="POST /v1/webhooks/payment-gateway: 200 settles a pending deposit: succeeded credits the balance",
        description="[time] The webhook looks the deposit up only among recent ones, created_at > "
        "clock_timestamp() - '7'::interval, meant as 7 days (a card authorisation expires after a week) but "
        "PostgreSQL reads a bare '7' as 7 SECONDS: a pending deposit settled more than 7 s after it was made is "
        "404 CHARGE_NOT_FOUND and never credited.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""from .validation import Cursor
""",
                r"""from .validation import Cursor

# The gateway settles a charge within a week (card authorisations expire after 7 days): looking only at recent
# deposits keeps the webhook's index scan short.
SETTLEMENT_WINDOW = "7"  # days
""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""                "SELECT {T} FROM transactions WHERE gateway_charge_id = %s AND type = 'deposit' "
                "ORDER BY created_at LIMIT 1 FOR UPDATE",
                (charge_id,),""",
                r"""                "SELECT {T} FROM transactions WHERE gateway_charge_id = %s AND type = 'deposit' "
                "AND created_at > clock_timestamp() - %s::interval ORDER BY created_at LIMIT 1 FOR UPDATE",
                (charge_id, SETTLEMENT_WINDOW),""",
            ),
        ),
    ),
    Mutant(
        id="cursor_ttl_in_milliseconds",
        area="model",
        rule="history.cursor-walk",
        contract="next_cursor is null on the last page; following it visits every transaction exactly once",
        description="[time] Cursors carry their issue time in milliseconds and expire after CURSOR_TTL_S = 3600 "
        "(meant: an hour) compared with a difference in milliseconds, i.e. after 3.6 s: a walk that follows a "
        "cursor more than 3.6 s after it was issued gets 400 INVALID_CURSOR.",
        edits=(
            Edit(
                "wallet_api/validation.py",
                r"""import re
""",
                r"""import re
import time
""",
            ),
            Edit(
                "wallet_api/validation.py",
                r"""_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
""",
                r"""_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CURSOR_TTL_S = 3600  # a cursor is good for an hour
""",
            ),
            Edit(
                "wallet_api/validation.py",
                r"""        raw = f"v1|{self.wallet_id}|{micros}|{self.transaction_id}".encode()""",
                r"""        raw = f"v1|{self.wallet_id}|{micros}|{self.transaction_id}|{int(time.time() * 1000)}".encode()""",
            ),
            Edit(
                "wallet_api/validation.py",
                r"""        version, wallet, micros, tx = decoded.split("|")
        if version != "v1" or not re.fullmatch(r"[0-9]{1,20}", micros):
            raise ValueError("bad cursor")""",
                r"""        version, wallet, micros, tx, issued_ms = decoded.split("|")
        if version != "v1" or not re.fullmatch(r"[0-9]{1,20}", micros) or not issued_ms.isdigit():
            raise ValueError("bad cursor")
        if int(time.time() * 1000) - int(issued_ms) > CURSOR_TTL_S:
            raise ValueError("expired cursor")""",
            ),
        ),
    ),
    # -------------------------------------------------------------------------------------- large values
    Mutant(
        id="deposit_balance_int32",
        area="model",
        rule="deposits.succeeded",
        contract="Gateway 201 succeeded: 201 transaction succeeded, balance credited (balance is a bigint)",
        description="[large value] Settling a deposit reads the new balance back as a 32-bit integer "
        "(RETURNING balance::integer, as a Go repository scanning into an int32 field would): a deposit or "
        "webhook that takes the balance past 2147483647 fails with 500 and is rolled back, the charge made and "
        "the deposit left pending.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""    balance = await _apply_balance(conn, wallet["id"], tx["amount"])""",
                r"""    credited = await _fetch_one(
        conn,
        "UPDATE wallets SET balance = balance + %s, updated_at = clock_timestamp() WHERE id = %s "
        "RETURNING balance::integer AS balance",
        (tx["amount"], wallet["id"]),
    )
    assert credited is not None
    balance = credited["balance"]""",
            ),
        ),
    ),
    Mutant(
        id="credit_balance_int32",
        area="model",
        rule="commands.credit-applied",
        contract="A valid command credits the wallet (transaction type credit) and emits credit.applied",
        description="[large value] A credit command reads the new balance back as a 32-bit integer (RETURNING "
        "balance::integer): a valid credit that takes the balance past 2147483647 fails, is rolled back and is "
        "dead-lettered as an unexpected error; the wallet is never credited.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            balance = await _apply_balance(conn, wallet_id, amount)""",
                r"""            credited = await _fetch_one(
                conn,
                "UPDATE wallets SET balance = balance + %s, updated_at = clock_timestamp() WHERE id = %s "
                "RETURNING balance::integer AS balance",
                (amount, wallet_id),
            )
            assert credited is not None
            balance = credited["balance"]""",
            ),
        ),
    ),
    Mutant(
        id="command_amount_max_exclusive",
        area="model",
        rule="commands.credit-applied",
        contract="A valid command credits the wallet; invalid means a bad amount (the API's rule: 1 <= amount <= "
        "100000000)",
        description="[large value] The command parser checks the amount itself with 0 < amount < 100_000_000: a "
        "credit of exactly 100000000, valid, is dead-lettered instead of applied.",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""    amount = check_amount(data, errors)
""",
                r"""    amount = data.get("amount")
    if type(amount) is not int or not 0 < amount < 100_000_000:
        errors.add("data.amount", "must be an integer between 1 and 100000000")
        amount = None
""",
            ),
        ),
    ),
)
