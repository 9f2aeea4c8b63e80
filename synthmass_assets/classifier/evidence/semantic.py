"""Pair evidence the text encoder reads: items of two records matched by meaning.

Facilities name one concept in their own words and codes (``HTN``, ``I10 Essential (primary)
hypertension``; ``Zestril``, ``lisinopril 10mg tab``), so code equality misses what the words
share. Each distinct item text (`summaries.items`) is encoded once; every item of one record
is matched to the most similar item of the same section in the other (cosine of the
encodings), overall and among the other's items dated within a year of it. Per section that
gives how well the two histories cover each other, and how many of their items agree in
meaning and in time — evidence the structured code overlap cannot see across terminologies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from synthmass_assets.classifier.summaries.items import ITEM_SECTIONS, exploded_items

MATCHED = 0.8  # cosine above which two item texts are read as one concept
YEAR_SLACK = 1
CHUNK_PAIRS = 20_000
SEMANTIC_FEATURES: tuple[str, ...] = tuple(
    f"sem_{kind}_{section}"
    for section in ITEM_SECTIONS
    for kind in ("cover", "dated_cover", "dated_matches", "both")
)
Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class ItemEmbeddings:
    """L2-normalised encodings of distinct item texts, in ``texts`` order."""

    texts: tuple[str, ...]
    matrix: np.ndarray

    @classmethod
    def of(cls, texts: Sequence[str], encode: Encode) -> ItemEmbeddings:
        """Encode each distinct text once (sorted, so the result is deterministic)."""
        unique = tuple(sorted(set(texts)))
        matrix = encode(list(unique)) if unique else np.zeros((0, 1), dtype=np.float32)
        return cls(unique, matrix.astype(np.float32))

    def extended(self, texts: Sequence[str], encode: Encode) -> ItemEmbeddings:
        """These embeddings plus those of ``texts`` not yet known."""
        known = set(self.texts)
        fresh = ItemEmbeddings.of([t for t in texts if t not in known], encode)
        if not fresh.texts:
            return self
        texts_all = self.texts + fresh.texts
        order = np.argsort(np.array(texts_all, dtype=object), kind="stable")
        matrix = np.concatenate([self.matrix, fresh.matrix]) if self.texts else fresh.matrix
        return ItemEmbeddings(tuple(texts_all[i] for i in order), matrix[order])


def item_texts(summaries: pl.DataFrame) -> list[str]:
    """Every distinct item text of ``summaries``."""
    return (
        summaries.select(pl.col("items").list.eval(pl.element().struct.field("text")))
        .explode("items")
        .drop_nulls()
        .unique()
        .get_column("items")
        .to_list()
    )


def _long_items(summaries: pl.DataFrame, embeddings: ItemEmbeddings) -> pl.DataFrame:
    vocabulary = pl.DataFrame(
        {"text": list(embeddings.texts), "t": np.arange(len(embeddings.texts), dtype=np.int64)}
    )
    return (
        exploded_items(summaries)
        .join(vocabulary, on="text", how="inner")
        .select("row", "section", "t", "first")
    )


def _directed(cross: pl.DataFrame, side: str) -> pl.DataFrame:
    """Per pair and section: mean best similarity of ``side``'s items, overall and dated."""
    best = cross.group_by("pair", "section", f"t_{side}", f"first_{side}").agg(
        best=pl.col("sim").max(),
        dated=pl.col("sim").filter(pl.col("near")).max().fill_null(0.0),
    )
    return best.group_by("pair", "section").agg(
        cover=pl.col("best").mean(),
        dated_cover=pl.col("dated").mean(),
        dated_matches=(pl.col("dated") >= MATCHED).sum(),
    )


