"""The history as data: every exchange of a workload and every observation the oracle judged, as JSON Lines.

One line per record, `{"record": "run" | "exchange" | "observed", ...}`: the run (seed, budget, clients,
currencies, wallets, fault windows, replay command), each exchange (start and end in seconds since the start,
client, operation, key, request without any token, answer, the fault windows it overlaps) and what was read
once the system was quiet (`observe.Observed`). Written on pass and on fail; `recheck.py` judges a saved
file again with the same checker, offline. Tokens never reach the file: requests carry no `Authorization`
(the transport mints it), and every line is scrubbed of the run's secrets.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from requests.structures import CaseInsensitiveDict

from ..routes import ApiRequest, ApiResponse
from .plan import Op, Plan
from .records import Exchange, Run


def exchange_record(exchange: Exchange, index: int, run: Run) -> dict[str, Any]:
    """One exchange as a JSON-ready dict (no token, no signature header)."""
    request = exchange.request
    response = exchange.response
    return {
        "record": "exchange",
        "n": index,
        "start": round(exchange.started, 4),
        "end": round(exchange.ended, 4),
        "client": exchange.op.client,
        "op": {
            "number": exchange.op.number,
            "kind": exchange.op.kind,
            "variant": exchange.op.variant,
            "ref": exchange.op.ref,
            "statuses": list(exchange.op.statuses),
            "late": exchange.op.late,
            "wallet": exchange.op.wallet,
            "other": exchange.op.other,
            "amount": exchange.op.amount,
        },
        "request": None
        if request is None
        else {
            "method": request.method,
            "path": request.path,
            "owner": request.owner,
            "key": request.idempotency_key,
            "query": {k: v for k, v in dict(request.query).items() if v is not None},
            "body": (request.body or b"").decode("utf-8", "replace") or None,
        },
        "answer": None
        if response is None
        else {
            "status": response.status,
            "replayed": response.replayed,
            "body": response.body.decode("utf-8", "replace"),
            "content_type": response.headers.get("Content-Type", ""),
        },
        "error": exchange.error,
        "note": exchange.note,
        "faults": [w["name"] for w in run.faults if w["start"] <= exchange.ended and exchange.started <= w["end"]],
    }


def write(path: Path, run: Run, observed: dict[str, Any], replay: str, scrub: Callable[[str], str]) -> Path:
    """Writes the run, its exchanges (in the order they started) and the observations to `path`."""
    head = {
        "record": "run",
        "seed": run.plan.seed,
        "budget": run.budget,
        "clients": run.plan.clients,
        "currencies": list(run.plan.currencies),
        "wallets": run.wallets,
        "whale": run.whale,
        "private": run.private,
        "faults": run.faults,
        "replay": replay,
    }
    ordered = sorted(run.exchanges, key=lambda e: e.started)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(scrub(json.dumps(head, default=str)) + "\n")
        for index, exchange in enumerate(ordered):
            handle.write(scrub(json.dumps(exchange_record(exchange, index, run), default=str)) + "\n")
        handle.write(scrub(json.dumps({"record": "observed", **observed}, default=str)) + "\n")
    return path


def records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load(path: Path) -> tuple[Run, dict[str, Any], str]:
    """A saved history back as a `Run` (exchanges with their requests and answers), its observations and
    its replay command."""
    head: dict[str, Any] = {}
    observed: dict[str, Any] = {}
    exchanges = []
    for record in records(path):
        kind = record.pop("record", None)
        if kind == "run":
            head = record
        elif kind == "observed":
            observed = record
        elif kind == "exchange":
            exchanges.append(_exchange(record))
    if not head:
        raise AssertionError(f"{path}: no run record: is this a model history (model-history-*.jsonl)?")
    plan = Plan(head["seed"], head["clients"], tuple(head["currencies"]))
    run = Run(plan, head["budget"], head["wallets"], head["whale"], head["private"], exchanges)
    run.faults = head.get("faults", [])
    return run, observed, head.get("replay", "")


def _exchange(record: dict[str, Any]) -> Exchange:
    op = Op(record["client"], **{**record["op"], "statuses": tuple(record["op"]["statuses"])})
    sent = record["request"]
    request = None
    if sent is not None:
        request = ApiRequest(
            method=sent["method"],
            path=sent["path"],
            owner=sent["owner"],
            body=sent["body"].encode() if sent["body"] is not None else None,
            idempotency_key=sent["key"],
            query=sent["query"],
        )
    exchange = Exchange(op, record["start"], record["end"], request, None, record["error"], record["note"])
    answer = record["answer"]
    if answer is not None and request is not None:
        headers = {"Content-Type": answer["content_type"]}
        if answer["replayed"]:
            headers["Idempotency-Replayed"] = "true"
        exchange.response = ApiResponse(
            answer["status"], "", CaseInsensitiveDict(headers), answer["body"].encode(), request, request.path, None
        )
    return exchange
