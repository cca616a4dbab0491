# ruff: noqa: E501 - the snippets are verbatim code of the stand-in, indentation included
"""Mutants of idempotency keys (replay, in use, other body or path, what is stored) and of the history
(order, cursors, page sizes, lookups). Caught by the example suites.

Part of MUTANTS (mutants_catalog.py, whose docstring says how a mutant is written)."""

from __future__ import annotations

from mutants_patch import Edit, Mutant

KEY_MUTANTS: tuple[Mutant, ...] = (
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
)
