"""Semantic item matches: the packaged MiniLM encoder reads two facilities' words for one
history as alike, across terminologies, and tells a different history apart."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl
import pytest
from transformers import AutoModel, AutoTokenizer

from synthmass_assets.classifier.bi_encoder import encoder as enc
from synthmass_assets.classifier.evidence.semantic import (
    SEMANTIC_FEATURES,
    ItemEmbeddings,
    item_texts,
    semantic_features,
)
from synthmass_assets.classifier.summaries.items import ITEM_TYPE, record_items

# (section, text, first year); one person at an ICD-10 / free-text facility and at a SNOMED /
# RxNorm facility, and someone else.
RECORDS = {
    "snomed": [
        ("condition", "Essential hypertension", 2015),
        ("medication", "lisinopril 10 MG Oral Tablet", 2015),
        ("immunization", "Influenza, seasonal, injectable, preservative free", 2021),
    ],
    "icd10": [
        ("condition", "Essential (primary) hypertension", 2015),
        ("medication", "lisinopril 10mg tab", 2016),
        ("immunization", "Influenza, seasonal, injectable, preservative free", 2022),
    ],
    "other": [
        ("condition", "Asthma", 2009),
        ("medication", "albuterol HFA inhaler 90mcg", 2009),
    ],
}


def _summaries() -> pl.DataFrame:
    rows = [
        {
            "record_id": name,
            "items": [{"section": s, "text": t, "first": y, "last": y} for s, t, y in items],
        }
        for name, items in RECORDS.items()
    ]
    return pl.DataFrame(rows, schema={"record_id": pl.String, "items": ITEM_TYPE})


@pytest.fixture(scope="module")
def embeddings() -> ItemEmbeddings:
    path = enc.default_base_model()
    model, tokenizer = AutoModel.from_pretrained(path), AutoTokenizer.from_pretrained(path)
    return ItemEmbeddings.of(item_texts(_summaries()), enc.text_encoder(model, tokenizer, 16))


def _features(embeddings: ItemEmbeddings, a: int, b: int) -> dict[str, float]:
    values = semantic_features(_summaries(), np.array([a]), np.array([b]), embeddings)[0]
    return dict(zip(SEMANTIC_FEATURES, values.tolist(), strict=True))


def test_one_history_in_two_terminologies_reads_alike(embeddings: ItemEmbeddings) -> None:
    same, other = _features(embeddings, 0, 1), _features(embeddings, 0, 2)
    assert same["sem_dated_matches_condition"] > 0 and same["sem_dated_matches_medication"] > 0
    assert same["sem_dated_cover_condition"] > 0.9
    assert other["sem_dated_cover_condition"] == 0.0  # nothing within a year of 2015
    assert same["sem_cover_medication"] > other["sem_cover_medication"] + 0.2
    assert same["sem_both_immunization"] == 1.0 and other["sem_both_immunization"] == 0.0
    assert other["sem_cover_immunization"] == 0.0


def test_features_are_symmetric_and_deterministic(embeddings: ItemEmbeddings) -> None:
    forward, backward = _features(embeddings, 0, 1), _features(embeddings, 1, 0)
    assert forward == pytest.approx(backward)
    assert ItemEmbeddings.of(embeddings.texts, lambda t: embeddings.matrix).texts == tuple(
        sorted(embeddings.texts)
    )


def test_extended_embeddings_keep_known_texts(embeddings: ItemEmbeddings) -> None:
    def encode(texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), embeddings.matrix.shape[1]), dtype=np.float32)

    more = embeddings.extended(["Hypothyroidism", "Asthma"], encode)
    assert set(more.texts) == set(embeddings.texts) | {"Hypothyroidism"}
    row = {text: i for i, text in enumerate(more.texts)}
    old = {text: i for i, text in enumerate(embeddings.texts)}
    np.testing.assert_array_equal(more.matrix[row["Asthma"]], embeddings.matrix[old["Asthma"]])
    assert embeddings.extended(["Asthma"], encode) is embeddings


def test_record_items_keep_the_facility_words_and_years() -> None:
    day = datetime(2015, 3, 1)
    encounters = pl.DataFrame(
        {"Id": ["e1", "e2"], "START": [day, datetime(2017, 5, 1)],
         "REASONDESCRIPTION": ["HTN", None]}
    )  # fmt: skip
    conditions = pl.DataFrame(
        {"ENCOUNTER": ["e1"], "START": [day], "STOP": [None],
         "DESCRIPTION": ["Essential hypertension (disorder)"]},
        schema_overrides={"STOP": pl.Datetime},
    )  # fmt: skip
    medications = pl.DataFrame(
        {"ENCOUNTER": ["e1", "e2"], "START": [day, datetime(2017, 5, 1)],
         "STOP": [None, None], "DESCRIPTION": ["Zestril 10 MG Oral Tablet"] * 2,
         "REASONDESCRIPTION": [None, "HTN"]},
        schema_overrides={"STOP": pl.Datetime},
    )  # fmt: skip
    empty = pl.DataFrame(
        {"ENCOUNTER": [], "START": [], "DATE": [], "DESCRIPTION": []},
        schema={"ENCOUNTER": pl.String, "START": pl.Datetime, "DATE": pl.Datetime,
                "DESCRIPTION": pl.String},
    )  # fmt: skip
    tables = {
        "encounters": encounters, "conditions": conditions, "medications": medications,
        "allergies": empty, "procedures": empty, "immunizations": empty,
    }  # fmt: skip
    visits = pl.DataFrame({"encounter_id": ["e1", "e2"], "record_id": ["r", "r"]})
    items = record_items(tables, visits).get_column("items")[0].to_list()
    assert {"section": "condition", "text": "Essential hypertension", "first": 2015,
            "last": 2015} in items  # fmt: skip
    assert {"section": "condition", "text": "HTN", "first": 2015, "last": 2017} in items
    assert {"section": "medication", "text": "Zestril 10 MG Oral Tablet", "first": 2015,
            "last": 2017} in items  # fmt: skip
