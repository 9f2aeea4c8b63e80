"""Asset checks of the resolution stage."""

import dagster as dg
import polars as pl

from synthmass_assets.resolution.assets import TRAINING_FILE, load_model_file
from synthmass_assets.resolution.baselines import blocking_recall
from synthmass_assets.resolution.linkage import em_passes_converged
from synthmass_assets.resources.storage import SynthmassStorage

BLOCKING_RECALL_FLOOR = 0.995


def build_resolution_checks(track: str, has_ground_truth: bool) -> list[dg.AssetChecksDefinition]:
    """EM convergence for every track; blocking recall where ground truth exists."""

    @dg.asset_check(
        asset=dg.AssetKey([track, "splink_model"]),
        name="em_converged",
        description="Every EM pass that ran converged (parameter change below the configured "
        "tolerance) rather than stopping at its iteration cap; passes Splink skipped on "
        "degenerate blocked pairs are listed with the reason.",
    )
    def em_converged(storage: SynthmassStorage) -> dg.AssetCheckResult:
        passes = load_model_file(storage, track, TRAINING_FILE)["em_passes"]
        return dg.AssetCheckResult(
            passed=em_passes_converged(passes),
            metadata={
                "em_passes": dg.MetadataValue.json(passes),
                "skipped_passes": sum(1 for p in passes if p.get("skipped")),
            },
        )

    checks = [em_converged]
    if has_ground_truth:

        @dg.asset_check(
            asset=dg.AssetKey([track, "scored_pairs"]),
            name="blocking_recall",
            additional_ins={"ground_truth": dg.AssetIn(key=dg.AssetKey([track, "ground_truth"]))},
            description=f"At least {BLOCKING_RECALL_FLOOR} of the true pairs reach scoring.",
        )
        def recall_check(
            scored_pairs: pl.DataFrame, ground_truth: pl.DataFrame
        ) -> dg.AssetCheckResult:
            recall, found, total = blocking_recall(scored_pairs, ground_truth)
            return dg.AssetCheckResult(
                passed=recall >= BLOCKING_RECALL_FLOOR,
                metadata={
                    "blocking_recall": recall,
                    "true_pairs_found": found,
                    "true_pairs": total,
                },
            )

        checks.append(recall_check)
    return checks
