"""Hostile or mistaken configuration (job files, policy files, options): a clear error with file:line, exit 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crawler.jobs.config import JobError, load_job

JOB = "seeds: [https://example.org/]\ncontact: mailto:a@example.org\nstate: st\n"


def test_job_network_allowances_take_addr_port_and_resolve_takes_addresses(tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text(JOB + "network:\n  allow_networks: ['127.0.0.1:8080', '[::1]:8443', 10.0.0.0/8]\n"
                         "  resolve: {a.test: 127.0.0.1}\n", "utf-8")
    assert load_job(job).allow_networks == ["127.0.0.1:8080", "[::1]:8443", "10.0.0.0/8"]
    job.write_text(JOB + "network:\n  allow_networks: ['10.0.0.0/8:80']\n  resolve: {a.test: localhost}\n", "utf-8")
    with pytest.raises(JobError) as err:
        load_job(job)
    assert f"{job}:5: network.allow_networks: '10.0.0.0/8:80': a port goes with one address" in str(err.value)
    assert f"{job}:6: network.resolve: a.test: 'localhost' is not an IP address" in str(err.value)


def test_job_resolve_to_a_name_exits_2(tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text(JOB + "network:\n  resolve: {a.test: localhost}\n", "utf-8")
    p = subprocess.run([sys.executable, "-m", "crawler", "run", str(job)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "not an IP address" in p.stderr and "Traceback" not in p.stderr


def _bomb(levels: int = 9) -> str:
    """A billion-laughs file: each level lists the one before nine times (9**9 leaves from ~450 bytes)."""
    lines = ['site: bomb.example', 'note: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"x{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _validate(path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler", "policy", "validate", str(path)], capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("name,text,where,message", [
    ("bomb", _bomb(), 2, "anchors and aliases (&name, *name) are not supported"),
    ("deep", "site: deep.example\nnote: " + "[" * 5000 + "]" * 5000 + "\n", 2, "nested more than 32 levels deep"),
    ("nan", "site: nan.example\ncrawl:\n  min_delay: .nan\n", 3, "'.nan' is not a finite number"),
    ("inf", "site: inf.example\ncrawl:\n  requests_per_minute: .inf\n", 3, "'.inf' is not a finite number"),
    ("huge", "site: huge.example\ncrawl:\n  min_delay: 1.0e+999\n", 3, "'1.0e+999' is not a finite number"),
])
def test_hostile_policy_files_are_errors_at_file_line(tmp_path, name, text, where, message):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, "utf-8")
    p = _validate(path)
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr[-1500:])
    assert f"{path}:{where}: {message}" in p.stdout + p.stderr
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("extra,where,message", [
    ("limits:\n  delay: .inf\n", 5, "'.inf' is not a finite number"),
    ("limits:\n  timeout: .nan\n", 5, "'.nan' is not a finite number"),
    ("x: &a [1, 2]\nseeds2: *a\n", 4, "anchors and aliases"),
    ("limits: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", 4, "nested more than 32 levels deep"),
])
def test_hostile_job_files_are_errors_at_file_line(tmp_path, extra, where, message):
    job = tmp_path / "job.yaml"
    job.write_text(JOB + extra, "utf-8")
    p = subprocess.run([sys.executable, "-m", "crawler", "run", str(job)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, (p.returncode, p.stderr[-1500:])
    assert f"{job}:{where}: {message}" in p.stderr and "Traceback" not in p.stderr


def test_crawl_help_says_how_to_open_one_port():
    p = subprocess.run([sys.executable, "-m", "crawler", "crawl", "--help"], capture_output=True, text=True, timeout=60)
    text = " ".join(p.stdout.split())
    assert "--allow-network CIDR|ADDR:PORT" in text and "127.0.0.1:8080" in text and "every port" in text
