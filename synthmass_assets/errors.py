"""SynthMass exceptions; each message says what is wrong and what to do next."""

from __future__ import annotations


class SynthmassError(Exception):
    """Base class of every error SynthMass raises on purpose."""


class InputDataError(SynthmassError, ValueError):
    """User-supplied data (files, columns, values) cannot be used as given."""
