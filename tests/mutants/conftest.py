"""The mutant tooling lives beside its tests (tests/mutants/*.py); make it importable by them."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
