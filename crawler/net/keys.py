"""The crawler's Ed25519 keys: made on first use in the state folder, published as a JWKS, rotated by adding.

One key pair signs both the audit logs (``--sign-audit``) and requests (Web Bot Auth, ``--signature-agent``).
Keys live in ``STATE/keys/`` as PKCS#8 PEM files readable by the owner only (0600). The newest key signs;
every key still in the folder is published, so a new key can be added while the old one still verifies
(retiring a key moves its file to ``STATE/keys/retired/``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEYS_DIR = "keys"
DIRECTORY_PATH = "/.well-known/http-message-signatures-directory"
DIRECTORY_TYPE = "application/http-message-signatures-directory+json"


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(public: Ed25519PublicKey) -> dict[str, str]:
    """The public key as an RFC 8037 OKP JWK (members only, no ``kid``)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


def thumbprint(jwk: dict[str, str]) -> str:
    """The RFC 7638 JWK SHA-256 thumbprint: the required members, sorted, no whitespace, base64url."""
    required = {k: jwk[k] for k in ("crv", "kty", "x")}
    canonical = json.dumps(required, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return b64url(hashlib.sha256(canonical).digest())


def public_key_from_jwk(jwk: dict[str, str]) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise ValueError("not an Ed25519 OKP JWK (kty OKP, crv Ed25519, x)")
    return Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))


@dataclass
class Key:
    """One key pair and where it is kept."""

    private: Ed25519PrivateKey
    path: Path
    created: float

    @property
    def jwk(self) -> dict[str, str]:
        return public_jwk(self.private.public_key())

    @property
    def keyid(self) -> str:
        return thumbprint(self.jwk)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


class KeyStore:
    """The keys in ``STATE/keys/``; the newest one signs."""

    def __init__(self, state_dir: str | os.PathLike[str]):
        self.dir = Path(state_dir) / KEYS_DIR

    def keys(self) -> list[Key]:
        """Every key in the folder, oldest first (retired keys are not listed)."""
        if not self.dir.is_dir():
            return []
        out = []
        for path in sorted(self.dir.glob("ed25519-*.pem")):
            try:
                private = serialization.load_pem_private_key(path.read_bytes(), password=None)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{path}: not an unencrypted PEM private key ({exc}); move it out of {self.dir}") from None
            if not isinstance(private, Ed25519PrivateKey):
                raise ValueError(f"{path}: not an Ed25519 key; move it out of {self.dir}")
            out.append(Key(private, path, path.stat().st_mtime))
        return out

    @overload
    def current(self, create: Literal[True] = True) -> Key: ...
    @overload
    def current(self, create: bool) -> Key | None: ...

    def current(self, create: bool = True) -> Key | None:
        """The signing key (the newest); made on first use when ``create``."""
        keys = self.keys()
        if keys:
            return keys[-1]
        return self.add() if create else None

    def add(self) -> Key:
        """Make a new key pair; it signs from now on, older keys stay published until retired."""
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        for n in range(1000):  # names sort by creation time; the suffix keeps two keys of one second apart
            path = self.dir / f"ed25519-{stamp}-{n:03d}.pem"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            try:
                os.write(fd, pem)
            finally:
                os.close(fd)
            return Key(private, path, path.stat().st_mtime)
        raise OSError(f"{self.dir}: could not choose a new key file name")

    def retire(self, keyid: str) -> Path:
        """Stop publishing the key ``keyid`` (its file moves to ``retired/``)."""
        for key in self.keys():
            if key.keyid == keyid:
                target = self.dir / "retired" / key.path.name
                target.parent.mkdir(exist_ok=True, mode=0o700)
                os.replace(key.path, target)
                return target
        raise KeyError(keyid)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The key directory to publish (RFC 7517 JWK Set), newest key first."""
        return {"keys": [{**k.jwk, "kid": k.keyid, "use": "sig"} for k in reversed(self.keys())]}
