"""Patients' identifying values stay in the data store, out of Dagster's event log.

Metadata previews and messages about a user's own records show identifying fields as value
shapes (``Aaaaaa``, ``99.99.9999``): letters become ``A``/``a``, digits ``9``, punctuation
stays, so a steward sees what a value looks like without seeing it. Synthetic tracks show
their values in full; a steward's own machine can too (``show_identifying_values``).
"""

from __future__ import annotations

import polars as pl

# Record fields that identify a person (names, dates, identifiers, contact details).
IDENTIFYING_FIELDS = frozenset(
    {
        "first_name", "middle_name", "last_name", "maiden_name", "birthdate", "birthdate_raw",
        "ssn", "national_id", "address", "city", "zip", "phone",
    }
)  # fmt: skip
SHAPE_LENGTH = 12


def value_shape(values: pl.Expr) -> pl.Expr:
    """The shape of each value: upper-case letters ``A``, lower-case ``a``, digits ``9``,
    other characters kept; at most `SHAPE_LENGTH` characters, longer ones end in ``…``."""
    text = values.cast(pl.String)
    shape = (
        text.str.replace_all(r"\p{Lu}", "A")
        .str.replace_all(r"\p{Ll}", "a")
        .str.replace_all(r"[\p{Lo}\p{Lt}\p{Lm}]", "a")
        .str.replace_all(r"\d", "9")
    )
    return (
        pl.when(shape.str.len_chars() > SHAPE_LENGTH)
        .then(shape.str.slice(0, SHAPE_LENGTH) + "…")
        .otherwise(shape)
    )


def masked(frame: pl.DataFrame, fields: frozenset[str] = IDENTIFYING_FIELDS) -> pl.DataFrame:
    """``frame`` with every identifying column (and list column of them) replaced by shapes."""
    columns = []
    for name, dtype in frame.schema.items():
        if name not in fields:
            continue
        if isinstance(dtype, pl.List):
            columns.append(pl.col(name).list.eval(value_shape(pl.element())))
        else:
            columns.append(value_shape(pl.col(name)).alias(name))
    return frame.with_columns(columns)
