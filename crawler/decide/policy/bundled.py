"""Where the bundled policies live: the installed package data, else the checkout's ``policies/``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

#: The source of truth in a checkout (and in an editable install).
SOURCE_DIR = Path(__file__).resolve().parents[3] / "policies"


def bundled_dir() -> Path:
    """The folder of bundled ``*.yaml`` policies, for a wheel install or a source checkout."""
    try:  # a wheel maps policies/ to the (namespace) package crawler.policies (see pyproject)
        spec = importlib.util.find_spec("crawler.policies")
    except ModuleNotFoundError:
        spec = None
    locations = list(spec.submodule_search_locations or ()) if spec else []
    packaged = Path(locations[0]) if locations else None
    if packaged is not None and any(packaged.glob("*.yaml")):
        return packaged
    if SOURCE_DIR.is_dir():
        return SOURCE_DIR
    raise FileNotFoundError(
        f"bundled policies not found (looked in the package crawler.policies and {SOURCE_DIR}) — reinstall civilcrawl"
    )
