"""Web Bot Auth: every request of a --signature-agent crawl verifies with the published key, checked by an
independent RFC 9421 implementation (the http-message-signatures package), not civilcrawl's signer."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass

import http_sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import HTTPMessageVerifier, HTTPSignatureKeyResolver, algorithms

from crawler.cli.localsite import LocalServer, Reply, Site, html
from crawler.net.keys import thumbprint
from tests.conftest import CONTACT

AGENT = "https://crawler.example/.well-known/http-message-signatures-directory"
SITE = Site({"/robots.txt": Reply(body="User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
             "/": Reply(body=html("home", "hello", ["/a", "/b", "/private/x", "/moved"])),
             "/a": Reply(body=html("A", "a", ["/b"])), "/b": Reply(body=html("B", "b")),
             "/moved": Reply(301, headers={"Location": "/a?x=1"})})


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def rfc7638(jwk: dict) -> str:
    """The thumbprint computed here, from the RFC's text, not with civilcrawl's code."""
    members = f'{{"crv":"{jwk["crv"]}","kty":"{jwk["kty"]}","x":"{jwk["x"]}"}}'
    return base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=").decode()


class JWKSResolver(HTTPSignatureKeyResolver):
    def __init__(self, jwks: dict):
        self.keys = {rfc7638(k): Ed25519PublicKey.from_public_bytes(_b64url(k["x"])) for k in jwks["keys"]}

    def resolve_public_key(self, key_id: str):
        return self.keys[key_id]


@dataclass
class Message:
    method: str
    url: str
    headers: dict


def verify_hits(hits, jwks: dict) -> list[dict]:
    """Verify every request the server received; return the signature parameters of each."""
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=JWKSResolver(jwks))
    out = []
    for hit in hits:
        msg = Message("GET", f"http://{hit.headers['Host']}{hit.path}", dict(hit.headers))
        [result] = verifier.verify(msg, expect_tag="web-bot-auth",
                                   require_components=("@authority", '"signature-agent";key="sig"'))
        params = dict(result.parameters)
        agent = http_sf.parse(hit.headers["Signature-Agent"].encode(), tltype="dictionary")
        assert agent["sig"][0] == AGENT, hit.headers["Signature-Agent"]  # a Dictionary member, a String
        out.append(params)
    return out


def test_thumbprint_matches_rfc8037_example():
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert thumbprint(jwk) == rfc7638(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_every_request_verifies_with_the_published_key_across_a_rotation(tmp_path):
    state = tmp_path / "state"
    with LocalServer({"signed.test": SITE}) as srv:
        def crawl() -> subprocess.CompletedProcess:
            return subprocess.run(
                [sys.executable, "-m", "crawler", "crawl", srv.url("signed.test"), "--contact", CONTACT,
                 "--resolve", "signed.test=127.0.0.1", "--allow-network", "127.0.0.1/32", "--delay", "0.05",
                 "--state", str(state), "--signature-agent", AGENT, "--audit", str(tmp_path / "audit.jsonl")],
                capture_output=True, text=True, timeout=120)

        r = crawl()
        assert r.returncode == 0, r.stderr
        keys = subprocess.run([sys.executable, "-m", "crawler", "keys", "--jwks", "--state", str(state)],
                              capture_output=True, text=True, check=True)
        jwks = json.loads(keys.stdout)
        [key_file] = (state / "keys").glob("ed25519-*.pem")
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
        hits = srv.hits_for("signed.test")
        paths = {h.path for h in hits}
        assert {"/robots.txt", "/", "/a", "/b", "/moved", "/a?x=1"} <= paths and "/private/x" not in paths
        params = verify_hits(hits, jwks)
        assert len(params) == len(hits) >= 6
        assert len({p["nonce"] for p in params}) == len(params)  # a fresh nonce on every request
        for p in params:
            assert p["alg"] == "ed25519" and p["keyid"] == rfc7638(jwks["keys"][0])
            assert 0 < p["expires"] - p["created"] <= 24 * 3600
        # rotation: a new key signs from now on; the directory lists both, the old signatures still verify
        subprocess.run([sys.executable, "-m", "crawler", "keys", "--new", "--state", str(state)], check=True,
                       capture_output=True)
        before = len(srv.hits_for("signed.test"))
        assert crawl().returncode == 0
        both = json.loads(subprocess.run([sys.executable, "-m", "crawler", "keys", "--jwks", "--state", str(state)],
                                         capture_output=True, text=True, check=True).stdout)
        assert len(both["keys"]) == 2
        hits = srv.hits_for("signed.test")
        new = verify_hits(hits[before:], both)
        assert {p["keyid"] for p in new} == {rfc7638(both["keys"][0])} != {rfc7638(jwks["keys"][0])}
        assert len(verify_hits(hits[:before], both)) == before
        # and a forged request does not verify
        forged = Message("GET", f"http://{hits[0].headers['Host']}/", dict(hits[0].headers))
        forged.headers["Signature-Agent"] = 'sig="https://evil.example/"'
        verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=JWKSResolver(both))
        try:
            verifier.verify(forged, expect_tag="web-bot-auth")
        except Exception as exc:  # InvalidSignature
            assert "nvalid" in type(exc).__name__ or "signature" in str(exc).lower()
        else:
            raise AssertionError("a changed Signature-Agent still verified")


def test_signature_agent_usage_errors(tmp_path):
    base = [sys.executable, "-m", "crawler", "crawl", "http://example.org/", "--contact", CONTACT]
    r = subprocess.run(base + ["--signature-agent", AGENT], capture_output=True, text=True)
    assert r.returncode == 2 and "needs --state" in r.stderr
    r = subprocess.run(base + ["--signature-agent", "ftp://x", "--state", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 2 and "https://" in r.stderr and "Traceback" not in r.stderr
    job = tmp_path / "job.yaml"
    job.write_text(f"seeds: [http://example.org/]\ncontact: {CONTACT}\nstate: s\nsignature_agent: 12\n")
    r = subprocess.run([sys.executable, "-m", "crawler", "run", str(job)], capture_output=True, text=True)
    assert r.returncode == 2 and "job.yaml:4: signature_agent" in r.stderr, r.stderr


ADDON_SPIDER = '''
import sys
from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess

class Strip:
    """A project's middleware after the gate that drops or forges the signature headers."""

    def process_request(self, request, spider=None):
        request.headers.pop("Signature", None)
        request.headers["Signature-Agent"] = 'sig="https://evil.example/"'
        return None


