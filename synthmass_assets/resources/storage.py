"""Where SynthMass keeps its data: a home folder locally, object storage on Kubernetes.

Both variants hand out a local working folder per model (``model_dir``) because training
libraries write to and read from local paths. ``publish_model`` makes a model durable after it
was written and ``fetch_model`` brings one that another step wrote; locally both are no-ops, on
Kubernetes, where every step runs in its own pod, they copy to and from the object store.
"""

from __future__ import annotations

import logging
from pathlib import Path

import dagster as dg
from pydantic import Field
from upath import UPath

from synthmass_assets.errors import SynthmassError

DEFAULT_HOME = ".synthmass"
DATABASE_FILE = "synthmass.duckdb"
MODELS_FOLDER = "models"

logger = logging.getLogger(__name__)


class SynthmassStorage(dg.ConfigurableResource):
    """The SynthMass home: ``synthmass.duckdb`` for tables and ``models/`` for weights."""

    home: str = Field(
        default=DEFAULT_HOME,
        description="Folder holding synthmass.duckdb and models/ (SYNTHMASS_HOME).",
    )

    @property
    def database_path(self) -> Path:
        return Path(self.home) / DATABASE_FILE

    def model_dir(self, asset_name: str) -> Path:
        """Local folder for one model asset's weights, created on demand."""
        path = Path(self.home) / MODELS_FOLDER / asset_name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def publish_model(self, asset_name: str) -> str:
        """Make the files written to ``model_dir(asset_name)`` durable; returns where they are."""
        return str(self.model_dir(asset_name).resolve())

    def fetch_model(self, asset_name: str) -> Path:
        """Local folder holding the published files of ``asset_name``."""
        return self.model_dir(asset_name)


class ObjectStoreStorage(SynthmassStorage):
    """Kubernetes variant: models live under ``<url>/models/``; ``home`` is pod-local scratch.

    Credentials never appear in config: fsspec finds them in the environment (for S3:
    ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` from a Kubernetes Secret, or the pod's
    workload identity; ``AWS_ENDPOINT_URL`` for S3-compatible stores such as MinIO).
    """

    url: str = Field(
        description=(
            "Object-store prefix for model weights and tables, e.g. s3://bucket/synthmass "
            "(SYNTHMASS_OBJECT_STORE_URL)."
        ),
    )

    def model_uri(self, asset_name: str) -> UPath:
        """Durable location of one model asset's files."""
        return UPath(self.url) / MODELS_FOLDER / asset_name

    def publish_model(self, asset_name: str) -> str:
        local, remote = self.model_dir(asset_name), self.model_uri(asset_name)
        files = sorted(path for path in local.rglob("*") if path.is_file())
        if not files:
            raise SynthmassError(
                f"Nothing to publish for {asset_name!r}: {local} is empty. "
                "Write the model files to storage.model_dir(...) first."
            )
        for path in files:  # put_file streams: weights can be larger than memory
            target = remote / path.relative_to(local).as_posix()
            remote.fs.makedirs(target.parent.path, exist_ok=True)
            remote.fs.put_file(str(path), target.path)
        logger.info("Published %d files of %s to %s", len(files), asset_name, remote)
        return str(remote)

    def fetch_model(self, asset_name: str) -> Path:
        local, remote = self.model_dir(asset_name), self.model_uri(asset_name)
        files = remote.fs.find(remote.path) if remote.exists() else []
        if not files:
            raise SynthmassError(
                f"No published model for {asset_name!r} at {remote}. "
                f"Materialize {asset_name} first."
            )
        prefix = remote.path.rstrip("/") + "/"
        for name in files:
            target = local / name.removeprefix(prefix)
            target.parent.mkdir(parents=True, exist_ok=True)
            remote.fs.get_file(name, str(target))
        logger.info("Fetched %d files of %s from %s", len(files), asset_name, remote)
        return local
