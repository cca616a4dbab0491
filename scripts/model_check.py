"""Re-checks a saved model workload history offline (see libraries/WalletLibrary/model/recheck.py).

.venv/bin/python scripts/model_check.py results/local/latest/model-history-<seed>.jsonl
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "libraries")]

from WalletLibrary.model.recheck import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