def _section_similarity(items: pl.DataFrame, embeddings: ItemEmbeddings) -> dict[str, tuple]:
    """Per section: each text's position among the section's texts, and their cosine
    similarities (a small matrix per section, not one over every text)."""
    out = {}
    for section in ITEM_SECTIONS:
        texts = np.unique(items.filter(pl.col("section") == section).get_column("t").to_numpy())
        position = np.full(len(embeddings.texts), -1, dtype=np.int64)
        position[texts] = np.arange(len(texts))
        vectors = embeddings.matrix[texts]
        out[section] = (position, vectors @ vectors.T)
    return out


def _chunk(
    items: pl.DataFrame,
    left: np.ndarray,
    right: np.ndarray,
    similarity: dict[str, tuple],
    offset: int,
) -> pl.DataFrame:
    pairs = pl.DataFrame(
        {"pair": np.arange(offset, offset + len(left)), "row_l": left, "row_r": right}
    )
    cross = pairs.join(items.rename({"row": "row_l", "t": "t_l", "first": "first_l"}), on="row_l")
    cross = cross.join(
        items.rename({"row": "row_r", "t": "t_r", "first": "first_r"}), on=["row_r", "section"]
    )
    sim = np.zeros(cross.height, dtype=np.float32)
    sections = cross.get_column("section").to_numpy()
    t_l, t_r = cross.get_column("t_l").to_numpy(), cross.get_column("t_r").to_numpy()
    for section, (position, matrix) in similarity.items():
        mask = sections == section
        sim[mask] = matrix[position[t_l[mask]], position[t_r[mask]]]
    cross = cross.with_columns(
        sim=pl.Series(sim, dtype=pl.Float32),
        near=(pl.col("first_l") - pl.col("first_r")).abs() <= YEAR_SLACK,
    )
    one, other = _directed(cross, "l"), _directed(cross, "r")
    both = one.join(other, on=["pair", "section"], how="full", coalesce=True, suffix="_r")
    return both.select(
        "pair",
        "section",
        cover=(pl.col("cover") + pl.col("cover_r")) / 2,
        dated_cover=(pl.col("dated_cover") + pl.col("dated_cover_r")) / 2,
        dated_matches=pl.min_horizontal("dated_matches", "dated_matches_r").cast(pl.Float64),
    )


def semantic_features(
    summaries: pl.DataFrame, left: np.ndarray, right: np.ndarray, embeddings: ItemEmbeddings
) -> np.ndarray:
    """`SEMANTIC_FEATURES` of each pair (rows ``left``/``right`` of ``summaries``).

    Args:
        summaries: Clinical summaries with their ``items``.
        left: Row in ``summaries`` of each pair's left record.
        right: Row of each pair's right record.
        embeddings: Encodings of (at least) every item text of these rows.
    """
    out = np.zeros((len(left), len(SEMANTIC_FEATURES)), dtype=np.float32)
    if not len(left):
        return out
    items = _long_items(summaries, embeddings)
    similarity = _section_similarity(items, embeddings)
    counts = items.group_by("row", "section").agg(n=pl.len())
    for column, section in enumerate(ITEM_SECTIONS):
        sizes = np.zeros(summaries.height)
        present = counts.filter(pl.col("section") == section)
        sizes[present.get_column("row").to_numpy()] = present.get_column("n").to_numpy()
        out[:, 4 * column + 3] = (sizes[left] > 0) & (sizes[right] > 0)
    for start in range(0, len(left), CHUNK_PAIRS):
        part = slice(start, start + CHUNK_PAIRS)
        rows = _chunk(items, left[part], right[part], similarity, start)
        pair = rows.get_column("pair").to_numpy()
        kinds = rows.get_column("section").replace_strict(
            {s: i for i, s in enumerate(ITEM_SECTIONS)}, return_dtype=pl.Int64
        )
        base = 4 * kinds.to_numpy()
        out[pair, base] = rows.get_column("cover").to_numpy()
        out[pair, base + 1] = rows.get_column("dated_cover").to_numpy()
        out[pair, base + 2] = np.log1p(rows.get_column("dated_matches").to_numpy())
    return out
