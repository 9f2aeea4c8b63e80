"""Run configuration of the augmentation stage, shown in the Launchpad with per-track defaults.

Each asset has its own config and its own seed, so the facility assignment, the look-alikes,
the true identities and the errors can be redrawn independently. Seeds default to values
derived from the track's seed.
"""

from __future__ import annotations

import dagster as dg
from pydantic import Field, create_model

from synthmass_assets.augmentation.protocol import (
    CONDITION_PROFILES,
    ERRORS_PER_RECORD,
    EVALUATION_ERRORS,
    FIELD_STICKINESS,
    MEDICATION_PROFILES,
    OBSERVATION_PROFILES,
    OPTIONAL_SECTIONS,
    TRAINING_ERRORS,
    CodingProtocol,
    ErrorProtocol,
    FacilityProtocol,
    LookalikeProtocol,
)
from synthmass_assets.tracks import TrackSpec

FACILITY_SEED_OFFSET, ASSIGNMENT_SEED_OFFSET, LOOKALIKE_SEED_OFFSET = 101, 202, 303
ERROR_SEED_OFFSET, IDENTITY_SEED_OFFSET, CODING_SEED_OFFSET = 404, 505, 606


class FacilitiesConfig(dg.Config):
    """The simulated facilities and how each codes its clinical rows."""

    count: int = Field(default=5, ge=1, le=50, description="Number of simulated facilities.")
    seed: int = Field(default=0, description="Seed of the facilities' names and towns.")
    coding_profiles: bool = Field(
        default=True,
        description="Give each facility its own coding (ICD-10-CM or text conditions, brand or "
        "free-text drugs, local lab codes, missing sections); off, every facility writes "
        "SNOMED CT, RxNorm and LOINC and sends every section.",
    )
    condition_profiles: list[str] = Field(
        default=list(CONDITION_PROFILES),
        description="Condition profiles the facilities cycle through: snomed, icd10cm, text.",
    )
    medication_profiles: list[str] = Field(
        default=list(MEDICATION_PROFILES),
        description="Medication profiles the facilities cycle through: rxnorm, brand, free_text.",
    )
    observation_profiles: list[str] = Field(
        default=list(OBSERVATION_PROFILES),
        description="Observation profiles the facilities cycle through: loinc, local "
        "(laboratory tests only; vital signs stay LOINC).",
    )
    missing_sections: list[str] = Field(
        default=list(OPTIONAL_SECTIONS),
        description="Sections some facilities do not send: allergies, immunizations.",
    )
    missing_share: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description="Share of facilities lacking each missing section (at least one if > 0).",
    )
    coding_seed: int = Field(default=0, description="Seed of the coding profiles.")

    def to_protocol(self) -> FacilityProtocol:
        coding = CodingProtocol(
            enabled=self.coding_profiles,
            conditions=tuple(self.condition_profiles),
            medications=tuple(self.medication_profiles),
            observations=tuple(self.observation_profiles),
            missing_sections=tuple(self.missing_sections),
            missing_share=self.missing_share,
            seed=self.coding_seed,
        )
        return FacilityProtocol(count=self.count, seed=self.seed, coding=coding)


class AssignmentConfig(dg.Config):
    """How patients spread their encounters over the facilities."""

    visit_weights: list[float] = Field(
        default=[0.40, 0.30, 0.15, 0.10, 0.05],
        description="Probability of visiting 1, 2, 3, ... facilities (capped by encounters).",
    )
    primary_share: float = Field(
        default=0.60,
        ge=0.0,
        le=1.0,
        description="Share of a multi-facility patient's encounters at the primary facility.",
    )
    within_facility_duplicates: float = Field(
        default=0.08,
        ge=0.0,
        le=1.0,
        description="Share of patients registered twice at one facility: a new record at a "
        "later visit takes that facility's encounters from then on (0.08 = 8%).",
    )
    seed: int = Field(default=0, description="Seed of the assignment and the record ids.")

    def to_protocol(self, count: int) -> FacilityProtocol:
        """The protocol for ``count`` facilities."""
        return FacilityProtocol(
            count,
            tuple(self.visit_weights),
            self.primary_share,
            self.seed,
            within_facility_duplicates=self.within_facility_duplicates,
        )


