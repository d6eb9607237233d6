"""The ``kam`` command: a thin click layer over kamlib."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kamlib.errors import KamlibError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kam-workbook")
def main() -> None:
    """Key account management workbook (大客户管理): reports, validation, sample data."""


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def validate(path: Path) -> None:
    """Check a data folder or DuckDB file against the data contract.

    Prints every problem found (not just the first) and exits with status 1 when
    there are errors; warnings alone exit 0.

    Example: kam validate ~/exports/crm-2025-06/
    """
    from kamlib.data import validate as run_validate

    report = run_validate(path, progress=lambda line: click.echo(line, err=True))
    click.echo(report.format())
    sys.exit(1 if report.errors else 0)


@main.command()
@click.option("--accounts", "n_accounts", type=int, default=None, help="Number of accounts (default: the embedded sample's size).")
@click.option("--seed", type=int, default=None, help="Random seed (default: the embedded sample's seed).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder to write the tables into.")
@click.option("--format", "fmt", type=click.Choice(["auto", "csv", "parquet"]), default="auto", show_default=True,
              help="File format; auto = CSV up to 5000 accounts, Parquet above.")
def sample(n_accounts: int | None, seed: int | None, out: Path, fmt: str) -> None:
    """Generate the fictional sample company's data.

    Example: kam sample --accounts 200000 --out bench/_data/big
    """
    from kamlib import sample as sample_mod

    tables = sample_mod.generate(
        n_accounts=sample_mod.SAMPLE_ACCOUNTS if n_accounts is None else n_accounts,
        seed=sample_mod.SAMPLE_SEED if seed is None else seed,
        out=out,
        fmt=fmt,
    )
    for name, frame in tables.items():
        click.echo(f"{name:<14} {len(frame):>10,} rows")
    click.echo(f"written to {out}")


@main.command()
@click.option("--data", type=str, default=None, metavar="PATH",
              help="Data folder or DuckDB file (default: the embedded sample).")
@click.option("--lang", type=click.Choice(["en", "zh", "all"]), default="en", show_default=True,
              help="Report language; all = one report per language.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"), show_default=True, metavar="DIR",
              help="Folder that receives the new run folder.")
@click.option("--only", "only", multiple=True, metavar="NOTEBOOK",
              help="Run only this notebook (name, number such as 00, or path); repeatable. Default: all.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="Set a notebook parameter (repeatable); unknown names are an error.")
def report(data: str | None, lang: str, out: Path, only: tuple[str, ...], params: tuple[str, ...]) -> None:
    """Run the analysis notebooks and publish HTML reports without code.

    Each run writes a new folder OUT/<YYYYmmdd-HHMMSS>/ with, per notebook and
    language, the executed notebook, its HTML report and the tables it produced
    (CSV in UTF-8 with BOM, XLSX), plus index.html and manifest.json. A failing
    notebook does not stop the others; the exit status is 1 if any failed.

    \b
    Example:
      kam report --lang all --data ~/exports/crm-2025-06/ --only 00
    """
    from kamlib import report as report_mod

    parameters = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, but {item!r} was passed.", param_hint="--param")
        parameters[key.strip()] = value
    result = report_mod.run(list(only) or None, data=data, lang=lang, out=out, parameters=parameters)
    click.echo(f"run folder: {result.run_dir}")
    click.echo(result.summary())
    sys.exit(0 if result.ok else 1)


def run() -> None:
    """Entry point that turns kamlib errors into one clean line and exit status 2."""
    try:
        main(standalone_mode=True)
    except KamlibError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
