"""``civilcrawl policy validate`` and ``civilcrawl policy show``, run through the real CLI entry point."""

from __future__ import annotations

import json

from crawler.cli.main import main


def test_validate_ok(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text("site: a.org\n")
    assert main(["policy", "validate", str(tmp_path)]) == 0
    assert f"ok: {tmp_path / 'a.yaml'} (a.org, automated_access: unknown)" in capsys.readouterr().out


def test_validate_invalid_exits_2_with_file_line(tmp_path, capsys):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("site: a.org\n")
    bad.write_text("site: b.org\ncrawl:\n  min_delay: fast\n")
    assert main(["policy", "validate", str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert f'{bad}:3: crawl.min_delay: expected a number >= 0, got "fast"' in err


def test_validate_missing_path_is_usage_error(tmp_path, capsys):
    assert main(["policy", "validate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_show_bundled(capsys):
    assert main(["policy", "show", "https://www.instagram.com/someone/"]) == 0
    out = capsys.readouterr().out
    assert "instagram.com.yaml:2 (site instagram.com)" in out and "no request at all" in out and "automated_access: forbidden" in out


def test_show_layered_json(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "e.yaml").write_text("site: example.org\ncrawl: {min_delay: 5}\n")
    (b / "e.yaml").write_text("site: example.org\ncrawl: {min_delay: 1}\n")
    assert main(["policy", "show", "shop.example.org", "--policies", str(a), "--policies", str(b), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["policy"]["source"] == str(b / "e.yaml") and data["policy"]["shadows"] == [str(a / "e.yaml")]
    assert data["policy"]["crawl"] == {"min_delay": 1}


def test_show_no_policy_and_invalid_folder(tmp_path, capsys):
    assert main(["policy", "show", "example.net", "--no-bundled"]) == 0
    assert "no policy governs example.net" in capsys.readouterr().out
    (tmp_path / "x.yaml").write_text("site: [oops\n")
    assert main(["policy", "show", "example.net", "--policies", str(tmp_path)]) == 2
    assert f"{tmp_path / 'x.yaml'}:2: not valid YAML" in capsys.readouterr().err
