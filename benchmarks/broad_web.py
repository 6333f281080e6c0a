"""The synthetic web of benchmarks/broad.py: N hosts ``hNNNNN.broad.test``, 20 pages each, one robots.txt mix.

Every host is answered by one :class:`~crawler.cli.localsite.Site` under the ``"*"`` name, computed from the
host name, so 10,000 hosts cost no more memory than one.  Host ``i`` gets robots kind ``i % 10``:
"""

from __future__ import annotations

import re
from itertools import pairwise

from crawler.cli.localsite import Hit, Reply, Site, html

PAGES = 20
DOMAIN = "broad.test"
KINDS = {
    0: "no robots.txt (404)",
    1: "Crawl-delay 1-5",
    2: "Request-rate 1/2s",
    3: "Disallow: /private/",
    4: "robots.txt answers 503 (fail closed: no page may be fetched)",
    5: "page /p/1 answers 503 with Retry-After: 2",
    6: "Crawl-delay 1.5 and Disallow: /p/1",
    7: "Allow all", 8: "Allow all", 9: "Allow all",
}
_HOST = re.compile(r"h(\d+)\.broad\.test$")


def host(i: int) -> str:
    return f"h{i:05d}.{DOMAIN}"


def robots_txt(i: int) -> Reply:
    """Host ``i``'s robots.txt answer."""
    kind = i % 10
    if kind == 0:
        return Reply(404, "not found", content_type="text/plain")
    if kind == 4:
        return Reply(503, "unavailable", content_type="text/plain")
    rules = {1: f"Crawl-delay: {1 + (i // 10) % 5}\n", 2: "Request-rate: 1/2s\n", 3: "Disallow: /private/\n",
             6: "Crawl-delay: 1.5\nDisallow: /p/1\n"}.get(kind, "Allow: /\n")
    return Reply(body=f"User-agent: *\n{rules}", content_type="text/plain")


def links(i: int, k: int, n: int, port: int) -> list[str]:
    """Page ``k`` of host ``i``: three pages of its own host and two of other hosts (one at this page's index)."""
    own = [f"/p/{(k + d) % PAGES}" for d in (1, 2, 7)]
    other = [f"http://{host((i * 7 + k + 1) % n)}:{port}/p/{k}", f"http://{host((i + 1) % n)}:{port}/"]
    extra = ["/private/secret"] if i % 10 == 3 else []
    return own + other + extra


def broad_site(n: int, port_of: dict[str, int]) -> Site:
    """A Site answering every ``hNNNNN.broad.test`` for ``NNNNN < n``; ``port_of["port"]`` is filled in once bound."""

    def answer(hit: Hit) -> Reply | None:
        m = _HOST.match(hit.host)
        if not m or int(m.group(1)) >= n:
            return None
        i = int(m.group(1))
        path = hit.path.split("?", 1)[0]
        if path == "/robots.txt":
            return robots_txt(i)
        if path == "/":
            k = 0
        elif path.startswith("/p/") and path[3:].isdigit() and int(path[3:]) < PAGES:
            k = int(path[3:])
        elif path.startswith("/private/"):
            k = PAGES - 1
        else:
            return None
        if i % 10 == 5 and k == 1:
            return Reply(503, "busy", headers={"Retry-After": "2"}, content_type="text/plain")
        body = f"Page {k} of host {i}. " * 20
        return Reply(body=html(f"{host(i)} page {k}", body, links(i, k, n, port_of["port"])))

    return Site(fallback=answer)


def required_gap(i: int, delay: float) -> float:
    """The least start-to-start gap host ``i``'s rules (and our ``delay``) allow."""
    kind = i % 10
    rule = {1: 1 + (i // 10) % 5, 2: 2.0, 6: 1.5}.get(kind, 0.0)
    return max(delay, rule)


def violations(hits: list[Hit], agent: str, delay: float, slack: float = 0.05,
               examples: list[str] | None = None) -> dict[str, int]:
    """Rules broken at the server by the crawler whose User-Agent contains ``agent``, counted by kind
    (the first few gaps broken described in ``examples``)."""
    out = {"gap": 0, "disallowed": 0, "robots-503-fetched": 0, "retry-after": 0}
    examples = [] if examples is None else examples
    by_host: dict[int, list[Hit]] = {}
    for h in hits:
        m = _HOST.match(h.host)
        if m and agent in h.user_agent:
            by_host.setdefault(int(m.group(1)), []).append(h)
    for i, hs in by_host.items():
        hs.sort(key=lambda h: h.t)
        pages = [h for h in hs if h.path != "/robots.txt"]
        kind = i % 10
        if kind == 4:
            out["robots-503-fetched"] += len(pages)
        out["disallowed"] += sum(1 for h in pages if (kind == 3 and h.path.startswith("/private/"))
                                 or (kind == 6 and h.path.startswith("/p/1")))
        gap = required_gap(i, delay)
        for a, b in pairwise(pages):
            if b.t - a.t < gap - slack:
                out["gap"] += 1
                if len(examples) < 5:
                    examples.append(f"{host(i)}: {a.path} ({a.status}) then {b.path} {b.t - a.t:.3f} s later < {gap:g} s")
        for a, b in pairwise(hs):
            if a.status == 503 and a.path != "/robots.txt" and b.t - a.t < 2.0 - slack:
                out["retry-after"] += 1
    return out


def serve(n: int, seconds: float) -> None:
    """Serve the web on 127.0.0.1 (port on stdout); stdin commands: ``check AGENT DELAY`` (JSON out), ``reset``."""
    import json
    import sys
    import threading
    import time

    from crawler.cli.localsite import LocalServer

    port_of: dict[str, int] = {}
    srv = LocalServer({"*": broad_site(n, port_of)}, idle_timeout=5.0)
    port_of["port"] = srv.port
    srv.start()
    print(srv.port, flush=True)
    threading.Timer(seconds, lambda: __import__("os")._exit(0)).start()  # bounded, even if the caller dies
    for line in sys.stdin:
        cmd = line.split()
        if cmd and cmd[0] == "reset":
            with srv._lock:
                srv.hits.clear()
            print("{}", flush=True)
        elif cmd and cmd[0] == "check":
            with srv._lock:
                hits = list(srv.hits)
            pages = sum(1 for h in hits if cmd[1] in h.user_agent and h.path != "/robots.txt")
            examples: list[str] = []
            broken = violations(hits, cmd[1], float(cmd[2]), examples=examples)
            print(json.dumps({"requests": pages, **broken, "examples": examples}), flush=True)
    time.sleep(0)
