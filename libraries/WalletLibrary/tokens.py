"""Bearer tokens of every kind the tests need, minted with `${JWT_SECRET}` (never leaving the library)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
import warnings
from typing import Any, Literal

import jwt

TokenKind = Literal[
    "valid",
    "expired",
    "bad_signature",
    "tampered",
    "alg_none",
    "malformed",
    "missing",
    "no_sub",
    "no_exp",
    "empty_sub",
    "wrong_scheme",
    "empty_bearer",
]
TOKEN_KINDS: tuple[str, ...] = TokenKind.__args__  # type: ignore[attr-defined]
LIFETIME_S = 900


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def authorization(owner: str | None, kind: str, secret: str, lifetime: int = LIFETIME_S) -> str | None:
    """The `Authorization` header value of a token of `kind` for `owner` (None: no header).

    Kinds: `valid`, `expired`, `bad_signature` (another key), `tampered` (claims changed after signing),
    `alg_none` (unsigned), `malformed` (not a JWT), `missing` (no header), `no_sub`, `no_exp`, `empty_sub`,
    `wrong_scheme` (`Basic <valid jwt>`), `empty_bearer` (`Bearer ` alone).
    """
    if kind not in TOKEN_KINDS:
        raise AssertionError(f"unknown token kind {kind!r}: use one of {', '.join(TOKEN_KINDS)}")
    if kind == "missing":
        return None
    if kind == "malformed":
        return "Bearer not-a-jwt." + uuid.uuid4().hex
    if kind == "empty_bearer":
        return "Bearer "
    if owner is None and kind != "no_sub":
        raise AssertionError(f"a {kind} token needs an owner id")
    now = int(time.time())
    claims: dict[str, Any] = {"sub": owner, "iat": now, "exp": now + lifetime}
    if kind == "expired":
        claims.update(iat=now - 1200, exp=now - 600)
    elif kind == "no_sub":
        claims.pop("sub")
    elif kind == "no_exp":
        claims.pop("exp")
    elif kind == "empty_sub":
        claims["sub"] = ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "alg_none":
            token = f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{_b64(json.dumps(claims).encode())}."
        elif kind == "bad_signature":
            token = jwt.encode(claims, "wrong-" + hashlib.sha256(secret.encode()).hexdigest(), algorithm="HS256")
        elif kind == "tampered":
            head, _, signature = jwt.encode({**claims, "sub": f"{owner}-x"}, secret, algorithm="HS256").split(".")
            token = f"{head}.{_b64(json.dumps(claims).encode())}.{signature}"
        else:
            token = jwt.encode(claims, secret, algorithm="HS256")
    return f"{'Basic' if kind == 'wrong_scheme' else 'Bearer'} {token}"
