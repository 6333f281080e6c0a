"""Opt-out signals read per purpose: robots.txt lines Protego drops, headers, TDMRep, ai.txt; `decide` weighs them."""
from .decide import DEFAULT_PURPOSE, PURPOSES, Decision, Signal, decide, directive_signals

__all__ = ["DEFAULT_PURPOSE", "PURPOSES", "Decision", "Signal", "decide", "directive_signals"]
