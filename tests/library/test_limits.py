"""contracts/limits.yaml and suites/boundaries/limits.robot agree: every limit, where it applies, has one test."""

from __future__ import annotations

from pathlib import Path

from robot.api import Token, get_model
from robot.api.parsing import ModelVisitor
from WalletLibrary.keywords.boundaries import limits, points

ROOT = Path(__file__).resolve().parents[2]


class Rows(ModelVisitor):
    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []

    def visit_TemplateArguments(self, node: object) -> None:
        values = [token.value for token in node.get_tokens(Token.ARGUMENT)]  # type: ignore[attr-defined]
        self.rows.append((values[0], values[1]))


def test_every_limit_has_one_test_where_it_applies() -> None:
    visitor = Rows()
    visitor.visit(get_model(str(ROOT / "suites" / "boundaries" / "limits.robot")))
    wanted = sorted((name, where) for name, row in limits().items() for where in row["where"])
    assert sorted(visitor.rows) == wanted


def test_the_values_are_at_just_inside_and_just_outside_each_bound() -> None:
    assert points({"min": 1, "max": 100}) == [
        (0, False, "just outside"),
        (1, True, "at"),
        (2, True, "just inside"),
        (99, True, "just inside"),
        (100, True, "at"),
        (101, False, "just outside"),
    ]
    assert points({"min": 3, "max": 3}) == [(2, False, "just outside"), (3, True, "at"), (4, False, "just outside")]
    assert points({"inside": 30, "outside": -30}) == [(30, True, "inside"), (-30, False, "outside")]
