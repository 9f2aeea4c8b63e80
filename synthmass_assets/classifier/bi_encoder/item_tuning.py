"""The item objective of LoRA tuning: items of one person's records should read alike.

Two records of one person name the same conditions, drugs and vaccines in the same years, but
in their facilities' words (``HTN`` / ``Essential hypertension``, ``Zestril`` /
``lisinopril 10mg tab``). Each step encodes the batch's distinct item texts with gradients and
scores each pair by how well the items of either record find a same-section item of the other,
dated within a year, by cosine similarity (the soft form of `evidence.semantic`); a logistic
loss on that score teaches the encoder which words name one concept. No item is ever labelled:
the only supervision is whether the two records are one person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import torch
from torch import nn

from synthmass_assets.classifier.bi_encoder import encoder as enc
from synthmass_assets.classifier.evidence.semantic import YEAR_SLACK
from synthmass_assets.classifier.summaries.items import ITEM_SECTIONS, exploded_items


@dataclass(frozen=True)
class RecordItems:
    """Every record's items as (section, text, first year) index arrays, and each distinct
    text's token ids."""

    texts: list[list[int]]
    section: list[np.ndarray]
    text: list[np.ndarray]
    first: list[np.ndarray]

    @classmethod
    def build(cls, frame: pl.DataFrame, tokenizer: enc.PreTrainedTokenizerBase) -> RecordItems:
        """From summaries (``items`` column) in record-table order."""
        long = exploded_items(frame)
        unique = sorted(set(long.get_column("text").to_list()))
        index = {text: i for i, text in enumerate(unique)}
        long = long.with_columns(
            t=pl.col("text").replace_strict(index, return_dtype=pl.Int64),
            s=pl.col("section").replace_strict(
                {s: i for i, s in enumerate(ITEM_SECTIONS)}, return_dtype=pl.Int64
            ),
        )
        section: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * frame.height
        text, first = list(section), list(section)
        for (row,), group in long.group_by(["row"]):
            r = int(row)
            section[r] = group.get_column("s").to_numpy()
            text[r] = group.get_column("t").to_numpy()
            first[r] = group.get_column("first").fill_null(0).to_numpy()
        return cls(enc.tokenize(tokenizer, unique, enc.ITEM_MAX_LENGTH), section, text, first)


class ItemScore(nn.Module):
    """Logit of "one person" from the soft item agreement of two records."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(6.0))
        self.bias = nn.Parameter(torch.tensor(-4.0))

    def forward(self, agreement: torch.Tensor) -> torch.Tensor:
        return self.scale * agreement + self.bias


def _directed(sim: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over rows that have a candidate of their best masked similarity."""
    best = sim.masked_fill(~mask, -1.0).max(dim=1).values
    has = mask.any(dim=1)
    return best[has].mean() if bool(has.any()) else sim.new_zeros(())


def item_agreement(
    model: nn.Module,
    items: RecordItems,
    left: np.ndarray,
    right: np.ndarray,
    pad_id: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Soft item agreement of each pair (records ``left``/``right``), with gradients, and
    whether the pair had any comparable items."""
    rows = np.concatenate([left, right])
    used = np.unique(np.concatenate([items.text[r] for r in rows] + [np.zeros(0, np.int64)]))
    scores = torch.zeros(len(left))
    comparable = torch.zeros(len(left), dtype=torch.bool)
    if not len(used):
        return scores, comparable
    encoded = enc.pooled(model, enc.collate([items.texts[t] for t in used], pad_id))
    position = {int(t): i for i, t in enumerate(used)}
    values = []
    for k, (a, b) in enumerate(zip(left, right, strict=True)):
        if not len(items.text[a]) or not len(items.text[b]):
            values.append(torch.zeros(()))
            continue
        ea = encoded[[position[int(t)] for t in items.text[a]]]
        eb = encoded[[position[int(t)] for t in items.text[b]]]
        same = torch.from_numpy(items.section[a][:, None] == items.section[b][None, :])
        near = torch.from_numpy(
            np.abs(items.first[a][:, None] - items.first[b][None, :]) <= YEAR_SLACK
        )
        mask = same & near
        comparable[k] = bool(mask.any())
        sim = ea @ eb.T
        values.append((_directed(sim, mask) + _directed(sim.T, mask.T)) / 2)
    return torch.stack(values) if values else scores, comparable
