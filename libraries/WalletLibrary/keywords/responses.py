"""Assertions on answers: statuses, RFC 9457 problems, replays, request ids, fields (contract section 2)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from robot.api.deco import keyword

from .. import matcher
from ..contract import leaks_in
from ..routes import ApiResponse, wallet_id
from . import LibraryComponent

PROBLEM_FIELDS = ("type", "title", "detail", "code")


def _media_type(response: ApiResponse) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


class ResponseKeywords(LibraryComponent):
    """Responses. Every answer is also validated against `contracts/openapi.yaml` as it arrives."""

    @keyword("Response Status Should Be")
    def response_status_should_be(self, response: ApiResponse, status: int) -> None:
        """Fails unless the response has this HTTP status (the message shows the body).

        | Response Status Should Be | ${response} | 201 |
        """
        response.expect(status)

    @keyword("Response Should Be Problem")
    def response_should_be_problem(self, response: ApiResponse, status: int, code: str) -> dict:
        """Fails unless the response is `application/problem+json` with this status and `code`; returns the
        problem body.

        | Response Should Be Problem | ${response} | 422 | INSUFFICIENT_FUNDS |
        """
        if response.status != status or response.code != code:
            raise AssertionError(
                f"{response.method} {response.path}: expected problem {status} {code}, got {response.status} "
                f"{response.code}: {response.text[:500]}"
            )
        if _media_type(response) != "application/problem+json":
            raise AssertionError(f"expected Content-Type application/problem+json, got {_media_type(response)!r}")
        return response.json

    @keyword("Response Should Be This Problem")
    def response_should_be_this_problem(self, response: ApiResponse, problem: str) -> dict:
        """`Response Should Be Problem` with the status and code given together: `422 SAME_WALLET`.

        | Response Should Be This Problem | ${response} | 404 WALLET_NOT_FOUND |
        """
        status, _, code = problem.partition(" ")
        return self.response_should_be_problem(response, int(status), code.strip())

    @keyword("Response Should Be An Rfc 9457 Problem")
    def response_should_be_an_rfc_9457_problem(
        self, response: ApiResponse, status: int | None = None, code: str | None = None
    ) -> dict:
        """Fails unless the response is `application/problem+json` with the string fields `type`, `title`,
        `detail`, a non-empty `code`, and `status` equal to the HTTP status (and, when given, this status
        and code). Returns the problem body.

        | Response Should Be An Rfc 9457 Problem | ${response} | 400 | VALIDATION_ERROR |
        """
        if response.status < 400:
            raise AssertionError(f"{response}: expected an error status (4xx/5xx), got {response.status}")
        self.response_should_be_json(response, "application/problem+json")
        body = response.json
        if not isinstance(body, dict):
            raise AssertionError(f"{response}: a problem body is a JSON object, got {response.text[:300]}")
        problems = [
            f"{name}: expected a string, got {body.get(name, '<missing>')!r}"
            for name in PROBLEM_FIELDS
            if not isinstance(body.get(name), str)
        ]
        if body.get("code") == "":
            problems.append("code: expected a non-empty string, got ''")
        if isinstance(body.get("status"), bool) or body.get("status") != response.status:
            problems.append(
                f"status: expected {response.status} (the HTTP status), got {body.get('status', '<missing>')!r}"
            )
        if problems:
            raise AssertionError(f"{response}: not an RFC 9457 problem:\n{matcher.bullet_list(problems)}")
        if status is not None:
            self.response_should_be_problem(response, status, str(code))
        return body

    @keyword("Response Should Be Json")
    def response_should_be_json(self, response: ApiResponse, media_type: str = "application/json") -> None:
        """Fails unless the response's `Content-Type` (parameters ignored) is `media_type` and the body is
        JSON.

        | Response Should Be Json | ${response} |
        """
        if _media_type(response) != media_type.lower():
            raise AssertionError(
                f"{response}: expected Content-Type {media_type}, got {_media_type(response) or '(none)'!r}"
            )
        if response.json is None:
            raise AssertionError(f"{response}: body is not JSON: {response.text[:300]}")

    @keyword("Response Should Be Validation Error Naming")
    def response_should_be_validation_error_naming(self, response: ApiResponse, *fields: str) -> None:
        """Fails unless the response is `400 VALIDATION_ERROR` whose `errors[].field` name every given field
        (they may name more).

        | Response Should Be Validation Error Naming | ${response} | amount | currency |
        """
        body = self.response_should_be_problem(response, 400, "VALIDATION_ERROR")
        named = [str(item.get("field")) for item in body.get("errors", []) if isinstance(item, dict)]
        missing = [name for name in fields if name not in named]
        if missing:
            raise AssertionError(f"errors[] should name {list(fields)}; missing {missing}; named: {named}")

    @keyword("Responses Should Be The Same Problem")
    def responses_should_be_the_same_problem(self, response: ApiResponse, other: ApiResponse) -> None:
        """Fails unless both responses are the same problem: status, Content-Type, `type`, `title`, `code`
        and `status` equal (`detail` may differ): another owner's wallet is answered as a missing one.

        | Responses Should Be The Same Problem | ${theirs} | ${missing} |
        """
        first, second = response.json or {}, other.json or {}
        pairs = [("status", response.status, other.status), ("Content-Type", _media_type(response), _media_type(other))]
        pairs += [(name, first.get(name), second.get(name)) for name in ("type", "title", "code", "status")]
        problems = [f"{name}: {a!r} vs {b!r}" for name, a, b in pairs if a != b]
        if problems:
            raise AssertionError(f"{response} and {other} are not the same problem:\n{matcher.bullet_list(problems)}")

    @keyword("Response Should Not Leak Internals")
    def response_should_not_leak_internals(self, response: ApiResponse) -> None:
        """Fails when the body contains a stack trace, SQL or a file path (checked on every 5xx anyway).

        | Response Should Not Leak Internals | ${response} |
        """
        leaks = leaks_in(response.text)
        if leaks:
            raise AssertionError(f"{response} body leaks internals ({', '.join(leaks)}): {response.text[:500]}")

    @keyword("Response Should Require A Bearer Token")
    def response_should_require_a_bearer_token(self, response: ApiResponse) -> None:
        """Fails unless the response is `401 UNAUTHORIZED` with a `WWW-Authenticate: Bearer` challenge.

        | Response Should Require A Bearer Token | ${response} |
        """
        self.response_should_be_problem(response, 401, "UNAUTHORIZED")
        challenge = response.headers.get("WWW-Authenticate", "")
        if not challenge.lower().startswith("bearer"):
            raise AssertionError(f"WWW-Authenticate: expected a Bearer challenge, got {challenge!r}")

    @keyword("Response Should Be A Replay Of")
    def response_should_be_a_replay_of(self, replay: ApiResponse, original: ApiResponse) -> None:
        """Fails unless `replay` repeats `original` byte for byte (status and body) with
        `Idempotency-Replayed: true`.

        | Response Should Be A Replay Of | ${replay} | ${response} |
        """
        problems = []
        if replay.status != original.status:
            problems.append(f"status: expected {original.status}, got {replay.status}")
        if replay.body != original.body:
            problems.append(f"body differs:\n    original: {original.text[:800]}\n    replay:   {replay.text[:800]}")
        if not replay.replayed:
            problems.append(
                f"header Idempotency-Replayed: expected 'true', got {replay.headers.get('Idempotency-Replayed')!r}"
            )
        if problems:
            raise AssertionError(f"Not a byte-identical replay:\n{matcher.bullet_list(problems)}")

    @keyword("Response Should Not Be A Replay")
    def response_should_not_be_a_replay(self, response: ApiResponse) -> None:
        """Fails when the response carries `Idempotency-Replayed: true`.

        | Response Should Not Be A Replay | ${second} |
        """
        if response.replayed:
            raise AssertionError(f"{response} should be a fresh answer, got Idempotency-Replayed: true")

    @keyword("Response Should Carry Request Id")
    def response_should_carry_request_id(self, response: ApiResponse, expected: str | None = None) -> str:
        """Fails unless the response has an `X-Request-ID` (equal to `expected` when given); returns it.

        | ${generated} = | Response Should Carry Request Id | ${response} |
        """
        actual = response.request_id
        if not actual or (expected is not None and actual != expected):
            raise AssertionError(f"X-Request-ID: expected {expected or 'a generated id'!r}, got {actual!r}")
        return actual

    @keyword("Response Should Point At Wallet")
    def response_should_point_at_wallet(self, response: ApiResponse, wallet: Mapping[str, Any]) -> None:
        """Fails unless the `Location` header of a `POST /v1/wallets` answer is `/v1/wallets/{id}` of the
        wallet (an absolute URL ending so is accepted too).

        | Response Should Point At Wallet | ${response} | ${response.json} |
        """
        location = response.headers.get("Location", "")
        if not re.fullmatch(rf"(https?://[^/]+)?/v1/wallets/{re.escape(wallet_id(wallet))}", location):
            raise AssertionError(f"Location: expected /v1/wallets/{wallet_id(wallet)}, got {location!r}")

    @keyword("Fields Should Match")
    def fields_should_match(self, actual: Mapping[str, Any], **expected: Any) -> None:
        """Fails unless every `name=value` matches that field of the JSON object (`amount=500` the number,
        `transfer_id=null` null, `status=succeeded` a string); reports every difference at once.

        | Fields Should Match | ${response.json} | type=deposit | amount=1050 | balance_after=null |
        """
        matcher.should_match(actual, expected)

    @keyword("Objects Should Agree On")
    def objects_should_agree_on(self, actual: Mapping[str, Any], expected: Mapping[str, Any], *fields: str) -> None:
        """Fails unless `actual` has the same value as `expected` for every named field (e.g. a transaction
        read back against the one a request returned).

        | Objects Should Agree On | ${read_back} | ${deposit} | id | amount | status |
        """
        matcher.should_match(actual, {name: expected[name] for name in fields})

    @keyword("Response Statuses Should Be")
    def response_statuses_should_be(self, responses: Sequence[ApiResponse], **counts: int) -> None:
        """Fails unless the responses have exactly these status counts, e.g. `201=3    422=2`.

        | Response Statuses Should Be | ${responses} | 201=${covered} | 422=${refused} |
        """
        actual: dict[str, int] = {}
        for response in responses:
            actual[str(response.status)] = actual.get(str(response.status), 0) + 1
        expected = {status: int(count) for status, count in counts.items() if int(count)}
        if actual != expected:
            raise AssertionError(f"status counts: expected {expected}, got {actual}")

    @keyword("Bodies Of Responses With Status")
    def bodies_of_responses_with_status(self, responses: Sequence[ApiResponse], status: int) -> list:
        """The JSON bodies of the responses with this HTTP status, in order.

        | ${withdrawals} = | Bodies Of Responses With Status | ${responses} | 201 |
        """
        return [response.json for response in responses if response.status == status]

    @keyword("Responses With Status Should Be Problem")
    def responses_with_status_should_be_problem(self, responses: Sequence[ApiResponse], status: int, code: str) -> None:
        """Fails unless every response with HTTP `status` is the problem `code`.

        | Responses With Status Should Be Problem | ${responses} | 422 | INSUFFICIENT_FUNDS |
        """
        for response in responses:
            if response.status == status:
                self.response_should_be_problem(response, status, code)

    @keyword("The Response With Status")
    def the_response_with_status(self, responses: Sequence[ApiResponse], status: int) -> ApiResponse:
        """The one response of `responses` with HTTP `status` (fails unless exactly one has it).

        | ${winner} = | The Response With Status | ${responses} | 201 |
        """
        matching = [response for response in responses if response.status == status]
        if len(matching) != 1:
            raise AssertionError(f"expected exactly one response with status {status}, got {len(matching)}")
        return matching[0]
