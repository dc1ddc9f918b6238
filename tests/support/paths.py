"""Where things are: the checkout, the shared data beside it, the samples, the installed command."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "samples"
SEMSEARCH = ROOT / ".venv" / "bin" / "semsearch"
