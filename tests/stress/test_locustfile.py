"""Pieces of the locustfile, run in a subprocess (importing Locust monkey-patches the whole process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

STRESS_DIR = Path(__file__).resolve().parents[2] / "stress"

PROBE = """
import json, jwt, locustfile
token = locustfile.mint_token("run-1-abc", "s3cret-key", 60)
claims = jwt.decode(token, "s3cret-key", algorithms=["HS256"], options={"require": ["sub", "exp"]})
ledger = locustfile.ClientLedger()
ledger.money["EUR"]["deposited"] += 500
ledger.in_flight["EUR"]["deposit"] += 70
ledger.in_flight["USD"]["withdrawal"] += 30
ledger.counts["deposit_201"] += 1
merged = locustfile.ClientLedger.merge([ledger.snapshot(), ledger.snapshot()])
print(json.dumps({"sub": claims["sub"], "ttl": claims["exp"] - claims["iat"], "merged": merged}))
"""


def test_tokens_verify_as_hs256_and_the_client_ledger_counts_requests_in_flight_as_unknown() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=STRESS_DIR, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["sub"] == "run-1-abc"
    assert probe["ttl"] == 60
    assert probe["merged"]["money"]["EUR"] == {
        "deposited": 1000,
        "withdrawn": 0,
        "unknown_deposited": 140,
        "unknown_withdrawn": 0,
    }
    assert probe["merged"]["money"]["USD"]["unknown_withdrawn"] == 60
    assert probe["merged"]["counts"] == {"deposit_201": 2}
