#!/usr/bin/env python3
"""Write the README's settings table from crawler.options (``--check``: exit 1 if the README is out of date).

    python3 tools/settings_table.py            # rewrite the table between its two markers in README.md
    python3 tools/settings_table.py --check    # say whether README.md's table is the model's
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.options import OPTIONS, Option  # noqa: E402  (after the path: works without an install)

BEGIN = "<!-- settings table: written by tools/settings_table.py from crawler/options.py -->"
END = "<!-- end of settings table -->"
_TYPES = {"text": "str", "choice": "str", "path": "path", "url": "URL", "class": "class path", "int": "int",
          "float": "float", "bool": "bool", "list": "list", "fields": "list", "map": "dict"}


def _default(opt: Option) -> str:
    value: Any = opt.default
    if opt.shown:
        return opt.shown
    if value is None:
        return "none"
    return f"`{value}`" if isinstance(value, str) else f"`{value!r}`"


def table() -> str:
    """The Markdown table of every ``CIVIL_*`` setting: name, type, default, meaning."""
    rows = ["| Setting | Type | Default | Meaning |", "|---|---|---|---|"]
    for opt in OPTIONS:
        if opt.setting and opt.setting.startswith("CIVIL_"):
            kind = _TYPES[opt.kind] + (f" {opt.unit}" if opt.unit else "")
            where = f" (`{opt.flag}`)" if opt.flag else ""
            cluster = "(cluster) " if opt.cluster else ""
            rows.append(f"| `{opt.setting}`{where} | {kind} | {_default(opt)} | {cluster}{opt.doc} |")
    return "\n".join(rows)


def rewritten(readme: str) -> str:
    """``readme`` with the table between the markers replaced by :func:`table`."""
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    return readme[:start] + "\n" + table() + "\n" + readme[end:]


def main(argv: list[str]) -> int:
    path = ROOT / "README.md"
    text = path.read_text("utf-8")
    if argv[1:] == ["--check"]:
        if rewritten(text) != text:
            print(f"{path}: the settings table is not crawler/options.py's; run python3 tools/settings_table.py")
            return 1
        return 0
    path.write_text(rewritten(text), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
