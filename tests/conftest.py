import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest  # noqa: E402


@pytest.fixture
def models_path() -> Path:
    """The shipped models/ folder."""
    return Path(__file__).resolve().parent.parent / "models"