class Mine(Spider):
    name = "mine"
    custom_settings = {"USER_AGENT": "SneakyBot/1.0", "ROBOTSTXT_OBEY": False,
                       "DOWNLOADER_MIDDLEWARES": {"__main__.Strip": 999}}

    async def start(self):
        for path in ("/", "/a", "/private/x"):
            yield Request(sys.argv[1] + path)

    def parse(self, response):
        yield {"url": response.url}

process = CrawlerProcess({"ADDONS": {"crawler.addon.CivilAddon": 0}, "CIVIL_CONTACT": "mailto:t@example.org",
                          "CIVIL_RESOLVE": {"signed.test": "127.0.0.1"}, "CIVIL_ALLOW_NETWORKS": ["127.0.0.1/32"],
                          "CIVIL_DELAY": 0.05, "CIVIL_STATE_DIR": sys.argv[2], "CIVIL_AUDIT": sys.argv[3],
                          "CIVIL_SIGNATURE_AGENT": sys.argv[4], "CIVIL_SIGN_AUDIT": True, "LOG_LEVEL": "WARNING"})
process.crawl(Mine)
process.start()
'''


def test_the_addon_signs_a_users_own_spider_and_its_audit(tmp_path):
    """Signed at the wire (crawler.gate.wire), after every downloader middleware: a project's own cannot strip it."""
    script, state, audit = tmp_path / "mine.py", tmp_path / "state", tmp_path / "audit.jsonl"
    script.write_text(ADDON_SPIDER)
    with LocalServer({"signed.test": SITE}) as srv:
        p = subprocess.run([sys.executable, str(script), srv.url("signed.test").rstrip("/"), str(state), str(audit),
                            AGENT], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        hits = srv.hits_for("signed.test")
    jwks = json.loads(subprocess.run([sys.executable, "-m", "crawler", "keys", "--jwks", "--state", str(state)],
                                     capture_output=True, text=True, check=True).stdout)
    assert {h.path for h in hits} >= {"/robots.txt", "/", "/a"} and "/private/x" not in {h.path for h in hits}
    assert len(verify_hits(hits, jwks)) == len(hits)
    v = subprocess.run([sys.executable, "-m", "crawler", "audit", "verify", str(audit)], capture_output=True, text=True)
    assert v.returncode == 0 and "1 valid signature" in v.stdout, v.stdout
    first = json.loads(audit.read_text().splitlines()[0])
    assert first["signature_agent"] == AGENT and first["user_agent"].startswith("civilcrawl/")
    assert first["signed_by"] == rfc7638(jwks["keys"][0])


def test_a_job_file_signature_agent_signs_every_request_and_the_run_audit_is_signed(tmp_path):
    with LocalServer({"signed.test": SITE}) as srv:
        job = tmp_path / "job.yaml"
        job.write_text(f"""\
seeds: [{srv.url("signed.test")}]
contact: {CONTACT}
state: state
signature_agent: {AGENT}
limits: {{delay: 0.05, timeout: 5}}
network: {{allow_networks: [127.0.0.1/32], resolve: {{signed.test: 127.0.0.1}}}}
""")
        r = subprocess.run([sys.executable, "-m", "crawler", "run", str(job), "--progress", "off"],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        hits = srv.hits_for("signed.test")
    jwks = json.loads(subprocess.run([sys.executable, "-m", "crawler", "keys", "--jwks", "--state",
                                      str(tmp_path / "state")], capture_output=True, text=True, check=True).stdout)
    assert len(jwks["keys"]) == 1 and len(verify_hits(hits, jwks)) == len(hits) >= 6
    run_dir = tmp_path / "state" / "runs" / "run-0001"
    v = subprocess.run([sys.executable, "-m", "crawler", "audit", "verify", "--json", str(run_dir / "audit.jsonl")],
                       capture_output=True, text=True)
    out = json.loads(v.stdout)
    assert v.returncode == 0 and out["intact"] and out["signatures"] == 1, out
    assert out["chains"][0]["run"] == "job run-0001" and out["chains"][0]["keyids"] == [rfc7638(jwks["keys"][0])]
