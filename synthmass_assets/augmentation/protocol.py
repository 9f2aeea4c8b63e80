"""Plain parameters of the augmentation stage (no Dagster), with the protocols of DESIGN.md.

The Dagster config classes turn into these; the benchmark and the tests use them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ERROR_TYPES: tuple[str, ...] = ("name", "address", "date", "ssn", "formatting", "missing")
RELATIONS: tuple[str, ...] = ("twin", "parent_child", "sibling")
# Error type of a second registration in the error log; not one of the injected ERROR_TYPES.
DUPLICATE_REGISTRATION = "duplicate_registration"
# Error type of a record's facility-side coding (one row per record and recoded section).
CODING_PROFILE = "coding_profile"
# How a facility writes each section; the first profile of each is the canonical one.
CONDITION_PROFILES: tuple[str, ...] = ("snomed", "icd10cm", "text")
MEDICATION_PROFILES: tuple[str, ...] = ("rxnorm", "brand", "free_text")
OBSERVATION_PROFILES: tuple[str, ...] = ("loinc", "local")
OPTIONAL_SECTIONS: tuple[str, ...] = ("allergies", "immunizations")


def normalized(weights: dict[str, float], keys: tuple[str, ...]) -> np.ndarray:
    """Weights in ``keys`` order as probabilities; unknown keys and non-positive sums raise."""
    unknown = set(weights) - set(keys)
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}; use some of {', '.join(keys)}")
    values = np.array([float(weights.get(key, 0.0)) for key in keys])
    if (values < 0).any() or values.sum() <= 0:
        raise ValueError(f"weights {weights} must be non-negative with a positive sum")
    return values / values.sum()


def _known(values: tuple[str, ...], allowed: tuple[str, ...], what: str) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown or not values:
        raise ValueError(f"{what} {list(values)}: use one or more of {', '.join(allowed)}")


@dataclass(frozen=True)
class CodingProtocol:
    """How each facility writes its clinical rows (see `augmentation.coding`).

    Attributes:
        enabled: Give facilities their own coding; off, every facility writes the canonical
            SNOMED CT / RxNorm / LOINC rows and sends every section.
        conditions: Condition profiles the facilities cycle through (`CONDITION_PROFILES`).
        medications: Medication profiles (`MEDICATION_PROFILES`).
        observations: Observation profiles (`OBSERVATION_PROFILES`).
        missing_sections: Sections a facility may not send (`OPTIONAL_SECTIONS`).
        missing_share: Share of facilities lacking each of ``missing_sections`` (at least one
            facility when positive).
        seed: Seed of the profile draws and of each facility's own choices.
    """

    enabled: bool = True
    conditions: tuple[str, ...] = CONDITION_PROFILES
    medications: tuple[str, ...] = MEDICATION_PROFILES
    observations: tuple[str, ...] = OBSERVATION_PROFILES
    missing_sections: tuple[str, ...] = OPTIONAL_SECTIONS
    missing_share: float = 0.2
    seed: int = 6

    def __post_init__(self) -> None:
        _known(self.conditions, CONDITION_PROFILES, "condition profiles")
        _known(self.medications, MEDICATION_PROFILES, "medication profiles")
        _known(self.observations, OBSERVATION_PROFILES, "observation profiles")
        if self.missing_sections:
            _known(self.missing_sections, OPTIONAL_SECTIONS, "missing sections")
        if not 0.0 <= self.missing_share <= 1.0:
            raise ValueError(f"missing_share {self.missing_share} must lie in [0, 1]")


@dataclass(frozen=True)
class FacilityProtocol:
    """How many facilities exist and how patients spread their encounters over them.

    Attributes:
        count: Number of simulated facilities.
        visit_weights: Probability of visiting 1, 2, ... facilities (capped by encounters).
        primary_share: Share of a multi-facility patient's encounters at the primary facility.
        seed: Seed of the facility list and of the assignment (independent of errors).
        within_facility_duplicates: Share of all patients registered twice at one facility
            (a new record at a later visit; see `duplicates`).
        coding: How each facility codes its clinical rows.
    """

    count: int = 5
    visit_weights: tuple[float, ...] = (0.40, 0.30, 0.15, 0.10, 0.05)
    primary_share: float = 0.60
    seed: int = 1
    within_facility_duplicates: float = 0.08
    coding: CodingProtocol = CodingProtocol()

    def visit_probabilities(self) -> np.ndarray:
        """Probabilities of visiting 1..min(count, len(weights)) facilities."""
        weights = np.asarray(self.visit_weights[: self.count], dtype=float)
        if weights.size == 0 or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(f"visit_weights {self.visit_weights} need a positive first entry")
        return weights / weights.sum()


@dataclass(frozen=True)
class ErrorProtocol:
    """How many demographic errors each facility record gets, and of which types.

    Attributes:
        min_errors: Fewest errors per record (inclusive).
        max_errors: Most errors per record (inclusive).
        type_weights: Share of each error type in `ERROR_TYPES`.
        seed: Seed of the error draws (independent of the assignment).
        identity_seed: Seed of the true middle names and phones added to each patient.
        field_stickiness: How much likelier an error is to land on a field the record already
            has an error in (1 = no preference). Registration errors cluster: a badly keyed
            name collects several mistakes while the rest of the record is right.
    """

    min_errors: int
    max_errors: int
    type_weights: dict[str, float]
    seed: int = 2
    identity_seed: int = 3
    field_stickiness: float = 1.0

    def type_probabilities(self) -> np.ndarray:
        """Type weights in `ERROR_TYPES` order, summing to one."""
        if not 0 <= self.min_errors <= self.max_errors:
            raise ValueError(
                f"errors per record {self.min_errors}..{self.max_errors}: need 0 <= min <= max"
            )
        return normalized(self.type_weights, ERROR_TYPES)


@dataclass(frozen=True)
class LookalikeProtocol:
    """Confusable look-alikes: new people who share name, birthdate or address with a patient.

    Attributes:
        share: Look-alikes added per original patient (0.05 = 5%).
        relation_weights: Share of each relation in `RELATIONS`.
        seed: Seed of anchors, relations and the look-alikes' own generated histories.
    """

    share: float = 0.05
    relation_weights: dict[str, float] = field(
        default_factory=lambda: {"twin": 0.4, "parent_child": 0.3, "sibling": 0.3}
    )
    seed: int = 4


EVALUATION_ERRORS = {
    "name": 0.35,
    "address": 0.05,
    "date": 0.15,
    "ssn": 0.15,
    "formatting": 0.0,
    "missing": 0.30,
}
TRAINING_ERRORS = {
    "name": 0.30,
    "address": 0.20,
    "date": 0.15,
    "ssn": 0.05,
    "formatting": 0.0,
    "missing": 0.30,
}
ERRORS_PER_RECORD = {"evaluation": (8, 12), "training": (3, 5)}


FIELD_STICKINESS = 40.0


def error_protocol_for(track: str, seed: int = 2, identity_seed: int = 3) -> ErrorProtocol:
    """The error protocol of DESIGN.md for a synthetic track (adversarial for evaluation)."""
    low, high = ERRORS_PER_RECORD.get(track, ERRORS_PER_RECORD["training"])
    weights = EVALUATION_ERRORS if track == "evaluation" else TRAINING_ERRORS
    return ErrorProtocol(
        low,
        high,
        dict(weights),
        seed=seed,
        identity_seed=identity_seed,
        field_stickiness=FIELD_STICKINESS,
    )
