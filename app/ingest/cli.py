"""`flask normalize PATH`: one JSON observation per result per line, to debug parser drift."""

from __future__ import annotations

import json
from pathlib import Path

import click

from app.ingest.normalize import normalize_document


@click.command("normalize")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--asin", default=None, help="The ASIN that was asked for (else the job's query).")
@click.option("--marketplace", default=None, help="The marketplace asked (else the job's domain).")
def normalize_command(path: Path, asin: str | None, marketplace: str | None) -> None:
    """Normalise a realtime or push-pull results file and print one observation per line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"cannot read {path}: {error}") from None
    try:
        document = json.loads(text)
    except ValueError as error:
        raise click.ClickException(f"{path} is not JSON: {error}") from None
    try:
        observations = normalize_document(document, asin, marketplace)
    except ValueError as error:  # a bad --asin or --marketplace (ListingError)
        raise click.UsageError(str(error)) from None
    for observation in observations:
        click.echo(json.dumps(observation.to_json_dict(), ensure_ascii=False))
