"""Per-site policy files: format (schema.json), loading with file:line errors, host matching and layering."""

from crawler.decide.policy.bundled import bundled_dir
from crawler.decide.policy.errors import PolicyError, Problem
from crawler.decide.policy.loader import SCHEMA, load_dir, load_file, load_policy_set, load_text
from crawler.decide.policy.model import Policy, PolicySet, Rule, Window

__all__ = [
    "SCHEMA", "Policy", "PolicyError", "PolicySet", "Problem", "Rule", "Window",
    "bundled_dir", "load_dir", "load_file", "load_policy_set", "load_text",
]
