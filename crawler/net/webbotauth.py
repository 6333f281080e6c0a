"""Web Bot Auth: every request signed (RFC 9421) as draft-ietf-webbotauth-httpsig-protocol-01 profiles it.

Headers added to a request for ``https://example.org/page``::

    Signature-Agent: sig="https://crawler.example/.well-known/http-message-signatures-directory"
    Signature-Input: sig=("@authority" "signature-agent";key="sig");created=...;expires=...;keyid="...";
                     alg="ed25519";nonce="...";tag="web-bot-auth"
    Signature: sig=:BASE64:

``keyid`` is the RFC 7638 thumbprint of the key published at the agent URL (``civilcrawl keys --jwks``).
The gate signs as the request's turn comes (after the politeness wait, when the User-Agent is set), so
``created`` is when the request leaves and ``expires`` stays short.
"""

from __future__ import annotations

import base64
import os
import time
from typing import Any
from urllib.parse import urlsplit

from crawler.net.keys import Key, KeyStore

LABEL = "sig"  # the signature's label, and the Signature-Agent member it covers
TAG = "web-bot-auth"
MAX_VALIDITY = 24 * 3600
DEFAULT_VALIDITY = 300
NONCE_BYTES = 64  # as the Web Bot Auth reference implementation (thibmeu/http-message-signatures-directory)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_agent_url(url: str) -> str:
    """A Signature-Agent URL must be an absolute http(s) URL that fits in an sf-string; return it."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("must be an absolute https:// URL where your key directory is published "
                         "(e.g. https://crawler.example/.well-known/http-message-signatures-directory)")
    if any(not (0x20 <= ord(c) <= 0x7E) or c in '"\\' for c in url):
        raise ValueError("must be printable ASCII without quotes or backslashes (it is sent as a structured-field string)")
    return url


def authority(url: str) -> str:
    """RFC 9421 §2.2.3 ``@authority``: host (lowercase) and port, the port left out when it is the default."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    return host if port is None or port == _DEFAULT_PORTS.get(parts.scheme) else f"{host}:{port}"


def sf_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class RequestSigner:
    """Adds Signature-Agent, Signature-Input and Signature to outgoing requests."""

    def __init__(self, agent: str, key: Key, validity: int = DEFAULT_VALIDITY):
        self.agent = check_agent_url(agent)
        self.key = key
        self.keyid = key.keyid
        self.validity = max(1, min(int(validity), MAX_VALIDITY))
        self.agent_header = f"{LABEL}={sf_string(self.agent)}"

    @classmethod
    def from_settings(cls, settings: Any) -> RequestSigner | None:
        """``CIVIL_SIGNATURE_AGENT`` (the directory URL) with the key of ``CIVIL_STATE_DIR``; None when unset."""
        agent = settings.get("CIVIL_SIGNATURE_AGENT")
        if not agent:
            return None
        state = settings.get("CIVIL_STATE_DIR")
        if not state:
            raise ValueError("CIVIL_SIGNATURE_AGENT needs CIVIL_STATE_DIR (--state DIR): the signing key is kept there")
        try:
            check_agent_url(agent)
        except ValueError as exc:
            raise ValueError(f"CIVIL_SIGNATURE_AGENT {agent!r}: {exc}") from None
        return cls(agent, KeyStore(state).current(), settings.getint("CIVIL_SIGNATURE_VALIDITY", DEFAULT_VALIDITY))

    def headers(self, url: str, now: float | None = None) -> dict[str, str]:
        """The three headers for a request to ``url``."""
        created = int(time.time() if now is None else now)
        nonce = base64.b64encode(os.urandom(NONCE_BYTES)).decode("ascii")
        params = (f'("@authority" "signature-agent";key="{LABEL}");created={created};expires={created + self.validity}'
                  f';keyid={sf_string(self.keyid)};alg="ed25519";nonce={sf_string(nonce)};tag="{TAG}"')
        base = (f'"@authority": {authority(url)}\n'
                f'"signature-agent";key="{LABEL}": {sf_string(self.agent)}\n'
                f'"@signature-params": {params}')
        signature = base64.b64encode(self.key.sign(base.encode("ascii"))).decode("ascii")
        return {"Signature-Agent": self.agent_header, "Signature-Input": f"{LABEL}={params}",
                "Signature": f"{LABEL}=:{signature}:"}

    def sign(self, request: Any) -> None:
        """Set the headers on a Scrapy request (replacing any earlier signature: a retry is signed anew)."""
        for name, value in self.headers(request.url).items():
            request.headers[name] = value
