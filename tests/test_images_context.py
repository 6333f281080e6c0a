"""personal_context: avatar and profile-picture URLs and markup are refused before any fetch."""

from __future__ import annotations

import pytest

from crawler.images.context import personal_context


@pytest.mark.parametrize("url", [
    "https://www.gravatar.com/avatar/205e460b479e2e5b48aec07710c08d50?s=80",
    "https://secure.gravatar.com/avatar/abc",
    "https://avatars.githubusercontent.com/u/12345?v=4",
    "https://pbs.twimg.com/profile_images/1234/photo_400x400.jpg",
    "https://cdn.discordapp.com/avatars/1/abc.png",
    "https://lh3.googleusercontent.com/a/ACg8ocK",
    "https://example.org/uploads/avatar/42.png",
    "https://example.org/img/avatars/jane.jpg",
    "https://example.org/media/user_avatar_42.png",
    "https://example.org/static/profile-pic.jpg",
    "https://example.org/profile_images/1.jpg",
    "https://example.org/images/ProfilePhoto/123",
    "https://example.org/team/headshots/jane.jpg",
    "https://example.org/staff-photos/2024/bob.jpg",
    "https://example.org/about/team-photo.jpg",
    "https://example.org/img.php?type=userpic&id=4",
    "https://example.org/u/4/author-image.webp",
])
def test_person_urls(url):
    assert personal_context(url, {}) is not None


@pytest.mark.parametrize("attrs", [
    {"class": "avatar avatar-48 photo"},
    {"class": "c-ProfilePicture"},
    {"id": "user-photo"},
    {"alt": "Avatar"},
    {"alt": "Jane Doe's profile picture"},
    {"alt": "Headshot of the speaker"},
    {"title": "Portrait, 2019"},
    {"aria-label": "profile photo"},
    {"ALT": "my avatar"},
])
def test_person_markup(attrs):
    assert personal_context("https://example.org/i/123.jpg", attrs) is not None


@pytest.mark.parametrize("url,attrs", [
    ("https://example.org/images/mountains.jpg", {"alt": "The Alps at dawn", "class": "hero-image"}),
    ("https://example.org/charts/elevation-profile.png", {"alt": "Elevation profile of stage 3"}),
    ("https://example.org/static/facebook-logo.png", {"class": "social-icon"}),
    ("https://example.org/docs/user-guide/screenshot.png", {"alt": "Settings screen"}),
    ("https://github.com/org/repo/raw/main/diagram.png", {}),
    ("https://example.org/products/teapot.webp", {"class": "product-image", "id": "main"}),
])
def test_ordinary_images_pass(url, attrs):
    assert personal_context(url, attrs) is None


def test_reason_names_what_matched():
    assert "gravatar.com" in personal_context("https://gravatar.com/avatar/x", {})
    assert "'avatar'" in personal_context("https://example.org/x.png", {"class": "avatar"})
