"""The mutants of the wallet stand-in: each one a small, realistic defect that breaks ONE named contract rule.

Every mutant documents, next to its patch: its id (also the name of its database/vhost `mut_<id>`), the
area of issue 4 it belongs to, the rule it breaks (an id of `contracts/rules.yaml`, quoted from the contract
in `contract`), and what the patch does. Patches are exact search/replace edits of files under
`services/wallet_api/` (see mutants_patch.py); `tests/mutants/test_mutants_apply.py` checks that every
snippet still matches the current stand-in exactly once and that the result compiles.

Ids: lower-case letters, digits and `_`, at most 40 characters (they become PostgreSQL/RabbitMQ names).
Add a mutant by appending it to the module of its area (imported below); never give an id a new meaning.
"""

from __future__ import annotations

from mutants_faults import FAULT_MUTANTS
from mutants_idempotency_history import KEY_MUTANTS
from mutants_messages import MESSAGE_MUTANTS
from mutants_model_limits import LIMIT_MUTANTS
from mutants_model_races import RACE_MUTANTS
from mutants_money import MONEY_MUTANTS
from mutants_outages import OUTAGE_MUTANTS
from mutants_patch import Mutant
from mutants_requests import REQUEST_MUTANTS
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


# The example suites' mutants (one module per group of areas), then issue 11's and 18's (area `model`: caught by
# the seeded model workload, not by the examples) and the correct variants (area `variant`).
MUTANTS: tuple[Mutant, ...] = REQUEST_MUTANTS + MONEY_MUTANTS + KEY_MUTANTS + MESSAGE_MUTANTS + OUTAGE_MUTANTS
MUTANTS += RACE_MUTANTS + LIMIT_MUTANTS + FAULT_MUTANTS + VARIANTS


def by_id() -> dict[str, Mutant]:
    """The mutants indexed by id."""
    return {mutant.id: mutant for mutant in MUTANTS}
