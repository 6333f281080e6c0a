"""Precision and recall of the terms analyser's ``forbidden`` verdict on a labelled set we wrote ourselves.

    python benchmarks/terms.py [--split dev|heldout|all|both] [--errors]

The held-out split (every third document per language) is only for the final report: rules were
developed on ``dev``. Prints a confusion table (rows: label, columns: verdict) per split.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from crawler.terms import analyse, html_to_text

DATA = Path(__file__).resolve().parent / "terms_data"
VERDICTS = ("forbidden", "conditional", "none found")


def load(split: str) -> list[dict[str, str]]:
    with open(DATA / "labels.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [r for r in rows if split == "all" or r["split"] == split]


def predict(row: dict[str, str]) -> str:
    raw = (DATA / row["file"]).read_text("utf-8")
    text, lang = html_to_text(raw) if row["file"].endswith(".html") else (raw, None)
    return analyse(text, lang).verdict


def report(split: str, show_errors: bool) -> None:
    rows = load(split)
    pairs = [(r["label"], predict(r), r) for r in rows]
    tp = sum(1 for g, p, _ in pairs if g == p == "forbidden")
    fp = sum(1 for g, p, _ in pairs if p == "forbidden" != g)
    fn = sum(1 for g, p, _ in pairs if g == "forbidden" != p)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    exact = sum(1 for g, p, _ in pairs if g == p)
    print(f"== split {split}: {len(rows)} documents")
    print(f"forbidden: precision {precision:.2f} ({tp}/{tp + fp})  recall {recall:.2f} ({tp}/{tp + fn})  "
          f"three-way accuracy {exact / len(rows):.2f} ({exact}/{len(rows)})")
    width = max(map(len, VERDICTS)) + 2
    print("label \\ verdict".ljust(width + 4) + "".join(v.rjust(width) for v in VERDICTS))
    for gold in VERDICTS:
        counts = [sum(1 for g, p, _ in pairs if g == gold and p == v) for v in VERDICTS]
        print(gold.ljust(width + 4) + "".join(str(c).rjust(width) for c in counts))
    if show_errors:
        for g, p, r in pairs:
            if g != p:
                print(f"  {r['file']}: label {g}, verdict {p} ({r['note']})")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "heldout", "all", "both"), default="dev")
    parser.add_argument("--errors", action="store_true", help="list misclassified documents")
    args = parser.parse_args()
    for split in (("dev", "heldout") if args.split == "both" else (args.split,)):
        report(split, args.errors)


if __name__ == "__main__":
    main()
