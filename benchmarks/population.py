"""Population generator benchmark: patients/s, peak RSS and richness, as one JSON line.

Usage: python benchmarks/population.py --patients 20000 [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.params import PopulationParams
from synthmass_assets.population.richness import per_patient_medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    tables = generate_population(PopulationParams(population=args.patients, seed=args.seed))
    seconds = time.perf_counter() - started
    result = {
        "patients": args.patients,
        "seconds": round(seconds, 2),
        "patients_per_s": round(args.patients / seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rows": {name: frame.height for name, frame in tables.items()},
        "median_per_patient": per_patient_medians(tables),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
