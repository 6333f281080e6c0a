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
