"""Pair evidence: structured features of a record pair and the record vectors behind them."""
