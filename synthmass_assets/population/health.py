"""Each patient's latent health: body size and the onset (and end) of every chronic condition."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthmass_assets.population.demographics import DAYS_PER_YEAR, Cohort
from synthmass_assets.population.modules import CHRONIC_MODULES
from synthmass_assets.population.physiology import obesity_onset_age

NEVER = np.inf


@dataclass(frozen=True)
class Health:
    """Latent facts per patient (index-aligned with the cohort)."""

    adult_height: np.ndarray
    adult_bmi: np.ndarray
    child_z: np.ndarray
    onset: dict[str, np.ndarray]  # condition key → onset day (inf: never)
    resolved: dict[str, np.ndarray]  # condition key → resolution day (inf: lifelong)

    def active(self, key: str, patient: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Whether condition ``key`` is active for each (patient, day) row."""
        return (self.onset[key][patient] <= day) & (day < self.resolved[key][patient])

    def state(self, patient: np.ndarray, day: np.ndarray) -> dict[str, np.ndarray]:
        """Every condition's activity for each (patient, day) row."""
        return {key: self.active(key, patient, day) for key in self.onset}


def draw_health(cohort: Cohort, rng: np.random.Generator) -> Health:
    """Draw body size and chronic-condition onsets, honouring each module's risk factors."""
    n, female, birth = cohort.size, cohort.female, cohort.birth
    adult_height = np.where(female, rng.normal(163, 6.5, n), rng.normal(176, 7, n))
    adult_bmi = np.exp(rng.normal(np.log(25.5), 0.16, n))
    onset: dict[str, np.ndarray] = {}
    resolved: dict[str, np.ndarray] = {}
    for module in CHRONIC_MODULES:
        if module.key == "obesity":
            day = birth + obesity_onset_age(adult_bmi) * DAYS_PER_YEAR
        else:
            risk = np.where(female, module.lifetime_risk[1], module.lifetime_risk[0])
            for factor, multiplier in module.risk_factors.items():
                risk = risk * np.where(np.isfinite(onset[factor]), multiplier, 1.0)
            age = np.maximum(rng.normal(*module.onset_age, n), module.min_age)
            day = np.where(
                rng.random(n) < np.minimum(risk, 0.95), birth + age * DAYS_PER_YEAR, NEVER
            )
        day = np.where(day < cohort.active_end, np.floor(day), NEVER)
        onset[module.key] = day
        if module.resolves_in_years is None:
            resolved[module.key] = np.full(n, NEVER)
        else:
            length = np.ceil(rng.exponential(module.resolves_in_years, n) * DAYS_PER_YEAR) + 30
            resolved[module.key] = day + length
    return Health(adult_height, adult_bmi, rng.normal(0, 1, n), onset, resolved)
