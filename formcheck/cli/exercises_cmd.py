"""`formcheck exercises`: the catalogue, and how to set up for one."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from formcheck.analysis.exercise import ExerciseSpec, builtin_exercises, get_exercise
from formcheck.cli.app import app

exercises_app = typer.Typer(help="The exercise catalogue.", invoke_without_command=True)
app.add_typer(exercises_app, name="exercises")


def prescription_text(spec: ExerciseSpec) -> str:
    p = spec.prescription
    parts = []
    if p.sets and p.reps:
        parts.append(f"{p.sets} x {p.reps}")
    elif p.reps:
        parts.append(f"{p.reps} reps")
    if p.hold_s:
        parts.append(f"hold {p.hold_s:g} s")
    if p.frequency:
        parts.append(p.frequency)
    return ", ".join(parts)


@exercises_app.callback()
def list_exercises(ctx: typer.Context) -> None:
    """List the exercises formcheck knows."""
    if ctx.invoked_subcommand:
        return
    table = Table(title="Exercises")
    for col in ("id", "name", "camera", "prescription"):
        table.add_column(col, no_wrap=(col == "id"))
    for spec in builtin_exercises().values():
        table.add_row(spec.id, spec.name, f"{spec.camera.view}, {spec.camera.posture}",
                      prescription_text(spec))
    Console().print(table)


@exercises_app.command("show")
def show(exercise_id: str = typer.Argument(..., help="Exercise id.")) -> None:
    """Explain the setup and camera placement for one exercise."""
    spec = get_exercise(exercise_id)
    out = Console()
    out.print(f"[bold]{spec.name}[/bold] ({spec.id})")
    if spec.setup:
        out.print(f"Setup: {spec.setup}")
    if spec.movement:
        out.print(f"Movement: {spec.movement}")
    view = {"side": "side-on to the camera", "front": "facing the camera"}.get(
        spec.camera.view, "any view")
    out.print(f"Camera: {view}; {spec.camera.hint}".rstrip("; "))
    out.print(f"Prescription: {prescription_text(spec)}")
    counted = (f"reps of '{spec.key}'" if spec.kind == "reps" else f"holds of '{spec.key}'")
    out.print(f"Counts: {counted}")
    if spec.faults:
        out.print("Checks: " + "; ".join(f"{f.cue} ({f.code})" for f in spec.faults))
    if spec.variants:
        out.print("Variants: " + ", ".join(spec.variants))
    out.print("Pain is the stop sign: persistent pain needs a doctor or physiotherapist.")
