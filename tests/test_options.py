"""The options model (crawler/options.py) is the one description of every option: the crawl command, a job
file and the add-on alone agree on each default it gives, every setting a component reads is in it, and the
README's settings table, option list and job-file example are its own. The purposes are listed once."""

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from scrapy.settings import Settings

from crawler.addon import CivilAddon
from crawler.cli.crawl import settings_from_args
from crawler.cli.main import build_parser
from crawler.cli.run import job_settings
from crawler.decide.purposes import PURPOSES
from crawler.jobs.config import SECTIONS, TOP, load_job
from crawler.options import BY_SETTING, INTERNAL, OPTIONS, SAME, flagged

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
CONTACT = "mailto:ops@example.org"


def _civil(settings: dict) -> dict:
    return {k: v for k, v in settings.items() if k in BY_SETTING}


def test_crawl_job_and_addon_give_the_models_defaults(tmp_path):
    crawl = _civil(settings_from_args(build_parser().parse_args(["crawl", "https://example.org/", "--contact", CONTACT])))
    job_file = tmp_path / "job.yaml"
    job_file.write_text(f"seeds: [https://example.org/]\ncontact: {CONTACT}\nstate: state/\n", "utf-8")
    job = _civil(job_settings(load_job(job_file), tmp_path / "audit.jsonl", None,
                              argparse.Namespace(verbose=0, progress="off", log_format="text")))
    addon = Settings({"CIVIL_CONTACT": CONTACT})
    CivilAddon().update_settings(addon)
    checked = 0
    for opt in OPTIONS:
        if not opt.setting or opt.setting in ("CIVIL_CONTACT", "CIVIL_CLUSTER"):
            continue
        if opt.setting.startswith("CIVIL_") and not opt.cluster:
            assert addon.get(opt.setting) == opt.default, opt.setting
        if opt.setting in crawl and opt.cli_default is SAME:
            assert crawl[opt.setting] == opt.default, opt.setting
        if opt.setting in job and opt.job and opt.job_type == opt.kind and opt.kind != "path":
            assert job[opt.setting] == opt.job_value, opt.setting
            checked += 1
    assert checked >= 15
    # where the model says the three differ, they do (a job signs its audit and reads sitemaps)
    assert (crawl["CIVIL_SITEMAPS"], job["CIVIL_SITEMAPS"], addon.getbool("CIVIL_SITEMAPS")) == (False, True, False)
    assert (crawl["CIVIL_SIGN_AUDIT"], job["CIVIL_SIGN_AUDIT"]) == (False, True)
    assert addon.getfloat("DOWNLOAD_TIMEOUT") == crawl["DOWNLOAD_TIMEOUT"] == 30.0


def test_every_setting_a_component_reads_is_in_the_model():
    read = set()
    for path in (ROOT / "crawler").rglob("*.py"):
        read |= set(re.findall(r'\bget\w*\(\s*"(CIVIL_[A-Z0-9_]+)"', path.read_text("utf-8")))
    assert len(read) > 40
    assert read - set(BY_SETTING) - set(INTERNAL) == set()


def test_job_file_keys_are_the_models():
    keys = {o.job for o in OPTIONS if o.job}
    for top in TOP:
        assert top in keys or top in SECTIONS
    assert {f"{s}.{k}" for s, ks in SECTIONS.items() for k in ks} <= keys
    example = README[README.index("## Scheduled jobs"):README.index("The file is checked like policy files")]
    for top in TOP:
        assert re.search(rf"^{top}:", example, re.M), f"the README's job file example lacks {top}:"
    for section, ks in SECTIONS.items():
        block = example[example.index(f"\n{section}:"):]
        block = block[:block.index("}")]  # {key: value, ...}, over one or more lines
        assert all(f"{k}:" in block for k in ks if f"{section}.{k}" != "outputs.audit"), section


def test_every_crawl_flag_is_in_the_readme():
    for opt in flagged("fetch", "crawl", "crawl-command"):
        assert f"`{opt.flag}" in README or f"{opt.flag} " in README, opt.flag
    assert "`--purpose " + "\\|".join(PURPOSES) + "`" in README


def test_readme_settings_table_is_the_models():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "settings_table.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_purposes_are_listed_once():
    schema = json.loads((ROOT / "crawler" / "decide" / "policy" / "schema.json").read_text("utf-8"))
    assert tuple(schema["properties"]["purposes"]["properties"]) == PURPOSES  # the editors' copy agrees
    listed = []
    for path in (ROOT / "crawler").rglob("*.py"):
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if all(f'"{p}"' in line for p in PURPOSES):
                listed.append(f"{path.relative_to(ROOT)}:{n}")
    assert listed == ["crawler/decide/purposes.py:12"]
