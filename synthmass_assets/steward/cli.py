"""The ``synthmass`` console script: ``synthmass serve …`` starts the $match service."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from synthmass_assets.steward import match_server


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="synthmass")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="FHIR Patient/$match for a resolved track", add_help=False)
    args, rest = parser.parse_known_args(argv)
    if args.command == "serve":
        match_server.main(rest)


if __name__ == "__main__":
    main()