class LookalikesConfig(dg.Config):
    """Confusable look-alikes added to the population (hard negatives for matching)."""

    share: float = Field(
        default=0.05, ge=0.0, le=1.0, description="Look-alikes per original patient (0.05 = 5%)."
    )
    relation_weights: dict[str, float] = Field(
        default={"twin": 0.4, "parent_child": 0.3, "sibling": 0.3},
        description="Share of twins, parent–child pairs (Jr./Sr.) and siblings.",
    )
    seed: int = Field(default=0, description="Seed of anchors, relations and their histories.")

    def to_protocol(self) -> LookalikeProtocol:
        return LookalikeProtocol(self.share, dict(self.relation_weights), self.seed)


class ErrorsConfig(dg.Config):
    """Demographic errors injected into each facility record."""

    min_errors: int = Field(default=3, ge=0, description="Fewest errors per record.")
    max_errors: int = Field(default=5, ge=0, description="Most errors per record.")
    type_weights: dict[str, float] = Field(
        default=dict(TRAINING_ERRORS),
        description="Share of name, address, date, ssn, formatting and missing errors.",
    )
    seed: int = Field(default=0, description="Seed of the error draws.")
    identity_seed: int = Field(
        default=0, description="Seed of the true middle names and phone numbers."
    )

    field_stickiness: float = Field(
        default=FIELD_STICKINESS,
        ge=1,
        description="How much likelier an error lands on a field that already has one "
        "(1 = spread evenly); errors cluster in real registrations.",
    )

    def to_protocol(self) -> ErrorProtocol:
        return ErrorProtocol(
            self.min_errors,
            self.max_errors,
            dict(self.type_weights),
            seed=self.seed,
            identity_seed=self.identity_seed,
            field_stickiness=self.field_stickiness,
        )


def _with_defaults(base: type[dg.Config], name: str, **fields: tuple[type, object]) -> type:
    return create_model(name, __base__=base, **fields)  # type: ignore[call-overload]


def facilities_config_for(track: TrackSpec) -> type[FacilitiesConfig]:
    """`FacilitiesConfig` with the track's default seeds (coding profiles on in every track)."""
    seed = Field(default=track.seed + FACILITY_SEED_OFFSET, description="Facility seed.")
    coding_seed = Field(
        default=track.seed + CODING_SEED_OFFSET, description="Seed of the coding profiles."
    )
    return _with_defaults(
        FacilitiesConfig,
        f"{track.name.title()}FacilitiesConfig",
        seed=(int, seed),
        coding_seed=(int, coding_seed),
    )


def assignment_config_for(track: TrackSpec) -> type[AssignmentConfig]:
    """`AssignmentConfig` with the track's default seed."""
    seed = Field(default=track.seed + ASSIGNMENT_SEED_OFFSET, description="Assignment seed.")
    return _with_defaults(
        AssignmentConfig, f"{track.name.title()}AssignmentConfig", seed=(int, seed)
    )


def lookalikes_config_for(track: TrackSpec) -> type[LookalikesConfig]:
    """`LookalikesConfig` with the track's default seed."""
    seed = Field(default=track.seed + LOOKALIKE_SEED_OFFSET, description="Look-alike seed.")
    return _with_defaults(
        LookalikesConfig, f"{track.name.title()}LookalikesConfig", seed=(int, seed)
    )


def errors_config_for(track: TrackSpec) -> type[ErrorsConfig]:
    """`ErrorsConfig` with the track's protocol (adversarial for evaluation) and seeds."""
    low, high = ERRORS_PER_RECORD.get(track.name, ERRORS_PER_RECORD["training"])
    weights = EVALUATION_ERRORS if track.name == "evaluation" else TRAINING_ERRORS
    return _with_defaults(
        ErrorsConfig,
        f"{track.name.title()}ErrorsConfig",
        min_errors=(int, Field(default=low, ge=0, description="Fewest errors per record.")),
        max_errors=(int, Field(default=high, ge=0, description="Most errors per record.")),
        type_weights=(
            dict[str, float],
            Field(default=dict(weights), description="Share of each error type."),
        ),
        seed=(int, Field(default=track.seed + ERROR_SEED_OFFSET, description="Error seed.")),
        identity_seed=(
            int,
            Field(default=track.seed + IDENTITY_SEED_OFFSET, description="Identity seed."),
        ),
    )
