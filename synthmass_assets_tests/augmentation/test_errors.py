"""Every error variant on small inline values: it applies where it makes sense and changes them."""

from __future__ import annotations

import datetime as dt

import jellyfish
import numpy as np
import polars as pl
import pytest

from synthmass_assets.augmentation.errors import address, dates, names, ssn, typos
from synthmass_assets.augmentation.errors.injector import VARIANTS
from synthmass_assets.augmentation.errors.variant import FieldChange, Variant
from synthmass_assets.population.reference_data import state_places

SAMPLE = pl.DataFrame(
    {
        "first_name": ["William", "Katherine", "Bill", "Ann", "Johnathan"],
        "middle_name": ["James", "Marie", "Lee", "Rose", "Paul"],
        "last_name": ["Smith", "Johnson", "Phillips", "Garcia", "Mackenzie"],
        "maiden_name": ["Brown", "Walker", "Kelly", "Moore", "Lopez"],
        "suffix": ["Jr.", "III", "Sr.", "Jr.", "II"],
        "birthdate": [dt.date(1987, 3, 12), dt.date(1990, 1, 31), dt.date(1975, 10, 5),
                      dt.date(2001, 12, 1), dt.date(1968, 6, 11)],
        "gender": ["M", "F", "M", "F", "M"],
        "ssn": ["999-12-3456", "999-50-8136", "999 66 5642", "999175017", "999-43-2109"],
        "address": ["784 Stamm Street Unit 46", "12 North Court Avenue Apt 3", "5 Main St #7",
                    "9 Elm Road Suite 12", "42 Spann Terrace Unit 2B"],
        "city": ["Somerville", "Boston", "Worcester", "Springfield", "Lowell"],
        "state": ["Massachusetts"] * 5,
        "zip": ["02155", "02115", "01609", "01103", "01852"],
        "phone": ["617-555-0123", "(508) 555-0199", "413.555.0100", "9785550111", "781-555-0142"],
    }
)  # fmt: skip


def _run(variant: Variant, seed: int = 0) -> tuple[dict[str, pl.Series], dict[str, pl.Series]]:
    values = {name: SAMPLE.get_column(name) for name in variant.inputs}
    rows = np.flatnonzero(variant.applicable(values))
    assert rows.size, f"{variant.name} applies to none of the sample rows"
    before = {name: series.gather(rows) for name, series in values.items()}
    return before, variant.transform(before, np.random.default_rng(seed))


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: f"{v.error_type}-{v.name}-{v.label}")
def test_variant_changes_every_row_it_applies_to(variant: Variant) -> None:
    before, after = _run(variant)
    assert set(after) == set(variant.fields)
    changed = np.zeros(len(before[variant.fields[0]]), dtype=bool)
    for name in variant.fields:
        assert after[name].dtype == SAMPLE.schema[name]
        assert len(after[name]) == len(before[name])
        changed |= (after[name].ne_missing(before[name])).to_numpy()
    assert changed.all()


def test_nickname_and_its_reverse_come_from_the_dataset() -> None:
    formal, informal = names.nickname_lookup()
    rng = np.random.default_rng(1)
    nick = names._lookup_swap(formal)(pl.Series("first_name", ["William"] * 20), rng)
    assert set(nick) <= set(formal["william"]) and "Bill" in formal["william"]
    back = names._lookup_swap(informal)(pl.Series("first_name", ["Bill"] * 20), rng)
    assert "William" in set(back)


def test_keyboard_typo_uses_a_neighbouring_key() -> None:
    out = typos.keyboard_typo(pl.Series(["sss"] * 50), np.random.default_rng(2))
    typed = {c for word in out for c in word if c != "s"}
    assert typed and typed <= set(typos.KEYBOARD_NEIGHBOURS["s"])


def test_phonetic_misspellings_mostly_sound_alike() -> None:
    words = pl.Series(["Katherine", "Philip", "Johnson", "Lynn", "Stephens", "Mackenzie"] * 5)
    out = typos.phonetic_misspelling(words, np.random.default_rng(3))
    same = [
        jellyfish.metaphone(a) == jellyfish.metaphone(b) for a, b in zip(words, out, strict=True)
    ]
    assert (out != words).all() and np.mean(same) >= 0.6


def test_multi_char_typo_is_two_edits_away() -> None:
    words = pl.Series(["Katherine", "Johnson", "Garcia"] * 10)
    out = typos.multi_char_typo(words, np.random.default_rng(4))
    distances = [
        jellyfish.damerau_levenshtein_distance(a, b) for a, b in zip(words, out, strict=True)
    ]
    assert 1 <= min(distances) and max(distances) <= 2


@pytest.mark.parametrize(
    ("change", "allowed_days"),
    [(dates.off_by_day, {1}), (dates.off_by_month, set(range(28, 32))),
     (dates.off_by_year, {365, 366})],
)  # fmt: skip
def test_date_offsets(change: FieldChange, allowed_days: set[int]) -> None:
    births = SAMPLE.get_column("birthdate")
    out = change(births, np.random.default_rng(5))
    assert {abs((a - b).days) for a, b in zip(out, births, strict=True)} <= allowed_days


def test_day_month_swap_and_transposition() -> None:
    births = pl.Series("birthdate", [dt.date(1987, 3, 12), dt.date(1990, 1, 31)])
    assert dates.day_month_swap(births[:1], np.random.default_rng(0))[0] == dt.date(1987, 12, 3)
    candidates = dates.transposition_candidates(births).rows()
    assert candidates[0] == (dt.date(1978, 3, 12), dt.date(1987, 3, 21), None)
    assert candidates[1] == (dt.date(1909, 1, 31), dt.date(1990, 1, 13), dt.date(1990, 10, 31))


def test_ssn_digit_errors_keep_nine_digits_and_the_format() -> None:
    values = SAMPLE.get_column("ssn")
    rng = np.random.default_rng(6)
    for change in (ssn.ssn_transposition, ssn.ssn_wrong_digit):
        out = change(values, rng)
        digits = out.str.replace_all(r"\D", "")
        assert (digits.str.len_chars() == 9).all()
        assert (out.str.contains("-") == values.str.contains("-")).all()
    swapped = ssn.ssn_transposition(pl.Series(["999-12-3456"]), rng)[0].replace("-", "")
    assert sorted(swapped) == sorted("999123456")


def test_address_variants() -> None:
    rng = np.random.default_rng(7)
    street = pl.Series(["784 Stamm Street Unit 46", "5 Main St"])
    assert address.abbreviation(street, rng).to_list() == ["784 Stamm St Unit 46", "5 Main Street"]
    units = address.apartment_format(pl.Series(["9 Elm Road Apt 12"] * 20), rng)
    assert units.str.contains(r"(Unit 12|#12|Apartment 12|Ste 12)$").all()
    values = {name: SAMPLE.get_column(name) for name in ("address", "city", "zip", "state")}
    moved = address.moved(values, rng)
    places = state_places("Massachusetts")
    assert (moved["city"] != values["city"]).all()
    pairs = set(zip(places.get_column("CITY"), places.get_column("ZIP"), strict=True))
    assert set(zip(moved["city"], moved["zip"], strict=True)) <= pairs
