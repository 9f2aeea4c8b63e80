"""Vectorized, seeded identifiers in the formats Synthea writes (UUIDs, SSNs, licences)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

_HEX = np.frombuffer(b"0123456789abcdef", dtype="S1")
_DIGITS = np.frombuffer(b"0123456789", dtype="S1")


def _join_bytes(chars: np.ndarray) -> pl.Series:
    """Rows of single-byte characters (n × width) → a polars String series."""
    n, width = chars.shape
    flat = np.ascontiguousarray(chars).view(f"S{width}").reshape(n)
    return pl.from_arrow(pa.array(flat, type=pa.binary(width)).cast(pa.string()))  # type: ignore[return-value]


def uuids(rng: np.random.Generator, n: int) -> pl.Series:
    """``n`` random version-4 UUID strings (lower-case, dashed) from ``rng``."""
    nibbles = rng.integers(0, 16, size=(n, 32), dtype=np.uint8)
    nibbles[:, 12] = 4
    nibbles[:, 16] = 8 + (nibbles[:, 16] & 3)
    hexes = _HEX[nibbles]
    dash = np.full((n, 1), b"-", dtype="S1")
    parts = [hexes[:, :8], dash, hexes[:, 8:12], dash, hexes[:, 12:16], dash]
    parts += [hexes[:, 16:20], dash, hexes[:, 20:]]
    return _join_bytes(np.concatenate(parts, axis=1))


def digit_strings(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """``n`` × ``width`` random decimal digit characters."""
    return _DIGITS[rng.integers(0, 10, size=(n, width))]


def synthea_ssns(rng: np.random.Generator, n: int) -> pl.Series:
    """Synthea-style SSNs ``999-xx-xxxx`` (the 999 area is never issued)."""
    digits = digit_strings(rng, n, 6)
    nines = np.full((n, 3), b"9", dtype="S1")
    dash = np.full((n, 1), b"-", dtype="S1")
    return _join_bytes(np.concatenate([nines, dash, digits[:, :2], dash, digits[:, 2:]], axis=1))


def drivers_licences(rng: np.random.Generator, n: int) -> pl.Series:
    """Synthea-style driver's licence numbers ``S999xxxxx``."""
    prefix = np.frombuffer(b"S999", dtype="S1")[np.zeros((n, 4), dtype=int) + np.arange(4)]
    return _join_bytes(np.concatenate([prefix, digit_strings(rng, n, 5)], axis=1))


def passports(rng: np.random.Generator, n: int) -> pl.Series:
    """Synthea-style passport numbers ``Xxxxxxxxx X``."""
    x = np.full((n, 1), b"X", dtype="S1")
    return _join_bytes(np.concatenate([x, digit_strings(rng, n, 8), x], axis=1))
