"""Inject demographic errors into facility records, in rounds, logging every change.

The plan is drawn first: per record an error count between the protocol's bounds and a type
per error by the protocol's weights; missing-data errors go last so that no later error meets
a blanked field. Round ``k`` applies every record's ``k``-th error at once: per type, each row
draws one variant among those that make sense for its current values, and each variant runs
vectorized over its rows. Errors of one record therefore compose (a nickname, then a typo in
it), and ``before``/``after`` in the log are the values just before and after each error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import polars as pl

from synthmass_assets.augmentation.errors.address import ADDRESS_VARIANTS
from synthmass_assets.augmentation.errors.dates import DATE_VARIANTS
from synthmass_assets.augmentation.errors.formatting import FORMATTING_VARIANTS
from synthmass_assets.augmentation.errors.missing import MISSING_VARIANTS
from synthmass_assets.augmentation.errors.names import NAME_VARIANTS
from synthmass_assets.augmentation.errors.ssn import SSN_VARIANTS
from synthmass_assets.augmentation.errors.variant import Values, Variant
from synthmass_assets.augmentation.protocol import ERROR_TYPES, ErrorProtocol

logger = logging.getLogger(__name__)

VARIANTS: tuple[Variant, ...] = (
    *NAME_VARIANTS, *ADDRESS_VARIANTS, *DATE_VARIANTS, *SSN_VARIANTS, *FORMATTING_VARIANTS,
    *MISSING_VARIANTS,
)  # fmt: skip
GROUPS: tuple[str, ...] = tuple(sorted({v.group for v in VARIANTS if v.group}))
ERROR_LOG_COLUMNS = (
    "record_id",
    "error_index",
    "error_type",
    "variant",
    "field",
    "before",
    "after",
)


@dataclass(frozen=True)
class ErrorPlan:
    """Flat arrays, one entry per planned error, sorted by record then position."""

    record: np.ndarray
    position: np.ndarray
    error_type: np.ndarray  # index into ERROR_TYPES
    last_of_type: np.ndarray  # the record's last error of this type


def draw_error_plan(n_records: int, protocol: ErrorProtocol, rng: np.random.Generator) -> ErrorPlan:
    """Error counts and types per record; missing-data errors last within each record."""
    probabilities = protocol.type_probabilities()
    missing = ERROR_TYPES.index("missing")
    counts = rng.integers(protocol.min_errors, protocol.max_errors + 1, size=n_records)
    # Same law as drawing every type independently and moving missing ones last: draw how
    # many are missing, then the others' types from the weights without missing.
    n_missing = rng.binomial(counts, probabilities[missing])
    record = np.repeat(np.arange(n_records), counts)
    position = np.arange(len(record)) - np.repeat(np.cumsum(counts) - counts, counts)
    other = position < np.repeat(counts - n_missing, counts)
    types = np.full(len(record), missing)
    if other.any():
        weights = np.where(np.arange(len(ERROR_TYPES)) == missing, 0.0, probabilities)
        types[other] = rng.choice(
            len(ERROR_TYPES), size=int(other.sum()), p=weights / weights.sum()
        )
    last_of_type = np.zeros(len(record), dtype=bool)
    for code in range(len(ERROR_TYPES)):
        rows = np.flatnonzero(types == code)
        last_of_type[rows] = np.append(record[rows][1:] != record[rows][:-1], True)
    return ErrorPlan(record, position, types, last_of_type)


class _Registry:
    """The records' current values, which fields are present, and which groups were used."""

    def __init__(self, records: pl.DataFrame) -> None:
        self.values: Values = {name: records.get_column(name) for name in records.columns}
        self.fields = {name: k for k, name in enumerate(records.columns)}
        self.present = np.column_stack([_present(series) for series in self.values.values()])
        self.used_groups = np.zeros(records.height, dtype=np.int64)
        self.hit = np.zeros_like(self.present)

    def gather(self, names: tuple[str, ...], rows: np.ndarray) -> Values:
        return {name: self.values[name].gather(rows) for name in names}

    def write(self, name: str, rows: np.ndarray, values: pl.Series) -> None:
        self.values[name] = self.values[name].scatter(rows, values.cast(self.values[name].dtype))
        self.present[rows, self.fields[name]] = _present(values)

    def mark(self, group: str | None, rows: np.ndarray) -> None:
        if group:
            self.used_groups[rows] |= 1 << GROUPS.index(group)

    def unused(self, group: str, rows: np.ndarray) -> np.ndarray:
        return (self.used_groups[rows] & (1 << GROUPS.index(group))) == 0


