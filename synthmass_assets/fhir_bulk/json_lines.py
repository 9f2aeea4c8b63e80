"""Polars expressions that build FHIR JSON one column at a time, and NDJSON lines from them.

A resource is a polars struct; ``struct.json_encode`` writes it in Rust. FHIR JSON has no
``null`` values, so absent elements are left null in the struct and their ``"key":null``
members are cut from the encoded text (a string value cannot match: its quotes are escaped).
Whole elements that would be empty are made null at the element level, so no ``{}`` or ``[]``
is ever written.
"""

from __future__ import annotations

import polars as pl

from synthmass_assets.mpi.fhir import resource_id

# A member whose value is null: after a comma anywhere, or first in an object.
_NULL_AFTER_COMMA = r',"[A-Za-z_]+":null'
_NULL_FIRST = r'\{"[A-Za-z_]+":null,'
FHIR_ID = r"^[A-Za-z0-9\-.]{1,64}$"
INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"


def ndjson_lines(resource: pl.Expr) -> pl.Expr:
    """One compact JSON text per row of a struct expression, null members left out."""
    return (
        resource.struct.json_encode()
        .str.replace_all(_NULL_AFTER_COMMA, "")
        .str.replace_all(_NULL_FIRST, "{")
    )


def fhir_ids(values: pl.Series) -> pl.Series:
    """Each value where it is a valid FHIR id, else a UUID named after it."""
    bad = values.filter(~values.str.contains(FHIR_ID)).unique().drop_nulls()
    if bad.is_empty():
        return values
    return values.replace({value: resource_id(value) for value in bad.to_list()})


def instant(column: str) -> pl.Expr:
    """A UTC timestamp column as a FHIR dateTime (fractional seconds only where present)."""
    return pl.col(column).dt.convert_time_zone("UTC").dt.strftime(INSTANT_FORMAT)


def day(column: str) -> pl.Expr:
    """A date column as a FHIR date."""
    return pl.col(column).dt.strftime("%Y-%m-%d")


def reference(resource_type: str, column: str) -> pl.Expr:
    """``{"reference": "<Type>/<id>"}`` from a column of resource ids."""
    return pl.struct(reference=pl.format(f"{resource_type}/{{}}", pl.col(column)))


def listed(element: pl.Expr) -> pl.Expr:
    """A one-element list per row (``reshape``: several times faster than ``concat_list`` on
    structs)."""
    return element.reshape((-1, 1)).arr.to_list()


def one(element: pl.Expr) -> pl.Expr:
    """A one-element list of ``element``, null where the element is null."""
    return pl.when(element.is_not_null()).then(listed(element))


def present(*elements: pl.Expr) -> pl.Expr:
    """The non-null elements as a list; null when none is present."""
    items = pl.concat_list(*elements).list.drop_nulls()
    return pl.when(items.list.len() > 0).then(items)


def concept(system: str | pl.Expr, code: str, display: str) -> pl.Expr:
    """A CodeableConcept: one coding (system, code, display) where the code is known, else the
    display as ``text``; null when both are null."""
    system_expr = pl.lit(system) if isinstance(system, str) else system
    code_col, display_col = pl.col(code), pl.col(display)
    coding = pl.struct(system=system_expr, code=code_col, display=display_col)
    return pl.when(code_col.is_not_null() | display_col.is_not_null()).then(
        pl.struct(
            coding=pl.when(code_col.is_not_null()).then(listed(coding)),
            text=pl.when(code_col.is_null()).then(display_col),
        )
    )


def status(system: str, code: str | pl.Expr) -> pl.Expr:
    """A CodeableConcept holding one code (a constant, or a column expression)."""
    if isinstance(code, str):
        return pl.struct(coding=listed(pl.struct(system=pl.lit(system), code=pl.lit(code))).first())
    return pl.struct(coding=listed(pl.struct(system=pl.lit(system), code=code)))


def logical(system: str, column: str) -> pl.Expr:
    """A reference by identifier (the resource itself is not in the export); null if absent."""
    value = pl.col(column)
    identifier = pl.struct(system=pl.lit(system), value=value)
    return pl.when(value.is_not_null()).then(pl.struct(identifier=identifier))


def missing_columns(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` with every column of ``schema`` it lacks added as nulls of that type."""
    absent = [pl.lit(None, dtype=t).alias(c) for c, t in schema.items() if c not in frame.columns]
    return frame.with_columns(absent) if absent else frame
