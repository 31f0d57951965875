"""Make the repo-root ``rcl_demo`` package importable: it is run with ``python -m`` from the
repo root and is not part of the installed distribution."""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
