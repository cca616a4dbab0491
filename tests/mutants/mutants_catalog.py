# ruff: noqa: E501 - the snippets are verbatim code of the stand-in, indentation included
"""The mutants of the wallet stand-in: each one a small, realistic defect that breaks ONE named contract rule.

Every mutant documents, next to its patch: its id (also the name of its database/vhost `mut_<id>`), the
area of issue 4 it belongs to, the rule it breaks (an id of `contracts/rules.yaml`, quoted from the contract
in `contract`), and what the patch does. Patches are exact search/replace edits of files under
`services/wallet_api/` (see mutants_patch.py); `tests/mutants/test_mutants_apply.py` checks that every
snippet still matches the current stand-in exactly once and that the result compiles.

Ids: lower-case letters, digits and `_`, at most 40 characters (they become PostgreSQL/RabbitMQ names).
Add a mutant by appending to MUTANTS; never give an id a new meaning.
"""

from __future__ import annotations

from mutants_faults import FAULT_MUTANTS
from mutants_model_limits import LIMIT_MUTANTS
from mutants_model_races import RACE_MUTANTS
from mutants_patch import Edit, Mutant
from mutants_variants import VARIANTS

AREAS = (
    "wallets",
    "auth",
    "validation",
    "deposits",
    "withdrawals-transfers",
    "idempotency",
    "history",
    "events",
    "commands",
    "webhooks",
    "concurrency",
    "resilience",
    "ledger",
    "model",  # issue 11: what only an interleaving, elapsed time, a large value or a write during a read shows
    "variant",  # issue 18: correct variants where the contract leaves freedom (expect="pass": every suite passes)
)

