"""Refuse an image before fetching when its URL or markup says it shows a person (avatar, profile photo)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: Hosts (and their subdomains) that serve only pictures of people, optionally under a path prefix.
_PERSON_HOSTS = (
    ("gravatar.com", ""),
    ("libravatar.org", ""),
    ("avatars.githubusercontent.com", ""),
    ("avatars.slack-edge.com", ""),
    ("pravatar.cc", ""),
    ("unavatar.io", ""),
    ("pbs.twimg.com", "/profile_images/"),
    ("graph.facebook.com", ""),  # /{id}/picture
    ("cdn.discordapp.com", "/avatars/"),
    ("lh3.googleusercontent.com", "/a/"),
    ("lh3.googleusercontent.com", "/a-/"),
    ("secure.meetupstatic.com", "/photos/member/"),
)
_PICTURE = r"(?:pic|picture|photo|image|img|thumb|thumbnail|portrait|avatar)s?"
#: Words in a URL's path or query, or in class/id attributes (separators -, _, ., / or none).
_TOKEN_RE = re.compile(
    rf"(avatar|gravatar|headshot|mugshot|userpic|selfie"
    rf"|profile[-_.]?{_PICTURE}"
    rf"|(?:user|member|author|staff|speaker|employee|person|people|team|face)[-_.]?{_PICTURE})",
    re.IGNORECASE,
)
#: Phrases in human text (alt, title, aria-label).
_TEXT_RE = re.compile(
    r"\b(avatars?|headshots?|mugshots?|selfies?|userpics?|portraits?|profile (?:photo|picture|pic|image)s?"
    r"|photo of (?:me|him|her|them|us))\b",
    re.IGNORECASE,
)
_ATTRS_TOKEN = ("class", "id")
_ATTRS_TEXT = ("alt", "title", "aria-label")


def personal_context(url: str, attrs: dict[str, str]) -> str | None:
    """A short reason if ``url`` or the element's ``attrs`` name a person's picture, else None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for domain, prefix in _PERSON_HOSTS:
        if (host == domain or host.endswith("." + domain)) and parts.path.startswith(prefix):
            return f"avatar host {domain}{prefix}"
    match = _TOKEN_RE.search(f"{parts.path}?{parts.query}")
    if match:
        return f"URL names a person's picture ({match.group(0)!r})"
    lowered = {k.lower(): v for k, v in attrs.items() if isinstance(v, str)}
    for name in _ATTRS_TOKEN:
        match = _TOKEN_RE.search(lowered.get(name, ""))
        if match:
            return f"{name} names a person's picture ({match.group(0)!r})"
    for name in _ATTRS_TEXT:
        match = _TEXT_RE.search(lowered.get(name, ""))
        if match:
            return f"{name} names a person's picture ({match.group(0)!r})"
    return None
