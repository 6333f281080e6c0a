"""Opt-out signals read per purpose: robots.txt Content-Usage/Content-Signal lines, headers, TDMRep, ai.txt; `decide` weighs them."""
from .decide import Decision, Signal, decide, directive_signals

__all__ = ["Decision", "Signal", "decide", "directive_signals"]
