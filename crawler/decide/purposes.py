"""What the data is for: the purposes every opt-out, policy, terms and image decision is taken for.

The one list. Policy files (schema.json's ``purposes``), opt-out signals, terms clauses, image metadata,
the ``--purpose`` option and the job file's ``purpose:`` all name these; tests/test_options.py checks
schema.json against it.
"""

from __future__ import annotations

from typing import Final

PURPOSES: Final[tuple[str, ...]] = ("search", "archive", "research", "ai-train")
DEFAULT_PURPOSE: Final = "research"
