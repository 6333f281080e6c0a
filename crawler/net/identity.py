"""Who we are: the RFC 9309 product token and the User-Agent header built from it."""

from __future__ import annotations

import re

from crawler import __version__

DEFAULT_TOKEN = "civilcrawl"
_TOKEN_RE = re.compile(r"[A-Za-z_-]+")


def validate_token(token: str) -> str:
    """Return ``token`` if it is an RFC 9309 product token (``[A-Za-z_-]+``), else raise ValueError."""
    if not _TOKEN_RE.fullmatch(token or ""):
        raise ValueError(
            f"user-agent token {token!r} is not a valid RFC 9309 product token: "
            "use only letters, '_' and '-' (for example 'civilcrawl' or 'acme-research')"
        )
    return token


def validate_contact(contact: str) -> str:
    """Return a stripped contact (URL or e-mail), raising ValueError when it is empty or unusable."""
    contact = (contact or "").strip()
    if not contact:
        raise ValueError("a contact is required (--contact URL or e-mail): site owners must be able to reach you")
    if any(c in contact for c in "\r\n()") or " " in contact:
        raise ValueError(f"contact {contact!r} must be one URL or e-mail address without spaces or parentheses")
    if "@" not in contact and "://" not in contact:
        raise ValueError(f"contact {contact!r} is neither a URL (https://...) nor an e-mail address")
    return contact


def user_agent(token: str, contact: str) -> str:
    """The User-Agent header: ``TOKEN/VERSION (+CONTACT)``."""
    return f"{validate_token(token)}/{__version__} (+{validate_contact(contact)})"
