"""The living index's code location: batch-partitioned assets, their sensor and upstream specs.

Its assets are partitioned by batch (a dynamic partition per replay batch or inbox entry), and
``dagster asset materialize`` refuses a selection that holds a partitioned asset without
``--partition``. So they live in their own code location (``workspace.yaml`` loads both):
``--select 'not key:"custom/*"'`` on the main location stays the one-shot pipeline, and a
batch is materialized here, by the sensor or by hand::

    dagster asset materialize -m synthmass_assets.living.definitions \\
        --select 'key:"live/*"' --partition batch_01

The assets they read (the evaluation and custom tracks' tables, the training track's fusion
calibration) are materialized in the main location; here they are declared as external specs.
"""

from __future__ import annotations

import dagster as dg

from synthmass_assets.classifier.serving.binding import promoted_binding
from synthmass_assets.definitions import DeploymentSettings, deployment_settings
from synthmass_assets.k8s import k8s_step_executor
from synthmass_assets.living.assets import build_live_assets
from synthmass_assets.living.inbox import inbox_folder
from synthmass_assets.living.inbox_assets import build_inbox_assets, build_inbox_sensor
from synthmass_assets.resources import deployment_resources
from synthmass_assets.tracks import EVALUATION, TRAINING


def living_assets(settings: DeploymentSettings) -> list[dg.AssetsDefinition]:
    """The live replay of the evaluation track and the custom track's inbox batches."""
    inbox = settings.inbox or inbox_folder(settings.home, {})
    classifier = promoted_binding(TRAINING)
    live = build_live_assets(classifier, EVALUATION.name, calibration_track=TRAINING.name)
    return [*live, *build_inbox_assets(inbox)]


def upstream_specs(assets: list[dg.AssetsDefinition]) -> list[dg.AssetSpec]:
    """External specs of the keys ``assets`` read that the main location materializes."""
    own = {key for a in assets for key in a.keys}
    upstream = {dep for a in assets for deps in a.asset_deps.values() for dep in deps}
    return [
        dg.AssetSpec(key, description="Materialized in the synthmass code location.")
        for key in sorted(upstream - own, key=lambda k: k.to_user_string())
    ]


def build_living_definitions(settings: DeploymentSettings) -> dg.Definitions:
    """Living-index assets, their inbox sensor and the deployment's resources."""
    inbox = settings.inbox or inbox_folder(settings.home, {})
    assets = living_assets(settings)
    return dg.Definitions(
        assets=[*assets, *upstream_specs(assets)],
        sensors=[build_inbox_sensor(inbox)],
        resources=deployment_resources(
            settings.name, settings.home, settings.show_identifying_values
        ),
        executor=k8s_step_executor() if settings.name == "k8s" else dg.in_process_executor,
    )


@dg.definitions
def definitions() -> dg.Definitions:
    """Entry point for the living index (``-m synthmass_assets.living.definitions``)."""
    return build_living_definitions(deployment_settings())
