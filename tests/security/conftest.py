"""The security suite reuses the adapters' conformance fixtures (one app per adapter)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "_adapters_conftest", Path(__file__).resolve().parents[1] / "adapters" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_adapters = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _adapters
_spec.loader.exec_module(_adapters)

adapter = _adapters.adapter
