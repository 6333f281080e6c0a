"""Cost of reading robots.txt and matching paths, civilcrawl (its reader, Protego matching) vs Protego alone
(what plain Scrapy uses), and the hostile inputs of issue #11 before/after; prints milliseconds.

"civil" per URL is the gate's question (allowed or not); "explain" also names the rule that decided (refusal
records, `civilcrawl check`).

Run: python benchmarks/robots_cost.py [--urls N]
The "before" matchers are the removed code, rebuilt here in a few lines, and run only on sizes that finish.
"""
from __future__ import annotations

import argparse
import io
import random
import re
import time

from protego import Protego

from crawler.decide.pathpattern import matches
from crawler.decide.robotstxt import RobotsTxt

TOKEN = "civilcrawl"
OTHER = "otherbot"  # matched per URL against the '*' group, which holds all the rules


def typical(rules: int) -> str:
    rng = random.Random(1)
    lines = ["User-agent: *", "Crawl-delay: 1", "Sitemap: https://example.org/sitemap.xml"]
    for i in range(rules):
        kind = rng.choice(["Disallow", "Disallow", "Allow"])
        lines.append(f"{kind}: " + rng.choice([f"/section{i}/", f"/*.php?id={i}", f"/p/{i}*/edit$", f"/search?q={i}"]))
    lines += ["", "User-agent: civilcrawl", "Disallow: /private/", "Allow: /private/public*"]
    return "\n".join(lines) + "\n"


def urls(n: int) -> list[str]:
    rng = random.Random(2)
    return [f"https://example.org/{rng.choice(['section', 'p', 'private', 'search'])}{rng.randint(0, 999)}/x"
            f"{rng.choice(['', '.php?id=3', '/edit', '?q=1'])}" for _ in range(n)]


def ms(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000


def old_match(pattern: str, path: str) -> bool:
    end = pattern.endswith("$")
    body = ".*".join(map(re.escape, (pattern[:-1] if end else pattern).split("*")))
    return re.compile(body + ("\\Z" if end else "")).match(path) is not None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--urls", type=int, default=2000)
    args = ap.parse_args()
    targets = urls(args.urls)
    print(f"{'robots.txt':24} {'parse ms':>18} {'per URL us (* group)':>33}")
    print(f"{'':24} {'civil':>8} {'protego':>9} {'civil':>10} {'explain':>10} {'protego':>11}")
    for rules in (50, 2000, 20000):
        text = typical(rules)
        # read the file and get the '*' group's rules ready (its matcher is built on the first question)
        ours_parse = ms(lambda text=text: RobotsTxt(text).group(OTHER).allows("https://example.org/"))
        prot_parse = ms(lambda text=text: Protego.parse(text).can_fetch("https://example.org/", OTHER))
        group, prot = RobotsTxt(text).group(OTHER), Protego.parse(text)
        group.allows(targets[0]), prot.can_fetch(targets[0], OTHER)
        ours_url = ms(lambda group=group: [group.allows(u) for u in targets], 1) * 1000 / len(targets)
        why_url = ms(lambda group=group: [group.decide(u) for u in targets], 1) * 1000 / len(targets)
        prot_url = ms(lambda prot=prot: [prot.can_fetch(u, OTHER) for u in targets], 1) * 1000 / len(targets)
        print(f"{rules:6} rules, {len(text) // 1024:5} KiB {ours_parse:8.1f} {prot_parse:9.1f} {ours_url:10.1f} {why_url:10.1f} {prot_url:11.1f}")
    print("\nbacktracking pattern '/' + '*a' x k + '*b' against '/' + 40 x 'a' (issue #11 item 1)")
    for k in (6, 7, 8, 9):
        pattern, path = "/" + "*a" * k + "*b", "/" + "a" * 40
        before = ms(lambda pattern=pattern, path=path: old_match(pattern, path), 1)
        after = ms(lambda pattern=pattern, path=path: matches(pattern, path), 1)
        print(f"  {k + 1:2} stars: before {before:9.1f} ms, after {after:.3f} ms")
    pattern = "/" + "*a" * 200 + "*b"
    print(f"  201 stars, 100,000-character path: after {ms(lambda: matches(pattern, '/' + 'a' * 100_000), 1):.2f} ms")

    print("\nimage metadata: 8x8 PNG + '<x:xmpmeta ' x n (issue #11 item 2)")
    from PIL import Image

    from crawler.images.metadata import read_metadata

    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "PNG")
    old = re.compile(rb"<x:xmpmeta\b.*?</x:xmpmeta>", re.DOTALL)
    for n in (1250, 2500, 5000, 40000):
        data = buf.getvalue() + b"<x:xmpmeta " * n
        before = ms(lambda data=data: old.findall(data), 1) if n <= 5000 else float("nan")
        after = ms(lambda data=data: read_metadata(Image.open(io.BytesIO(data)), data), 1)
        print(f"  n={n:6} ({len(data) // 1024:4} KiB): before {before:9.1f} ms, after {after:.2f} ms")


if __name__ == "__main__":
    main()
