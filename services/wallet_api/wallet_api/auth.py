"""Bearer-token authentication: HS256 JWT with required ``sub`` (1-64 chars) and ``exp``."""

from __future__ import annotations

import warnings

import jwt
from jwt.warnings import InsecureKeyLengthWarning
from starlette.requests import Request

from .errors import unauthorized

# A short shared secret is the operator's choice (local stacks use one); it is reported once at start.
warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)

_OPTIONS = {"require": ["exp", "sub"], "verify_signature": True, "verify_exp": True}


def authenticate(request: Request, secret: str) -> str:
    """Return the owner id (``sub``) of a valid bearer token, else raise 401 UNAUTHORIZED."""
    header = request.headers.get("authorization")
    if not header:
        raise unauthorized("The Authorization header is missing; send 'Authorization: Bearer <token>'.")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise unauthorized("The Authorization header must be 'Bearer <token>'.")
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options=_OPTIONS, leeway=0)
    except jwt.ExpiredSignatureError as exc:
        raise unauthorized("The bearer token has expired.") from exc
    except jwt.PyJWTError as exc:
        raise unauthorized("The bearer token is invalid.") from exc
    subject = claims.get("sub")
    if type(subject) is not str or not 1 <= len(subject) <= 64 or any(ord(ch) < 0x20 for ch in subject):
        raise unauthorized("The bearer token's sub claim must be a string of 1-64 characters.")
    return subject
