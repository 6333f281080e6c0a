"""The distribution ships every package, the JSON Schema and the bundled policies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.relative_to(ROOT).parts) for p in (ROOT / "crawler").rglob("*")
             if p.is_dir() and p.name != "__pycache__" and any(p.glob("*.py"))} | {"crawler"}
    assert found | {"crawler.policies"} == listed, "add new packages to [tool.setuptools] packages"
    for name in found:
        assert (ROOT / name.replace(".", "/") / "__init__.py").exists(), f"{name} needs an __init__.py"


def test_bundled_policies_and_schema_are_found():
    from crawler.decide.policy import bundled_dir, load_policy_set

    assert any(bundled_dir().glob("*.yaml"))
    policies = load_policy_set([])
    assert policies.for_host("www.facebook.com").forbidden
    assert re.search(r'"\$schema"', (ROOT / "crawler" / "decide" / "policy" / "schema.json").read_text())