def inject_errors(
    records: pl.DataFrame,
    protocol: ErrorProtocol,
    rng: np.random.Generator,
    variants: tuple[Variant, ...] = VARIANTS,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Corrupt ``records`` according to ``protocol``.

    Args:
        records: ``record_id`` plus the identity fields the variants touch, error-free.
        protocol: Error counts per record and type weights.
        rng: Generator of every error draw.
        variants: The variant catalogue (all of them by default).

    Returns:
        The records after errors (same rows and columns) and the error log
        (`ERROR_LOG_COLUMNS`, one row per error).
    """
    plan = draw_error_plan(records.height, protocol, rng)
    registry = _Registry(records)
    logs: list[pl.DataFrame] = []
    # Errors grouped by (position, type): each group is one vectorized step.
    step = plan.position * len(ERROR_TYPES) + plan.error_type
    order = np.argsort(step.astype(np.int16), kind="stable")  # radix sort: few distinct steps
    bounds = np.flatnonzero(np.diff(step[order], prepend=-1, append=step.max(initial=0) + 1))
    skipped = 0
    for begin, stop in zip(bounds[:-1], bounds[1:], strict=True):
        chosen = order[begin:stop]
        rows, last = plan.record[chosen], plan.last_of_type[chosen]
        position, error_type = divmod(int(step[chosen[0]]), len(ERROR_TYPES))
        candidates = [v for v in variants if v.error_type == ERROR_TYPES[error_type]]
        candidates = [v for v in candidates if v.weight > 0]
        pick = (
            _pick_variants(candidates, registry, rows, last, rng, protocol.field_stickiness)
            if candidates
            else np.full(rows.size, -1)
        )
        skipped += int((pick < 0).sum())
        for k, variant in enumerate(candidates):
            hit = rows[pick == k]
            if hit.size:
                logs.append(_apply(variant, registry, hit, position, rng))
    if skipped:
        logger.warning("%d planned errors had no applicable variant and were skipped", skipped)
    if not logs:
        empty = pl.DataFrame(schema=dict.fromkeys(ERROR_LOG_COLUMNS, pl.String))
        return records, empty
    # Kept in step order (position, type, variant); sorting 10⁶–10⁷ rows buys nobody anything.
    log = pl.concat(logs)
    log = log.with_columns(record_id=records.get_column("record_id").gather(log.get_column("row")))
    return pl.DataFrame(registry.values).select(records.columns), log.select(ERROR_LOG_COLUMNS)


def _present(values: pl.Series) -> np.ndarray:
    present = values.is_not_null()
    if values.dtype == pl.String:
        present = present & (values.str.len_bytes() > 0)
    return present.fill_null(False).to_numpy()


def _pick_variants(
    candidates: list[Variant],
    registry: _Registry,
    rows: np.ndarray,
    last: np.ndarray,
    rng: np.random.Generator,
    stickiness: float = 1.0,
) -> np.ndarray:
    """Index into ``candidates`` per row, weighted among applicable ones; -1 where none is.

    Cheap conditions (fields present, group unused, last of type) are checked for every
    variant at once. A variant's own condition is tested only on the rows that drew it; where
    it fails the row redraws among the untested variants. The first applicable variant of a
    weighted random order has exactly the weighted distribution over the applicable ones.
    """
    present = registry.present[rows]
    hit = registry.hit[rows] if stickiness != 1.0 else np.zeros_like(present)
    weights = np.empty((rows.size, len(candidates)))
    for k, variant in enumerate(candidates):
        ok = present[:, [registry.fields[name] for name in variant.required]].all(axis=1)
        if variant.group:
            ok &= registry.unused(variant.group, rows)
        if variant.last_of_type:
            ok &= last
        columns = [registry.fields[name] for name in variant.fields]
        again = hit[:, columns].any(axis=1)
        weights[:, k] = np.where(ok, variant.weight * np.where(again, stickiness, 1.0), 0.0)
    pick = np.full(rows.size, -1)
    pending = np.arange(rows.size)
    while pending.size:
        cumulative = np.cumsum(weights[pending], axis=1)
        pending, cumulative = pending[cumulative[:, -1] > 0], cumulative[cumulative[:, -1] > 0]
        draw = rng.random(pending.size) * cumulative[:, -1]
        drawn = np.minimum((cumulative <= draw[:, None]).sum(axis=1), len(candidates) - 1)
        rejected = []
        for k, variant in enumerate(candidates):
            tested = pending[drawn == k]
            if tested.size and variant.applies is not None:
                values = registry.gather(variant.inputs, rows[tested])
                ok = variant.applies(values).fill_null(False).to_numpy()
                weights[tested[~ok], k] = 0.0
                rejected.append(tested[~ok])
                tested = tested[ok]
            pick[tested] = k
        pending = np.concatenate(rejected) if rejected else pending[:0]
    return pick


def _as_text(values: Values, fields: tuple[str, ...]) -> pl.Series:
    texts = [values[name].cast(pl.String) for name in fields]
    if len(texts) == 1:
        return texts[0]
    return pl.select(pl.concat_str([t.fill_null("") for t in texts], separator=" | ")).to_series()


def _apply(
    variant: Variant,
    registry: _Registry,
    rows: np.ndarray,
    position: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Run one variant on ``rows`` of the registry and return its rows of the error log."""
    before = registry.gather(variant.inputs, rows)
    after = variant.transform(before, rng)
    for name in variant.fields:
        registry.write(name, rows, after[name])
        registry.hit[rows, registry.fields[name]] = True
    registry.mark(variant.group, rows)
    return pl.DataFrame(
        {
            "row": rows,
            "error_index": np.full(rows.size, position, dtype=np.int64),
            "error_type": variant.error_type,
            "variant": variant.name,
            "field": variant.label,
            "before": _as_text(before, variant.fields),
            "after": _as_text(after, variant.fields),
        }
    )
