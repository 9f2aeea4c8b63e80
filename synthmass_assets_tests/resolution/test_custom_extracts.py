"""Extracts in other countries' formats: impossible dates, national ids, postcodes, masking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from synthmass_assets.errors import InputDataError
from synthmass_assets.privacy import masked, value_shape
from synthmass_assets.resolution.custom_records import CustomExtract, read_custom_records
from synthmass_assets.resolution.dates import parse_dates
from synthmass_assets.resolution.normalize import matching_features
from synthmass_assets.resolution.sources import rule_scope, within_link_type
from synthmass_assets.resolution.value_forms import phone_form, postcode_form


@pytest.mark.parametrize(
    ("values", "date_format", "dates", "digits"),
    [
        # An impossible day keeps its digits in year-month-day order.
        (
            ["31.04.1972", "13.04.1972"],
            None,
            [None, dt.date(1972, 4, 13)],
            ["19720431", "19720413"],
        ),
        # Day-first slashes win when the data say so (13 cannot be a month).
        (["21/09/1997", "05/03/1983"], None, [dt.date(1997, 9, 21), dt.date(1983, 3, 5)], None),
        # A configured format accepts any separator; compact dates too.
        (
            ["25-05-1983", "12/14/2024"],
            "%d/%m/%Y",
            [dt.date(1983, 5, 25), None],
            [None, "20241412"],
        ),
        (["19720431", ""], None, [None, None], ["19720431", None]),
    ],
)
def test_dates_parse_what_parses_and_keep_digits(values, date_format, dates, digits) -> None:  # noqa: ANN001
    parsed = parse_dates(pl.Series(values), date_format)
    assert parsed.dates.to_list() == dates
    if digits:
        assert [d for d, want in zip(parsed.digits, digits, strict=True) if want] == [
            want for want in digits if want
        ]


def test_postcodes_and_phones_by_content() -> None:
    # One code in 61 of a length the column does not use is malformed.
    common = ["M1 1AE", "SW1A 2AA", "KA8 1NW"] * 19
    frame = pl.DataFrame({"zip": ["KA8 1NW", "ka81nw", "SW1A 2AA", "X", *common]})
    postcodes, form = postcode_form(frame, "zip")
    assert postcodes["postcode_clean"].to_list()[:4] == ["KA81NW", "KA81NW", "SW1A2AA", None]
    assert postcodes["postcode_area"].to_list()[:3] == ["KA8", "KA8", "SW1A"]
    assert form.malformed == 1
    local = pl.DataFrame({"phone": ["0141 496 0174", "+44 141 496 0174"] * 10})
    phones, _ = phone_form(local, "phone")
    assert phones[0] == phones[1]


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


GERMAN = (
    "Fallnummer,Vorname,Nachname,Geburtsdatum,Versichertennummer,PLZ\n"
    "K1,Jürgen,Müller,31.04.1972,K992945939,0815\n"
    "K2,Juergen,Mueller,13.04.1972,K992945939,0815\n"
    "K3,Anna,Schmidt,01.02.2003,,1010\n"
)
GERMAN_MAPPING = {
    "Fallnummer": "record_id", "Vorname": "first_name", "Nachname": "last_name",
    "Geburtsdatum": "birthdate", "Versichertennummer": "national_id", "PLZ": "zip",
}  # fmt: skip


def test_a_bad_value_is_kept_and_counted(tmp_path: Path) -> None:
    path = _write(tmp_path, "klinik.csv", GERMAN)
    read = read_custom_records(CustomExtract((path,), GERMAN_MAPPING))
    assert read.records.height == 3
    assert read.invalid.filter(pl.col("field") == "birthdate")["record_id"].to_list() == ["K1"]
    features = matching_features(read.records)
    # Umlauts written out match their transliteration; 4-digit postcodes and a letter-led id stay.
    assert features["last_name_clean"].to_list()[:2] == ["mueller", "mueller"]
    assert features["first_name_clean"].to_list()[:2] == ["juergen", "juergen"]
    assert features["national_id_clean"].to_list()[:2] == ["K992945939"] * 2
    assert features["postcode_clean"].to_list() == ["0815", "0815", "1010"]
    assert features["birth_digits"].to_list()[:2] == ["19720431", "19720413"]


def test_structural_problems_fail_with_nothing_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "klinik.csv", GERMAN + "K1,Eva,Roth,01.01.1990,,1010\n")
    with pytest.raises(InputDataError, match="'K1' appears more than once .*data row 1"):
        read_custom_records(CustomExtract((path,), GERMAN_MAPPING))
    with pytest.raises(InputDataError, match="file not found"):
        read_custom_records(CustomExtract((str(tmp_path / "missing.csv"),), GERMAN_MAPPING))
    with pytest.raises(InputDataError, match="link_type 'both'"):
        read_custom_records(
            CustomExtract((_write(tmp_path, "k.csv", GERMAN),), GERMAN_MAPPING, link_type="both")
        )


def test_link_types_choose_the_pairs() -> None:
    pairs = pl.DataFrame({"record_id_l": [0, 0], "record_id_r": [1, 2]})
    facility = pl.Series(["north", "north", "south"])
    assert within_link_type(pairs, facility, "dedupe_only")["record_id_r"].to_list() == [1]
    assert within_link_type(pairs, facility, "link_only")["record_id_r"].to_list() == [2]
    assert within_link_type(pairs, facility, "link_and_dedupe").height == 2


def test_rules_see_only_duplicate_free_facilities() -> None:
    records = pl.DataFrame({"record_id": ["a", "b"], "facility_id": ["north", "south"]})
    sources = pl.DataFrame({"facility_id": ["north", "south"], "duplicate_free": [True, False]})
    assert rule_scope(records, sources)["registers_once"].to_list() == [True, False]


def test_identifying_values_are_masked_as_shapes() -> None:
    frame = pl.DataFrame({"last_name": ["Müller-Lüdenscheidt"], "zip": ["KA8 1NW"], "n": [1]})
    shown = masked(frame)
    assert shown["last_name"][0] == "Aaaaaa-Aaaaa…" and shown["zip"][0] == "AA9 9AA"
    assert shown["n"][0] == 1
    assert pl.select(value_shape(pl.lit("31.04.1972"))).item() == "99.99.9999"
