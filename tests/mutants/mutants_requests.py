# ruff: noqa: E501 - the snippets are verbatim code of the stand-in, indentation included
"""Mutants of what a request meets first: wallets (creation, ownership), auth (tokens, who may do what) and
validation (bodies, amounts, currencies, the order of checks). Caught by the example suites.

Part of MUTANTS (mutants_catalog.py, whose docstring says how a mutant is written)."""

from __future__ import annotations

from mutants_patch import Edit, Mutant

REQUEST_MUTANTS: tuple[Mutant, ...] = (
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
)
