"""Character-level misspellings of names: keyboard slips, double slips and phonetic spellings.

All work on whole polars Series with per-row random positions, never row by row.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.augmentation.errors.variant import random_index, uniforms

_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, str]:
    """Keys touching each key on a US QWERTY keyboard (same row and the rows above/below)."""
    where = {key: (r, c + 0.5 * r) for r, row in enumerate(_ROWS) for c, key in enumerate(row)}
    return {
        key: "".join(
            other
            for other, (r2, c2) in where.items()
            if other != key and abs(r2 - r) <= 1 and abs(c2 - c) <= 1.0
        )
        for key, (r, c) in where.items()
    }


KEYBOARD_NEIGHBOURS = _keyboard_neighbours()

# Spelling changes that keep the sound (pattern, replacement; Rust regex, first match only).
PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    ("ph", "f"), ("f", "ph"), ("ck", "k"), ("c([aou])", "k${1}"), ("k([aou])", "c${1}"),
    ("^C([aou])", "K${1}"), ("^K([aou])", "C${1}"), ("^Ph", "F"), ("ee", "ea"), ("ea", "ee"),
    ("ie$", "y"), ("y$", "ie"), ("ey$", "y"), ("i([^aeiouy])", "y${1}"), ("ou", "ow"),
    ("ow", "ou"), ("son$", "sen"), ("sen$", "son"), ("man$", "mann"), ("mann$", "man"),
    ("ll", "l"), ("nn", "n"), ("tt", "t"), ("ss", "s"), ("rr", "r"), ("mm", "m"),
    ("([aeiou])l([aeiou])", "${1}ll${2}"), ("([aeiou])n([aeiou])", "${1}nn${2}"),
    ("([aeiou])r([aeiou])", "${1}rr${2}"), ("th", "t"), ("sch", "sh"), ("z", "s"),
    ("([aeiou])s([aeiou])", "${1}z${2}"), ("ai", "ay"), ("ay", "ai"), ("ei", "ie"), ("x", "ks"),
)  # fmt: skip
# When no rule matches, a silent final "e" (Ann → Anne) still sounds the same.
PHONETIC_FALLBACK = ("$", "e")


def keyboard_typo(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Replace one character by a neighbouring key (same case); drop it when it has none."""
    frame = uniforms(rng, len(values), 2).with_columns(v=values)
    v = pl.col("v")
    position = random_index(pl.col("u0"), v.str.len_chars())
    char = v.str.slice(position, 1)
    lower = char.str.to_lowercase()
    options = lower.replace_strict(KEYBOARD_NEIGHBOURS, default="", return_dtype=pl.String)
    pick = options.str.slice(random_index(pl.col("u1"), options.str.len_chars()), 1)
    typed = pl.when(char != lower).then(pick.str.to_uppercase()).otherwise(pick)
    out = v.str.slice(0, position) + typed + v.str.slice(position + 1)
    return frame.select(out.alias(values.name)).to_series()


def multi_char_typo(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Two slips at once: swap two adjacent characters, then drop a character elsewhere."""
    frame = uniforms(rng, len(values), 2).with_columns(v=values)
    v = pl.col("v")
    i = random_index(pl.col("u0"), v.str.len_chars() - 1)
    swapped = v.str.slice(0, i) + v.str.slice(i + 1, 1) + v.str.slice(i, 1) + v.str.slice(i + 2)
    j = random_index(pl.col("u1"), v.str.len_chars())
    frame = frame.with_columns(s=swapped, j=j)
    out = pl.col("s").str.slice(0, pl.col("j")) + pl.col("s").str.slice(pl.col("j") + 1)
    return frame.select(out.alias(values.name)).to_series()


def phonetic_misspelling(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Apply one randomly chosen sound-preserving spelling rule that matches each value."""
    # Names repeat a lot: match the rules once per distinct value.
    distinct = values.unique().to_frame("v").with_row_index("i")
    matches_of_distinct = distinct.select(
        pl.col("v").str.contains(pattern).alias(str(k))
        for k, (pattern, _) in enumerate(PHONETIC_RULES)
    ).to_numpy()
    index = values.to_frame("v").join(distinct, on="v", how="left", maintain_order="left")
    matches = matches_of_distinct[index.get_column("i").to_numpy()]
    scores = np.where(matches, rng.random(matches.shape), -1.0)
    rule = np.where(matches.any(axis=1), scores.argmax(axis=1), len(PHONETIC_RULES))
    # Rows sorted by rule, so each rule rewrites one contiguous slice.
    order = np.argsort(rule, kind="stable")
    starts = np.searchsorted(rule[order], np.arange(len(PHONETIC_RULES) + 2))
    grouped = values.gather(order)
    pieces = [
        grouped.slice(int(begin), int(end - begin)).str.replace(pattern, replacement)
        for (pattern, replacement), begin, end in zip(
            (*PHONETIC_RULES, PHONETIC_FALLBACK), starts[:-1], starts[1:], strict=True
        )
        if end > begin
    ]
    return values.clone().scatter(order, pl.concat(pieces))