MUTANTS: tuple[Mutant, ...] = (
    # ------------------------------------------------------------------------------------------- wallets
    Mutant(
        id="wallet_exists_returns_existing",
        area="wallets",
        rule="wallets.exists",
        contract="POST /v1/wallets: 409 WALLET_EXISTS (one wallet per owner and currency)",
        description="A second create for the same owner and currency upserts and answers 201 with the existing "
        "wallet (and a second wallet.created) instead of 409 WALLET_EXISTS.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                "ON CONFLICT (owner_id, currency) DO NOTHING RETURNING {W}",""",
                r"""                "ON CONFLICT (owner_id, currency) DO UPDATE SET updated_at = wallets.updated_at RETURNING {W}",""",
            ),
        ),
    ),
    Mutant(
        id="wallet_foreign_403",
        area="wallets",
        rule="ownership.wallet-get",
        contract="a wallet that exists but belongs to another owner is answered exactly as a wallet that does "
        "not exist: 404 WALLET_NOT_FOUND (no existence leak)",
        description="GET /v1/wallets/{id} looks the wallet up by id only and answers 403 FORBIDDEN when it "
        "belongs to another owner (leaks its existence).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            return await _fetch_one(
                conn, "SELECT {W} FROM wallets WHERE id = %s AND owner_id = %s", (wallet_id, owner_id)
            )

        row = await self.db.transaction(work)
        if row is None:
            raise wallet_not_found()
        return models.wallet_json(row)""",
                r"""            return await _fetch_one(conn, "SELECT {W} FROM wallets WHERE id = %s", (wallet_id,))

        row = await self.db.transaction(work)
        if row is None:
            raise wallet_not_found()
        if row["owner_id"] != owner_id:
            raise ApiError(403, "FORBIDDEN", "The wallet belongs to another owner.")
        return models.wallet_json(row)""",
            ),
        ),
    ),
    Mutant(
        id="wallet_list_other_owners",
        area="wallets",
        rule="ownership.wallet-list",
        contract='GET /v1/wallets: 200 {"data":[wallet...]} the caller\'s wallets only',
        description="The owner filter of GET /v1/wallets is lost: every owner's wallets are listed.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""conn, "SELECT {W} FROM wallets WHERE owner_id = %s ORDER BY created_at, id", (owner_id,)""",
                r"""conn, "SELECT {W} FROM wallets WHERE %s::text IS NOT NULL ORDER BY created_at, id", (owner_id,)""",
            ),
        ),
    ),
    Mutant(
        id="wallet_no_location",
        area="wallets",
        rule="wallets.create-location",
        contract="POST /v1/wallets: 201 wallet, Location: /v1/wallets/{id}",
        description="The 201 of POST /v1/wallets has no Location header.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    return json_response(201, wallet, {"Location": f"/v1/wallets/{wallet['id']}"})""",
                r"""    return json_response(201, wallet)""",
            ),
        ),
    ),
    # ---------------------------------------------------------------------------------------------- auth
    Mutant(
        id="auth_expired_accepted",
        area="auth",
        rule="auth.expired-token",
        contract="Missing, malformed, badly signed or expired token: 401 code UNAUTHORIZED",
        description="The exp claim must be present but is not verified: expired tokens are accepted.",
        edits=(
            Edit(
                "wallet_api/auth.py",
                r"""_OPTIONS = {"require": ["exp", "sub"], "verify_signature": True, "verify_exp": True}""",
                r"""_OPTIONS = {"require": ["exp", "sub"], "verify_signature": True, "verify_exp": False}""",
            ),
        ),
    ),
    Mutant(
        id="auth_alg_none_accepted",
        area="auth",
        rule="auth.alg-none",
        contract="Authorization: Bearer <JWT> signed HS256 with JWT_SECRET ... badly signed token: 401",
        description="A token whose header says alg none is decoded without signature verification (the "
        "classic JWT library misuse); HS256 tokens are still verified.",
        edits=(
            Edit(
                "wallet_api/auth.py",
                r"""        claims = jwt.decode(token, secret, algorithms=["HS256"], options=_OPTIONS, leeway=0)""",
                r"""        if str(jwt.get_unverified_header(token).get("alg", "")).lower() == "none":
            claims = jwt.decode(token, options={**_OPTIONS, "verify_signature": False}, leeway=0)
        else:
            claims = jwt.decode(token, secret, algorithms=["HS256"], options=_OPTIONS, leeway=0)""",
            ),
        ),
    ),
    Mutant(
        id="auth_signature_not_verified",
        area="auth",
        rule="auth.bad-signature",
        contract="Missing, malformed, badly signed or expired token: 401 code UNAUTHORIZED",
        description="Signature verification is switched off: a token signed with any key is accepted.",
        edits=(
            Edit(
                "wallet_api/auth.py",
                r"""_OPTIONS = {"require": ["exp", "sub"], "verify_signature": True, "verify_exp": True}""",
                r"""_OPTIONS = {"require": ["exp", "sub"], "verify_signature": False, "verify_exp": True}""",
            ),
        ),
    ),
    Mutant(
        id="auth_no_www_authenticate",
        area="auth",
        rule="auth.www-authenticate",
        contract="401 code UNAUTHORIZED with header WWW-Authenticate: Bearer",
        description="401 UNAUTHORIZED answers lose the WWW-Authenticate header.",
        edits=(
            Edit(
                "wallet_api/errors.py",
                r"""    return ApiError(401, "UNAUTHORIZED", detail, headers={"WWW-Authenticate": "Bearer"})""",
                r"""    return ApiError(401, "UNAUTHORIZED", detail)""",
            ),
        ),
    ),
    Mutant(
        id="auth_exp_not_required",
        area="auth",
        rule="auth.required-claims",
        contract="claims sub (the owner id, 1-64 chars) and exp are required",
        description="Only sub is required: a token without exp (valid forever) is accepted.",
        edits=(
            Edit(
                "wallet_api/auth.py",
                r"""_OPTIONS = {"require": ["exp", "sub"], "verify_signature": True, "verify_exp": True}""",
                r"""_OPTIONS = {"require": ["sub"], "verify_signature": True, "verify_exp": True}""",
            ),
        ),
    ),
    # ---------------------------------------------------------------------------------------- validation
    Mutant(
        id="amount_integral_float_accepted",
        area="validation",
        rule="amount.integral-float-rejected",
        contract="A float (10.5, also 10.0) ... is a 400 VALIDATION_ERROR",
        description="A float with an integral value (10.0) is converted to the integer 10 and accepted.",
        edits=(
            Edit(
                "wallet_api/validation.py",
                r"""    value = body[field]
    if type(value) is not int:
        errors.add(field, "must be an integer number of minor units")""",
                r"""    value = body[field]
    if type(value) is float and value.is_integer():
        value = int(value)
    if type(value) is not int:
        errors.add(field, "must be an integer number of minor units")""",
            ),
        ),
    ),
    Mutant(
        id="amount_string_coerced",
        area="validation",
        rule="amount.string-rejected",
        contract='a string ("100") ... is a 400 VALIDATION_ERROR',
        description='A string of digits ("100") is converted to an integer and accepted.',
        edits=(
            Edit(
                "wallet_api/validation.py",
                r"""    value = body[field]
    if type(value) is not int:
        errors.add(field, "must be an integer number of minor units")""",
                r"""    value = body[field]
    if type(value) is str and value.isdigit():
        value = int(value)
    if type(value) is not int:
        errors.add(field, "must be an integer number of minor units")""",
            ),
        ),
    ),
    Mutant(
        id="amount_boolean_accepted",
        area="validation",
        rule="amount.boolean-rejected",
        contract="a boolean ... is a 400 VALIDATION_ERROR",
        description="The integer check uses isinstance, so true (a Python int) is accepted as amount 1.",
        edits=(
            Edit(
                "wallet_api/validation.py",
                r"""    value = body[field]
    if type(value) is not int:""",
                r"""    value = body[field]
    if not isinstance(value, int):""",
            ),
        ),
    ),
    Mutant(
        id="amount_no_upper_bound",
        area="validation",
        rule="amount.too-large-rejected",
        contract="Valid: 1 <= amount <= 100000000",
        description="Only the lower bound is checked: amounts above 100000000 are accepted.",
        edits=(
            Edit(
                "wallet_api/validation.py",
                r"""    if not MIN_AMOUNT <= value <= MAX_AMOUNT:""",
                r"""    if not MIN_AMOUNT <= value:""",
            ),
        ),
    ),
    Mutant(
        id="currency_case_insensitive",
        area="validation",
        rule="currency.format-rejected",
        contract="Currency: three upper-case letters from SUPPORTED_CURRENCIES; anything else 400 VALIDATION_ERROR",
        description='The currency is upper-cased before the check: "eur" is accepted as EUR.',
        edits=(
            Edit(
                "wallet_api/validation.py",
                r"""    value = body["currency"]
    if type(value) is not str or value not in supported:""",
                r"""    value = body["currency"]
    if type(value) is str:
        value = value.upper()
    if type(value) is not str or value not in supported:""",
            ),
        ),
    ),
    Mutant(
        id="errors_first_field_only",
        area="validation",
        rule="errors.validation-lists-every-field",
        contract='VALIDATION_ERROR adds "errors": [{"field", "message"}] naming every offending field',
        description="A VALIDATION_ERROR lists only the first offending field.",
        edits=(
            Edit(
                "wallet_api/errors.py",
                r"""            raise validation_error(self.items)""",
                r"""            raise validation_error(self.items[:1])""",
            ),
        ),
    ),
    Mutant(
        id="malformed_json_as_validation",
        area="validation",
        rule="validation.malformed-json",
        contract="Malformed JSON: 400 MALFORMED_JSON",
        description="Malformed JSON is answered 400 VALIDATION_ERROR instead of 400 MALFORMED_JSON.",
        edits=(
            Edit(
                "wallet_api/validation.py",
                r"""        raise ApiError(400, "MALFORMED_JSON", "The request body is not valid JSON.") from exc""",
                r"""        raise ApiError(
            400,
            "VALIDATION_ERROR",
            "The request body is not valid JSON.",
            errors=[{"field": "body", "message": "is not valid JSON"}],
        ) from exc""",
            ),
        ),
    ),
    Mutant(
        id="request_id_missing_on_errors",
        area="validation",
        rule="request-id.echoed-on-errors",
        contract="a request's X-Request-ID header is echoed on every response, errors included",
        description="X-Request-ID is added only to successful responses (status < 400).",
        edits=(
            Edit(
                "wallet_api/http.py",
                r"""                MutableHeaders(scope=message)["X-Request-ID"] = request_id""",
                r"""                if message["status"] < 400:
                    MutableHeaders(scope=message)["X-Request-ID"] = request_id""",
            ),
        ),
    ),
    Mutant(
        id="error_502_leaks_traceback",
        area="validation",
        rule="errors.5xx-no-leak",
        contract="A 5xx body never contains a stack trace, SQL or a file path",
        description="The 502 GATEWAY_ERROR detail carries a debugging stack trace (with file paths).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                body = problem(
                    502, "GATEWAY_ERROR", "The payment gateway failed to process the charge.", transaction_id=str(tx_id)
                )""",
                r"""                trace = "".join(__import__("traceback").format_stack(limit=3))
                body = problem(
                    502, "GATEWAY_ERROR", f"Traceback (most recent call last):\n{trace}", transaction_id=str(tx_id)
                )""",
            ),
        ),
    ),
    Mutant(
        id="path_id_not_uuid_500",
        area="validation",
        rule="ids.path-wallet-not-uuid",
        contract="A path id that is not a UUID gets that resource's 404 (WALLET_NOT_FOUND, "
        "TRANSACTION_NOT_FOUND), never 500",
        description="Ids are no longer pre-checked against the UUID pattern: uuid.UUID() raises on a non-UUID "
        "path id and the answer is 500.",
        edits=(
            Edit(
                "wallet_api/validation.py",
                r"""    if type(value) is not str or not _UUID_RE.fullmatch(value):
        return None
    return uuid.UUID(value)""",
                r"""    if type(value) is not str:
        return None
    return uuid.UUID(value)""",
            ),
        ),
    ),
    Mutant(
        id="order_key_check_after_body",
        area="validation",
        rule="order.idempotency-key-before-body",
        contract="Order of checks: 401 first, then 400 IDEMPOTENCY_KEY_REQUIRED, then 400 MALFORMED_JSON / "
        "VALIDATION_ERROR",
        description="The body is parsed and validated before the Idempotency-Key header is checked: a request "
        "with neither a key nor a valid body gets MALFORMED_JSON/VALIDATION_ERROR.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    key = check_idempotency_key(request.headers.get("idempotency-key"))
    body = parse_body(await read_body(request))
    errors = FieldErrors()
    check_idempotency_key_format(key, errors)
    params = validate(body, errors)
    errors.raise_if_any()
""",
                r"""    body = parse_body(await read_body(request))
    errors = FieldErrors()
    params = validate(body, errors)
    errors.raise_if_any()
    key = check_idempotency_key(request.headers.get("idempotency-key"))
    check_idempotency_key_format(key, errors)
    errors.raise_if_any()
""",
            ),
        ),
    ),
    # ------------------------------------------------------------------------------------------ deposits
    Mutant(
        id="deposit_pending_credited",
        area="deposits",
        rule="deposits.pending",
        contract="202 transaction pending when the gateway says pending (balance unchanged)",
        description="A 202 pending gateway answer is taken for a success: the deposit is credited at once.",
        edits=(
            Edit(
                "wallet_api/gateway.py",
                r"""    if status in (200, 201) and reported == "succeeded":""",
                r"""    if status in (200, 201, 202) and reported in ("succeeded", "pending"):""",
            ),
        ),
    ),
    Mutant(
        id="deposit_decline_code_lost",
        area="deposits",
        rule="deposits.declined",
        contract="402 PAYMENT_DECLINED (transaction recorded failed, failure_code = gateway decline code)",
        description="A declined deposit is recorded with the generic failure_code 'declined' instead of the "
        "gateway's decline_code.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                failure_code = result.decline_code""",
                r'''                failure_code = "declined"''',
            ),
        ),
    ),
    Mutant(
        id="deposit_5xx_as_timeout",
        area="deposits",
        rule="deposits.gateway-error",
        contract="502 GATEWAY_ERROR (gateway 5xx)",
        description="A gateway 5xx is reported as 504 GATEWAY_TIMEOUT instead of 502 GATEWAY_ERROR.",
        edits=(
            Edit(
                "wallet_api/gateway.py",
                r"""    if status >= 500:
        return ChargeResult("error", http_status=status)""",
                r"""    if status >= 500:
        return ChargeResult("timeout", http_status=status)""",
            ),
        ),
    ),
    Mutant(
        id="deposit_timeout_as_error",
        area="deposits",
        rule="deposits.gateway-timeout",
        contract="504 GATEWAY_TIMEOUT (no answer within GATEWAY_TIMEOUT_MS)",
        description="A gateway that does not answer in time is reported as 502 GATEWAY_ERROR instead of 504.",
        edits=(
            Edit(
                "wallet_api/gateway.py",
                r"""        except (TimeoutError, httpx.TimeoutException):
            result = ChargeResult("timeout")""",
                r"""        except (TimeoutError, httpx.TimeoutException):
            result = ChargeResult("error")""",
            ),
        ),
    ),
    Mutant(
        id="gateway_retries_on_5xx",
        area="deposits",
        rule="gateway.no-retry",
        contract="The wallet never retries a charge on its own",
        description="After a gateway 5xx the wallet retries the charge once (same idempotency key).",
        edits=(
            Edit(
                "wallet_api/gateway.py",
                r"""                response = await self.client.post(
                    f"{self.base_url}/v1/charges",
                    content=jsonutil.dumps(payload),
                    headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key},
                )""",
                r"""                for _attempt in range(2):
                    response = await self.client.post(
                        f"{self.base_url}/v1/charges",
                        content=jsonutil.dumps(payload),
                        headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key},
                    )
                    if response.status_code < 500:
                        break""",
            ),
        ),
    ),
    Mutant(
        id="gateway_key_not_owner_prefixed",
        area="deposits",
        rule="gateway.idempotency-key",
        contract="header Idempotency-Key: <the client's key, prefixed by the owner id and a colon>",
        description="The client's Idempotency-Key is forwarded to the gateway without the owner prefix.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            idempotency_key=f"{idem.owner_id}:{idem.key}",""",
                r"""            idempotency_key=idem.key,""",
            ),
        ),
    ),
    Mutant(
        id="gateway_reference_is_wallet",
        area="deposits",
        rule="gateway.charge-request",
        contract='body {"amount", "currency", "payment_token", "reference": "<deposit transaction id>"}',
        description="The charge's reference is the wallet id instead of the deposit transaction id.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            reference=str(pending["id"]),""",
                r"""            reference=str(wallet_id),""",
            ),
        ),
    ),
    Mutant(
        id="deposit_currency_unchecked",
        area="deposits",
        rule="deposits.currency-mismatch",
        contract="POST /v1/wallets/{id}/deposits: 422 CURRENCY_MISMATCH",
        description="A deposit's currency is not compared with the wallet's: a USD deposit credits an EUR wallet.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if wallet["currency"] != currency:
                raise currency_mismatch()
            return await _insert_transaction(""",
                r"""            return await _insert_transaction(""",
            ),
        ),
    ),
    # ----------------------------------------------------------------------------- withdrawals-transfers
    Mutant(
        id="insufficient_funds_writes_row",
        area="withdrawals-transfers",
        rule="withdrawals.insufficient-funds",
        contract="422 INSUFFICIENT_FUNDS (no transaction row, balance unchanged)",
        description="A withdrawal refused for insufficient funds still records a failed withdrawal row.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if wallet["balance"] < amount:
                raise insufficient_funds()
            balance = await _apply_balance(conn, wallet_id, -amount)""",
                r"""            if wallet["balance"] < amount:
                await _insert_transaction(
                    conn, wallet_id=wallet_id, kind="withdrawal", status="failed", amount=amount, currency=currency
                )
                refused = Outcome(422, insufficient_funds().body())
                await idempotency.finish(conn, idem, refused.status, refused.body)
                return refused
            balance = await _apply_balance(conn, wallet_id, -amount)""",
            ),
        ),
    ),
    Mutant(
        id="transfer_same_wallet_allowed",
        area="withdrawals-transfers",
        rule="transfers.same-wallet",
        contract="POST /v1/transfers: 422 SAME_WALLET",
        description="A transfer from a wallet to itself is not refused (201, two legs on one wallet).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if source_id == destination_id:
                raise ApiError(422, "SAME_WALLET", "The source and destination wallets must differ.")
""",
                "",
            ),
        ),
    ),
    Mutant(
        id="transfer_destination_must_be_own",
        area="withdrawals-transfers",
        rule="ownership.transfer-destination-any-owner",
        contract="The one exception: the destination of a transfer may belong to anyone",
        description="A transfer to another owner's wallet is refused with 404 WALLET_NOT_FOUND.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if source is None or destination is None or source["owner_id"] != idem.owner_id:""",
                r"""            if source is None or destination is None or {source["owner_id"], destination["owner_id"]} != {
                idem.owner_id
            }:""",
            ),
        ),
    ),
    Mutant(
        id="transfer_foreign_source_allowed",
        area="withdrawals-transfers",
        rule="ownership.transfer-source",
        contract="404 WALLET_NOT_FOUND (source not the caller's, or either missing)",
        description="The source's owner is not checked: anyone can transfer money out of another owner's wallet.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if source is None or destination is None or source["owner_id"] != idem.owner_id:""",
                r"""            if source is None or destination is None:""",
            ),
        ),
    ),
    Mutant(
        id="transfer_wallet_currencies_unchecked",
        area="withdrawals-transfers",
        rule="transfers.currency-mismatch-wallets",
        contract="422 CURRENCY_MISMATCH (body currency or the two wallets differ)",
        description="Only the source's currency is compared with the body: a EUR->USD transfer goes through.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if source["currency"] != currency or destination["currency"] != currency:""",
                r"""            if source["currency"] != currency:""",
            ),
        ),
    ),
    Mutant(
        id="transfer_in_leg_unpaired",
        area="withdrawals-transfers",
        rule="transfers.legs",
        contract="writes one transfer_out on the source and one transfer_in on the destination, same transfer_id",
        description="The transfer_in leg is written without the transfer_id (legs no longer pair up).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                    transfer_id=transfer_id,
                    counterparty_wallet_id=other,""",
                r"""                    transfer_id=transfer_id if kind == "transfer_out" else None,
                    counterparty_wallet_id=other,""",
            ),
        ),
    ),
    # ----------------------------------------------------------------------------------------- ledger
    Mutant(
        id="transfer_destination_not_credited",
        area="ledger",
        rule="money.balance-equals-ledger",
        contract="a wallet's balance = sum of its succeeded deposit, transfer_in, credit amounts minus its "
        "succeeded withdrawal, transfer_out amounts",
        description="The transfer_in leg is written but the destination's balance is not increased.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                balance = await _apply_balance(conn, wallet_id, delta)
                await _insert_transaction(""",
                r"""                balance = await _apply_balance(conn, wallet_id, min(delta, 0))
                await _insert_transaction(""",
            ),
        ),
    ),
    Mutant(
        id="withdrawal_balance_after_stale",
        area="ledger",
        rule="resources.balance-after",
        contract="balance_after is the wallet balance right after a succeeded transaction",
        description="A withdrawal's balance_after is the balance before the withdrawal.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                kind="withdrawal",
                status="succeeded",
                amount=amount,
                currency=currency,
                balance_after=balance,""",
                r"""                kind="withdrawal",
                status="succeeded",
                amount=amount,
                currency=currency,
                balance_after=wallet["balance"],""",
            ),
        ),
    ),
    # ------------------------------------------------------------------------------------ concurrency
    Mutant(
        id="withdrawal_unlocked_read_modify_write",
        area="concurrency",
        rule="money.concurrent-withdrawals",
        contract="N concurrent withdrawals on one wallet: exactly as many succeed as the balance covers, the rest "
        "get 422 INSUFFICIENT_FUNDS",
        description="A withdrawal reads the wallet without FOR UPDATE and writes back balance - amount computed "
        "from that read: concurrent withdrawals all pass the check and overwrite each other (lost updates).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            wallet = await _wallet_for_update(conn, wallet_id)
            if wallet is None or wallet["owner_id"] != idem.owner_id:
                raise wallet_not_found()""",
                r"""            wallet = await _fetch_one(conn, "SELECT {W} FROM wallets WHERE id = %s", (wallet_id,))
            if wallet is None or wallet["owner_id"] != idem.owner_id:
                raise wallet_not_found()""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""            balance = await _apply_balance(conn, wallet_id, -amount)
            tx = await _insert_transaction(""",
                r"""            row = await _fetch_one(
                conn,
                "UPDATE wallets SET balance = %s WHERE id = %s RETURNING balance",
                (wallet["balance"] - amount, wallet_id),
            )
            assert row is not None
            balance = row["balance"]
            tx = await _insert_transaction(""",
            ),
        ),
    ),
    Mutant(
        id="transfer_source_unlocked",
        area="concurrency",
        rule="money.concurrent-transfers",
        contract="no balance is ever negative; ... N concurrent withdrawals [or transfers] on one wallet: exactly "
        "as many succeed as the balance covers",
        description="A transfer locks only the destination wallet; the source is read without a lock and its new "
        "balance written from that read: concurrent transfers from one wallet all succeed (lost updates).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            for wallet_id in sorted({source_id, destination_id}, key=str):
                locked[wallet_id] = await _wallet_for_update(conn, wallet_id)""",
                r"""            for wallet_id in sorted({source_id, destination_id}, key=str):
                if wallet_id == destination_id:
                    locked[wallet_id] = await _wallet_for_update(conn, wallet_id)
                else:
                    locked[wallet_id] = await _fetch_one(conn, "SELECT {W} FROM wallets WHERE id = %s", (wallet_id,))""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""                balance = await _apply_balance(conn, wallet_id, delta)
                await _insert_transaction(""",
                r"""                if kind == "transfer_out":
                    row = await _fetch_one(
                        conn,
                        "UPDATE wallets SET balance = %s WHERE id = %s RETURNING balance",
                        (source["balance"] - amount, wallet_id),
                    )
                    assert row is not None
                    balance = row["balance"]
                else:
                    balance = await _apply_balance(conn, wallet_id, delta)
                await _insert_transaction(""",
            ),
        ),
    ),
    # ------------------------------------------------------------------------------------ idempotency
    Mutant(
        id="replay_without_header",
        area="idempotency",
        rule="idempotency.replay-header",
        contract="the first response ... is replayed byte-for-byte with header Idempotency-Replayed: true",
        description="A replay answers the stored response without the Idempotency-Replayed header.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""        return json_response(stored.status, stored.body, {"Idempotency-Replayed": "true"})""",
                r"""        return json_response(stored.status, stored.body)""",
            ),
        ),
    ),
    Mutant(
        id="validation_error_stores_key",
        area="idempotency",
        rule="idempotency.400-not-stored",
        contract="A request answered 400 or 401 consumes no key: nothing is stored",
        description="The key is reserved before the field validation is enforced, so a 400 VALIDATION_ERROR is "
        "stored: the corrected request with the same key gets 422 IDEMPOTENCY_KEY_REUSED.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    params = validate(body, errors)
    errors.raise_if_any()

    idem = IdempotencyKey(owner, key, request_hash(request.method, request.scope["path"], body))
    stored = await idempotency.reserve(app.db, idem, app.settings.idempotency_stale_after_s)
    if stored is not None:
        return json_response(stored.status, stored.body, {"Idempotency-Replayed": "true"})
    try:
""",
                r"""    params = validate(body, errors)

    idem = IdempotencyKey(owner, key, request_hash(request.method, request.scope["path"], body))
    stored = await idempotency.reserve(app.db, idem, app.settings.idempotency_stale_after_s)
    if stored is not None:
        return json_response(stored.status, stored.body, {"Idempotency-Replayed": "true"})
    try:
        errors.raise_if_any()
""",
            ),
        ),
    ),
    Mutant(
        id="replay_executes_again",
        area="idempotency",
        rule="idempotency.replay-no-reexecution",
        contract="Nothing is executed again: no second charge at the gateway, no second ledger row, no second event",
        description="A replay runs the operation again (result discarded) before answering the stored response.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    if stored is not None:
        return json_response(stored.status, stored.body, {"Idempotency-Replayed": "true"})""",
                r"""    if stored is not None:
        with contextlib.suppress(ApiError):
            await execute(idem, params)
        return json_response(stored.status, stored.body, {"Idempotency-Replayed": "true"})""",
            ),
        ),
    ),
    Mutant(
        id="replay_not_byte_identical",
        area="idempotency",
        rule="idempotency.replay-byte-identical",
        contract="the first response (status and body ...) is replayed byte-for-byte",
        description="A replay re-serializes the stored body with Python's default JSON separators: same data, "
        "different bytes.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""        return json_response(stored.status, stored.body, {"Idempotency-Replayed": "true"})""",
                r"""        return Response(
            content=__import__("json").dumps(stored.body),
            status_code=stored.status,
            media_type="application/problem+json" if stored.status >= 400 else "application/json",
            headers={"Idempotency-Replayed": "true"},
        )""",
            ),
        ),
    ),
    Mutant(
        id="error_answers_not_stored",
        area="idempotency",
        rule="idempotency.replay-error-response",
        contract="Every other answer is stored ... the first response (status and body, whatever it was, "
        "including 4xx) is replayed",
        description="A 404/422 answer releases the key instead of storing it: the retry executes again and is "
        "answered without Idempotency-Replayed.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""            await idempotency.store(app.db, idem, exc.status, exc.body())""",
                r"""            await idempotency.release(app.db, idem)""",
            ),
        ),
    ),
    Mutant(
        id="hash_ignores_body",
        area="idempotency",
        rule="idempotency.reused-other-body",
        contract="Same owner + same key + different body or path: 422 IDEMPOTENCY_KEY_REUSED",
        description="The request hash covers the method and path only: the same key with another body replays the "
        "first answer instead of 422 IDEMPOTENCY_KEY_REUSED.",
        edits=(
            Edit(
                "wallet_api/idempotency.py",
                r'''    material = f"{method.upper()}\n{path}\n{jsonutil.canonical_text(body)}"''',
                r'''    material = f"{method.upper()}\n{path}"''',
            ),
        ),
    ),
    Mutant(
        id="hash_ignores_path",
        area="idempotency",
        rule="idempotency.reused-other-path",
        contract="Same owner + same key + different body or path: 422 IDEMPOTENCY_KEY_REUSED",
        description="The request hash covers the method and body only: the same key and body on another wallet's "
        "path replays the first answer.",
        edits=(
            Edit(
                "wallet_api/idempotency.py",
                r'''    material = f"{method.upper()}\n{path}\n{jsonutil.canonical_text(body)}"''',
                r'''    material = f"{method.upper()}\n{jsonutil.canonical_text(body)}"''',
            ),
        ),
    ),
    Mutant(
        id="keys_not_scoped_per_owner",
        area="idempotency",
        rule="idempotency.scoped-per-owner",
        contract="Keys are scoped per owner (sub)",
        description="Keys are stored and looked up without the owner: a second owner using the same key gets the "
        "first owner's answer or 422 IDEMPOTENCY_KEY_REUSED.",
        edits=(
            Edit(
                "wallet_api/idempotency.py",
                r"""        (idem.owner_id, idem.key, idem.request_hash),""",
                r"""        ("*", idem.key, idem.request_hash),""",
            ),
            Edit(
                "wallet_api/idempotency.py",
                r"""        (stale_after_s, idem.owner_id, idem.key),""",
                r"""        (stale_after_s, "*", idem.key),""",
            ),
            Edit(
                "wallet_api/idempotency.py",
                r'''            (idem.owner_id, idem.key),
        )
        return "reserved"''',
                r'''            ("*", idem.key),
        )
        return "reserved"''',
            ),
            Edit(
                "wallet_api/idempotency.py",
                r"""        (status, Jsonb(body), idem.owner_id, idem.key),""",
                r"""        (status, Jsonb(body), "*", idem.key),""",
            ),
            Edit(
                "wallet_api/idempotency.py",
                r"""            "DELETE FROM idempotency_keys WHERE owner_id = %s AND key = %s AND status_code IS NULL",
            (idem.owner_id, idem.key),""",
                r"""            "DELETE FROM idempotency_keys WHERE owner_id = %s AND key = %s AND status_code IS NULL",
            ("*", idem.key),""",
            ),
        ),
    ),
    Mutant(
        id="in_use_key_executes",
        area="idempotency",
        rule="idempotency.in-use",
        contract="Same key while the first request is still running: 409 IDEMPOTENCY_KEY_IN_USE",
        description="A key whose first request is still running is taken over instead of answered 409: "
        "concurrent duplicates both execute.",
        edits=(
            Edit(
                "wallet_api/idempotency.py",
                r"""    if row["stale"]:""",
                r"""    if row["stale"] or row["status_code"] is None:""",
            ),
        ),
    ),
    Mutant(
        id="missing_key_allowed",
        area="idempotency",
        rule="idempotency.key-required",
        contract="Header Idempotency-Key ... is required: missing 400 IDEMPOTENCY_KEY_REQUIRED",
        description="A missing Idempotency-Key is replaced by a random one: the request executes.",
        edits=(
            Edit(
                "wallet_api/validation.py",
                r"""    if raw is None or raw == "":
        raise ApiError(400, "IDEMPOTENCY_KEY_REQUIRED", "The Idempotency-Key header is required for this operation.")
    return raw""",
                r"""    if raw is None or raw == "":
        return str(uuid.uuid4())
    return raw""",
            ),
        ),
    ),
    # ---------------------------------------------------------------------------------------- history
    Mutant(
        id="history_ascending",
        area="history",
        rule="history.order",
        contract="ordered by created_at descending, then id descending",
        description="The history is listed oldest first (and paginated in that order).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                    "SELECT {T} FROM transactions WHERE wallet_id = %s ORDER BY created_at DESC, id DESC LIMIT %s",""",
                r"""                    "SELECT {T} FROM transactions WHERE wallet_id = %s ORDER BY created_at, id LIMIT %s",""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""                "SELECT {T} FROM transactions WHERE wallet_id = %s AND (created_at, id) < (%s, %s) "
                "ORDER BY created_at DESC, id DESC LIMIT %s",""",
                r"""                "SELECT {T} FROM transactions WHERE wallet_id = %s AND (created_at, id) > (%s, %s) "
                "ORDER BY created_at, id LIMIT %s",""",
            ),
        ),
    ),
    Mutant(
        id="cursor_repeats_boundary",
        area="history",
        rule="history.cursor-walk",
        contract="following it visits every transaction exactly once",
        description="The keyset comparison is inclusive: each page starts with the last item of the previous one.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r'''                "SELECT {T} FROM transactions WHERE wallet_id = %s AND (created_at, id) < (%s, %s) "''',
                r'''                "SELECT {T} FROM transactions WHERE wallet_id = %s AND (created_at, id) <= (%s, %s) "''',
            ),
        ),
    ),
    Mutant(
        id="limit_above_100_accepted",
        area="history",
        rule="history.limit-invalid",
        contract="limit 1-100 ... 400 VALIDATION_ERROR (limit not an integer in 1-100)",
        description="limit is accepted up to 1000 (101 is no longer a 400).",
        edits=(
            Edit(
                "wallet_api/validation.py",
                r"""    if not _DIGITS_RE.fullmatch(raw) or not 1 <= int(raw) <= 100:""",
                r"""    if not _DIGITS_RE.fullmatch(raw) or not 1 <= int(raw) <= 1000:""",
            ),
        ),
    ),
    Mutant(
        id="last_page_has_cursor",
        area="history",
        rule="history.last-page",
        contract="next_cursor is null on the last page",
        description="next_cursor is set whenever the page is not empty, also on the last page.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""        if more:
            last = page[-1]""",
                r"""        if page:
            last = page[-1]""",
            ),
        ),
    ),
    Mutant(
        id="invalid_cursor_ignored",
        area="history",
        rule="history.invalid-cursor",
        contract="400 INVALID_CURSOR",
        description="An undecodable cursor is ignored and the first page is answered instead of 400.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    cursor = parse_cursor(raw_cursor, wallet_text) if raw_cursor is not None else None""",
                r"""    cursor = None
    if raw_cursor is not None:
        with contextlib.suppress(ApiError):
            cursor = parse_cursor(raw_cursor, wallet_text)""",
            ),
        ),
    ),
    Mutant(
        id="default_limit_50",
        area="history",
        rule="history.limit-default",
        contract="limit 1-100, default 20",
        description="Without limit, pages hold 50 transactions.",
        edits=(
            Edit(
                "wallet_api/validation.py",
                r"""def parse_limit(raw: str | None, errors: FieldErrors, default: int = 20) -> int:""",
                r"""def parse_limit(raw: str | None, errors: FieldErrors, default: int = 50) -> int:""",
            ),
        ),
    ),
    Mutant(
        id="transaction_get_any_owner",
        area="history",
        rule="ownership.transaction-get",
        contract="GET /v1/transactions/{id}: 200 transaction, when it belongs to one of the caller's wallets; "
        "404 TRANSACTION_NOT_FOUND",
        description="GET /v1/transactions/{id} does not check the owner: any transaction id is readable.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                "WHERE t.id = %s AND w.owner_id = %s",""",
                r"""                "WHERE t.id = %s AND %s::text IS NOT NULL",""",
            ),
        ),
    ),
    Mutant(
        id="history_foreign_wallet",
        area="history",
        rule="ownership.history",
        contract="a wallet that ... belongs to another owner is answered exactly as a wallet that does not exist",
        description="The history of another owner's wallet is listed (the ownership check only tests existence).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                conn, "SELECT 1 AS one FROM wallets WHERE id = %s AND owner_id = %s", (wallet_id, owner_id)""",
                r"""                conn, "SELECT 1 AS one FROM wallets WHERE id = %s AND %s::text IS NOT NULL", (wallet_id, owner_id)""",
            ),
        ),
    ),
    # ----------------------------------------------------------------------------------------- events
    Mutant(
        id="event_not_persistent",
        area="events",
        rule="events.properties",
        contract="content_type=application/json, delivery_mode=2, message_id = event id, type = event type",
        description="Events are published with delivery_mode=1 (transient).",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,""",
                r"""                delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT,""",
            ),
        ),
    ),
    Mutant(
        id="event_routing_key_aggregate",
        area="events",
        rule="events.routing-key",
        contract="routing key = event type",
        description="Events are routed by their aggregate (deposit, withdrawal, ...) instead of the event type.",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""                await exchange.publish(message, routing_key=row["routing_key"], mandatory=False, timeout=5)""",
                r"""                await exchange.publish(
                    message, routing_key=row["routing_key"].split(".")[0], mandatory=False, timeout=5
                )""",
            ),
        ),
    ),
    Mutant(
        id="rejected_transfer_emits_event",
        area="events",
        rule="events.none-on-rejection",
        contract="Exactly one event per state change ...; none for a rejected request (4xx other than 402). Every "
        "event is first written to outbox in the same database transaction as the change it describes",
        description="transfer.succeeded is written to the outbox in its own transaction before the balance check: "
        "a transfer refused with INSUFFICIENT_FUNDS still emits it.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if source["balance"] < amount:
                raise insufficient_funds()
            transfer_id = uuid.uuid4()""",
                r"""            transfer_id = uuid.uuid4()
            event = {
                "transfer_id": str(transfer_id),
                "source_wallet_id": str(source_id),
                "destination_wallet_id": str(destination_id),
                "amount": amount,
                "currency": currency,
            }
            await self.db.transaction(lambda own: models.emit(own, "transfer.succeeded", event))
            if source["balance"] < amount:
                raise insufficient_funds()""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""            await models.emit(
                conn,
                "transfer.succeeded",
                {
                    "transfer_id": str(transfer_id),
                    "source_wallet_id": str(source_id),
                    "destination_wallet_id": str(destination_id),
                    "amount": amount,
                    "currency": currency,
                },
            )
""",
                "",
            ),
        ),
    ),
    Mutant(
        id="replay_emits_event",
        area="events",
        rule="events.none-on-replay",
        contract="none for an idempotent replay",
        description="A replayed successful withdrawal or deposit re-publishes its event (a new outbox row).",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    if stored is not None:
        return json_response(stored.status, stored.body, {"Idempotency-Replayed": "true"})""",
                r"""    if stored is not None:
        done = stored.body if stored.status == 201 and isinstance(stored.body, dict) else {}
        if done.get("type") in ("deposit", "withdrawal"):
            data = {
                "wallet_id": done["wallet_id"],
                "owner_id": owner,
                "transaction_id": done["id"],
                "amount": done["amount"],
                "currency": done["currency"],
                "balance_after": done["balance_after"],
            }
            await app.db.transaction(lambda conn: models.emit(conn, f"{done['type']}.succeeded", data))
            app.broker.wake()
        return json_response(stored.status, stored.body, {"Idempotency-Replayed": "true"})""",
            ),
            Edit(
                "wallet_api/routes.py",
                r"""from . import idempotency, jsonutil""",
                r"""from . import idempotency, jsonutil, models""",
            ),
        ),
    ),
    Mutant(
        id="deposit_failed_not_emitted",
        area="events",
        rule="events.deposit-failed",
        contract="deposit.failed (for 402/502/504) ... failed webhook: deposit.failed",
        description="A failed deposit (declined, gateway error or timeout, failed webhook) emits no event.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""    await models.emit(conn, "deposit.failed", models.deposit_failed_data(wallet, row))
""",
                "",
            ),
        ),
    ),
    Mutant(
        id="published_at_never_set",
        area="events",
        rule="outbox.published-at",
        contract="published_at is set once the broker confirmed it",
        description="The publisher remembers the events it sent in memory instead of setting outbox.published_at: "
        "events are delivered, the outbox never records it (and a restart would publish everything again).",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""POLL_INTERVAL_S = 1.0
""",
                r"""POLL_INTERVAL_S = 1.0
_SENT: set[uuid.UUID] = set()
""",
            ),
            Edit(
                "wallet_api/broker.py",
                r"""            "SELECT id, type, routing_key, payload FROM outbox WHERE published_at IS NULL "
            "ORDER BY created_at, id LIMIT %s FOR UPDATE SKIP LOCKED",
            (PUBLISH_BATCH,),""",
                r"""            "SELECT id, type, routing_key, payload FROM outbox WHERE published_at IS NULL "
            "AND NOT (id = ANY(%s::uuid[])) ORDER BY created_at, id LIMIT %s FOR UPDATE SKIP LOCKED",
            (list(_SENT), PUBLISH_BATCH),""",
            ),
            Edit(
                "wallet_api/broker.py",
                r"""            await conn.execute("UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY(%s)", (confirmed,))""",
                r"""            _SENT.update(confirmed)""",
            ),
        ),
    ),
    # --------------------------------------------------------------------------------------- commands
    Mutant(
        id="command_redelivery_credits_twice",
        area="commands",
        rule="commands.once-per-id",
        contract="credits the wallet ... once per command id however often it is delivered",
        description="processed_commands is upserted, so a redelivered command credits the wallet again.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                "ON CONFLICT (id) DO NOTHING RETURNING id",""",
                r"""                "ON CONFLICT (id) DO UPDATE SET processed_at = clock_timestamp() RETURNING id",""",
            ),
        ),
    ),
    Mutant(
        id="invalid_command_requeued",
        area="commands",
        rule="commands.invalid-unknown-type",
        contract="An invalid one ... is rejected without requeue, so it lands in wallet.commands.dlq",
        description="Invalid commands are treated as transient failures and requeued (never dead-lettered).",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""                log, logging.WARNING, "command rejected to the DLQ", reason=str(exc), message_id=message.message_id
            )
            await self._settle(message, "reject")""",
                r"""                log, logging.WARNING, "command rejected to the DLQ", reason=str(exc), message_id=message.message_id
            )
            await asyncio.sleep(0.5)
            await self._settle(message, "requeue")""",
            ),
        ),
    ),
    Mutant(
        id="invalid_command_acked",
        area="commands",
        rule="commands.invalid-not-json",
        contract="An invalid one (not JSON, unknown type, unknown wallet, bad amount, currency mismatch) is "
        "rejected without requeue, so it lands in wallet.commands.dlq",
        description="Invalid commands are acked and dropped: nothing reaches the dead-letter queue.",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""                log, logging.WARNING, "command rejected to the DLQ", reason=str(exc), message_id=message.message_id
            )
            await self._settle(message, "reject")""",
                r"""                log, logging.WARNING, "command rejected to the DLQ", reason=str(exc), message_id=message.message_id
            )
            await self._settle(message, "ack")""",
            ),
        ),
    ),
    Mutant(
        id="command_currency_unchecked",
        area="commands",
        rule="commands.invalid-currency",
        contract="An invalid one (... currency mismatch) is rejected without requeue",
        description="A credit command in another currency than the wallet's is applied instead of dead-lettered.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if wallet["currency"] != currency:
                raise InvalidCommandError("currency mismatch")
""",
                "",
            ),
        ),
    ),
    Mutant(
        id="consumer_stops_after_invalid",
        area="commands",
        rule="commands.keeps-consuming",
        contract="An invalid one ... lands in wallet.commands.dlq, and the service keeps consuming",
        description="After dead-lettering an invalid command the consumer cancels itself: later commands are "
        "never applied.",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""                log, logging.WARNING, "command rejected to the DLQ", reason=str(exc), message_id=message.message_id
            )
            await self._settle(message, "reject")""",
                r"""                log, logging.WARNING, "command rejected to the DLQ", reason=str(exc), message_id=message.message_id
            )
            await self._settle(message, "reject")
            with contextlib.suppress(Exception):
                await message.channel.basic_cancel(message.consumer_tag)""",
            ),
        ),
    ),
    Mutant(
        id="dlq_not_bound",
        area="commands",
        rule="commands.topology",
        contract="dead-letter exchange wallet.commands.dlx (fanout) into durable queue wallet.commands.dlq",
        description="The DLQ is declared but never bound to the dead-letter exchange: rejected commands vanish.",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""    await dlq.bind(dlx, routing_key="")
""",
                "",
            ),
        ),
    ),
    # --------------------------------------------------------------------------------------- webhooks
    Mutant(
        id="webhook_missing_signature_accepted",
        area="webhooks",
        rule="webhooks.missing-signature",
        contract="POST /v1/webhooks/payment-gateway: 401 INVALID_SIGNATURE ... The signature is checked first",
        description="The signature is only checked when the header is present: an unsigned webhook settles.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    if not _signature_valid(app.settings.webhook_secret, raw, request.headers.get("x-gateway-signature")):""",
                r"""    signature = request.headers.get("x-gateway-signature")
    if signature is not None and not _signature_valid(app.settings.webhook_secret, raw, signature):""",
            ),
        ),
    ),
    Mutant(
        id="webhook_signature_not_verified",
        area="webhooks",
        rule="webhooks.invalid-signature",
        contract="X-Gateway-Signature: sha256=<hex HMAC-SHA256 of the raw body with GATEWAY_WEBHOOK_SECRET> ... "
        "401 INVALID_SIGNATURE",
        description="Any header of the form sha256=<64 hex digits> is accepted; the HMAC is never compared.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    return hmac.compare_digest(header[len("sha256=") :].strip().lower().encode(), expected.encode())""",
                r"""    return len(header[len("sha256=") :].strip()) == len(expected)""",
            ),
        ),
    ),
    Mutant(
        id="webhook_repeat_credits_twice",
        area="webhooks",
        rule="webhooks.repeat-no-change",
        contract="a repeated webhook for an already settled charge is 200 and changes nothing",
        description="The settled-state check is gone: every repeated succeeded webhook credits the deposit again.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if tx["status"] != "pending":
                return {"result": "already_settled", "transaction_id": str(tx["id"]), "status": tx["status"]}
""",
                "",
            ),
        ),
    ),
    Mutant(
        id="webhook_unknown_charge_ok",
        area="webhooks",
        rule="webhooks.charge-not-found",
        contract="404 CHARGE_NOT_FOUND",
        description="A webhook for an unknown charge is answered 200 (ignored) instead of 404 CHARGE_NOT_FOUND.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if tx is None:
                raise ApiError(404, "CHARGE_NOT_FOUND", "No deposit is known for this charge id.")""",
                r"""            if tx is None:
                return {"result": "ignored", "transaction_id": None, "status": None}""",
            ),
        ),
    ),
    Mutant(
        id="webhook_failure_code_ignored",
        area="webhooks",
        rule="webhooks.settle-failed",
        contract="a failed webhook sets the transaction's failure_code",
        description="A failed webhook records the generic failure_code 'payment_failed' instead of the gateway's.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                tx = await _settle_failed(conn, wallet, tx, failure_code or "payment_failed", charge_id)""",
                r"""                tx = await _settle_failed(conn, wallet, tx, "payment_failed", charge_id)""",
            ),
        ),
    ),
    # ------------------------------------------------------------------------------------- resilience
    Mutant(
        id="health_always_ok",
        area="resilience",
        rule="health.broker-down",
        contract='GET /health: 503 same shape, "status":"degraded", failing check "down"',
        description="/health answers 200 ok whatever the state of the database and the broker.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    checks = {"database": "ok" if database_ok else "down", "broker": "ok" if broker_ok else "down"}
    healthy = database_ok and broker_ok""",
                r"""    checks = {"database": "ok", "broker": "ok"}
    healthy = True""",
            ),
        ),
    ),
    Mutant(
        id="broker_down_requests_fail",
        area="resilience",
        rule="resilience.broker-down-commits",
        contract="when the broker is unreachable, changes still commit and their events are published once it is back",
        description="Money requests are refused with 503 while the broker connection is down.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    idem = IdempotencyKey(owner, key, request_hash(request.method, request.scope["path"], body))
    stored = await idempotency.reserve(app.db, idem, app.settings.idempotency_stale_after_s)""",
                r"""    if not app.broker.healthy:
        raise ApiError(503, "SERVICE_UNAVAILABLE", "The event broker is unavailable; retry later.")
    idem = IdempotencyKey(owner, key, request_hash(request.method, request.scope["path"], body))
    stored = await idempotency.reserve(app.db, idem, app.settings.idempotency_stale_after_s)""",
            ),
        ),
    ),
    Mutant(
        id="broker_backlog_dropped",
        area="resilience",
        rule="resilience.no-event-lost",
        contract="when the broker is unreachable, changes still commit and their events are published once it is "
        "back (no event is lost)",
        description="On reconnect the publisher skips the backlog (marks it published) to avoid a burst: events "
        "of changes made while the broker was away are lost.",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""            self._channels = [publish_channel, consume_channel]
            self._ready = established = True""",
                r"""            self._channels = [publish_channel, consume_channel]
            with contextlib.suppress(Exception):
                await self.db.transaction(
                    lambda conn: conn.execute(
                        "UPDATE outbox SET published_at = clock_timestamp() WHERE published_at IS NULL "
                        "AND created_at < clock_timestamp() - interval '1 second'"
                    )
                )
            self._ready = established = True""",
            ),
        ),
    ),
    Mutant(
        id="db_connection_loss_not_retried",
        area="resilience",
        rule="resilience.database-reconnect",
        contract="(issue 4, item 12) the wallet's database connections killed, the next requests succeed",
        description="A killed database connection is not detected as retryable: the next requests fail with 500 "
        "until the pool has replaced every dead connection.",
        edits=(
            Edit(
                "wallet_api/db.py",
                r"""    return state is None or state in {"57P01", "57P02", "57P03"} or state.startswith("08")""",
                r"""    return state in {"57P02", "57P03"}""",
            ),
        ),
    ),
)

# Issue 11 (area `model`, in their own modules): caught by the seeded model workload, not by the examples.
MUTANTS += RACE_MUTANTS + LIMIT_MUTANTS + FAULT_MUTANTS + VARIANTS


def by_id() -> dict[str, Mutant]:
    """The mutants indexed by id."""
    return {mutant.id: mutant for mutant in MUTANTS}
