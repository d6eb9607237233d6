"""The ``kam`` command: a thin click layer over kamlib."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from kamlib.errors import ConfigError, KamlibError
from kamlib.masking import mask_text, secret_values


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kam-workbook")
def main() -> None:
    """Key account management workbook (大客户管理): reports, validation, sample data."""


@main.command()
@click.argument("path", type=str)  # checked below: click.Path's message would show a URL's password
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the report (en: English, zh: 中文).")
def validate(path: str, lang: str) -> None:
    """Check a data folder, DuckDB file or database (PostgreSQL, MySQL, MariaDB) against the data contract.

    Prints every problem found (not just the first) and exits with status 1 when
    there are errors (a database that cannot be reached or read too); warnings alone
    exit 0. A database URL's password is never printed.

    Example: kam validate ~/exports/crm-2025-06/ --lang zh

    Example: kam validate 'postgresql://kam_reader@db.example.com/crm?schema=crm'
    """
    from kamlib.data import validate as run_validate
    from kamlib.data.database import is_url

    secrets = secret_values("data", path)
    shown = mask_text(path, secrets)
    if "://" in path and not is_url(path):
        from kamlib import i18n

        raise ConfigError(i18n.t("data.not_a_database_url", lang, url=shown))
    if not is_url(path) and not Path(path).expanduser().exists():
        raise click.BadParameter(f"Path {shown!r} does not exist.", param_hint="'PATH'")
    source = path if is_url(path) else Path(path)
    report = run_validate(source, progress=lambda line: click.echo(mask_text(line, secrets), err=True), lang=lang)
    click.echo(mask_text(report.format(lang), secrets))
    sys.exit(1 if report.errors else 0)


@main.command()
@click.option("--accounts", "n_accounts", type=int, default=None, help="Number of accounts (default: the embedded sample's size).")
@click.option("--seed", type=int, default=None, help="Random seed (default: the embedded sample's seed).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder to write the tables into.")
@click.option("--format", "fmt", type=click.Choice(["auto", "csv", "parquet"]), default="auto", show_default=True,
              help="File format; auto = CSV up to 5000 accounts, Parquet above.")
def sample(n_accounts: int | None, seed: int | None, out: Path, fmt: str) -> None:
    """Generate the fictional sample company's data.

    Exits with status 2 when a file cannot be written (a full disk, no permission); no
    part of that file is left under its name.

    Example: kam sample --accounts 200000 --out bench/_data/big
    """
    import errno

    from kamlib import sample as sample_mod

    try:
        tables = sample_mod.generate(
            n_accounts=sample_mod.SAMPLE_ACCOUNTS if n_accounts is None else n_accounts,
            seed=sample_mod.SAMPLE_SEED if seed is None else seed,
            out=out,
            fmt=fmt,
        )
    except OSError as exc:
        full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
        fix = "Free some space, or" if full else "Check that folder, or"
        click.echo(f"error: could not write {exc.filename or out}: {exc.strerror or exc}. {fix} pass --out "
                   "another folder.", err=True)
        sys.exit(2)
    for name, frame in tables.items():
        click.echo(f"{name:<14} {len(frame):>10,} rows")
    click.echo(f"written to {out}")


@main.command()
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Batch config (YAML): notebooks, parameter sets, fan-out; the options below override it.")
@click.option("--data", type=str, default=None, metavar="PATH",
              help="Data folder, DuckDB file or env:NAME (default: the embedded sample).")
@click.option("--lang", type=click.Choice(["en", "zh", "all"]), default=None,
              help="Report language; all = one report per language. [default: en]")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
              help="Folder that receives the new run folder. [default: reports]")
@click.option("--only", "only", multiple=True, metavar="NOTEBOOK",
              help="Run only this notebook (name, number such as 00, or path); repeatable. Default: all.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="Set a notebook parameter (repeatable); unknown names are an error. VALUE env:NAME is read "
                   "from the environment variable NAME when the notebook runs.")
@click.option("--jobs", "workers", type=click.IntRange(min=1), default=None, metavar="N",
              help="Jobs run in parallel on local processes. [default: number of cores]")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Seconds one job may run in all before it fails (a job still running 30 s later, outside a "
                   "cell, has its worker and kernel stopped).")
@click.option("--scheduler", type=str, default=None, metavar="ADDRESS",
              help="Run the jobs on this Dask distributed scheduler (tcp://host:8786) instead.")
@click.option("--fresh-kernels", is_flag=True, default=False,
              help="Start a new kernel for every job instead of reusing each worker's warm kernel (slower).")
@click.option("--retry-failed", "retry", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              metavar="RUN_DIR", help="Run the failed jobs of an earlier run again, in that run's folder.")
def report(config_file: Path | None, data: str | None, lang: str | None, out: Path | None, only: tuple[str, ...],
           params: tuple[str, ...], workers: int | None, timeout: float | None, scheduler: str | None,
           fresh_kernels: bool, retry: Path | None) -> None:
    """Run the analysis notebooks and publish HTML reports without code.

    Each run writes a new folder OUT/[<period>_]<YYYYmmdd-HHMMSS>/ with, per job
    (notebook, language, fan-out value), the executed notebook, its HTML report and
    the tables it produced (CSV in UTF-8 with BOM, XLSX), plus index.html and
    manifest.json. A failing notebook does not stop the others. Each worker keeps
    one warm kernel and resets it between jobs (--fresh-kernels: a new one per job).

    A report that stops on data it cannot use gets a page listing the problems (file,
    column, rows, fix) instead of the error; the list is also printed and kept in
    index.html and manifest.json.

    Exit status: 0 all reports ok; 1 some report failed (see index.html); 2 the run
    could not start (bad config, parameter, data or scheduler; nothing ran) or a
    report could not start because of bad data (the other reports are published);
    130 interrupted (Ctrl-C; the manifest says what finished).

    \b
    Examples:
      kam report --lang all --data ~/exports/crm-2025-06/ --only 00
      kam report --config data/sample_config/batch.yml --param period_end=2025-06-30
      kam report --retry-failed reports/2025-06-30_20250701-060000
    """
    from kamlib.report import config as batch
    from kamlib.report import runner
    from kamlib.report.secrets import redact, secrets_in

    parameters = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, but {mask_text(item)!r} was passed.", param_hint="--param")
        parameters[key.strip()] = value
    data = parameters.pop("data", data)  # --param data=... is --data
    lang = parameters.pop("lang", lang)
    try:
        if retry is not None:
            result = runner.retry_failed(retry, workers=workers, scheduler=scheduler, fresh_kernels=fresh_kernels)
        elif config_file is not None:
            settings = batch.load_config(config_file)
            jobs, shared = batch.plan_batch(settings, data=data, lang=lang, parameters=parameters, only=only or None,
                                            timeout=timeout)
            result = runner.run_jobs(jobs, out=out or settings.get("out") or "reports", parameters=shared,
                                     workers=workers or settings.get("jobs"), scheduler=scheduler,
                                     extra={"config": str(config_file.resolve())}, fresh_kernels=fresh_kernels)
        else:
            result = runner.run(list(only) or None, data=data, lang=lang or "en", out=out or "reports",
                                parameters=parameters, timeout=timeout, jobs=workers or None, scheduler=scheduler,
                                fresh_kernels=fresh_kernels)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except KamlibError as exc:  # printed as "error: ...": never with a secret given here
        exc.args = (redact(str(exc), secrets_in({"data": data, **parameters})),)
        raise
    click.echo(f"run folder: {result.run_dir}")
    click.echo(result.summary())
    sys.exit(0 if result.ok else 2 if result.bad_data else 1)


@main.group()
def training() -> None:
    """Workshops: check the question banks, build the trainer and participant editions, serve them.

    Example: kam training check --lang zh
    """


@training.command("check")
@click.argument("banks", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the messages (en: English, zh: 中文).")
def training_check(banks: tuple[Path, ...], lang: str) -> None:
    """Check question bank files (default: every workshop that ships with kamlib).

    Prints every problem with its file, line, question, field and the fix; exits 0
    when every bank is clean, 2 when one has problems.

    Example: kam training check my_workshop.yml --lang zh
    """
    from kamlib import i18n
    from kamlib.training import bank_folder, bank_problems

    found = 0
    for path in banks or sorted(bank_folder().glob("*.yml")):
        problems = bank_problems(path)
        found += len(problems)
        if problems:
            click.echo(i18n.t("training.several_problems", lang, n=len(problems), file=path.name))
            for problem in problems:
                click.echo(f"- {problem.text(lang)}")
        else:
            click.echo(i18n.t("training.clean", lang, file=path.name))
    sys.exit(2 if found else 0)


@training.command("build")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--workshop", "workshops", multiple=True,
              help="Workshop id to build (repeat; default: every workshop notebook and the dashboard).")
@click.option("--banks", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of the full banks to make the keys from (default: the banks that ship with kamlib).")
@click.option("--source", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of the workshop notebooks (default: the workbook's notebooks/training).")
def training_build(out: Path, workshops: tuple[str, ...], banks: Path | None, source: Path | None) -> None:
    """Write the trainer and participant editions of the workshop notebooks into OUT.

    OUT/trainer holds every cell (notes, solutions) and the banks; OUT/participant holds
    the notebooks without them, each with its key file (no readable answer): hand that
    folder out. A line is printed for each file written.

    Example: kam training build ../editions --workshop prospects --workshop call_skills
    """
    from kamlib.training.editions import WORKSHOP_NOTEBOOKS, build_editions

    built = build_editions(out, list(workshops) or None, source=source or WORKSHOP_NOTEBOOKS, banks=banks,
                           progress=click.echo)
    click.echo(f"trainer edition: {built.trainer}")
    click.echo(f"participant edition (hand this out): {built.participant}")


@training.command("serve")
@click.option("--port", type=int, default=8866, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets the room's computers in.")
@click.option("--results", "results_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("results"),
              show_default=True, help="Folder where participants' answers are recorded.")
@click.option("--workshop", "workshops", multiple=True, help="Workshop id to serve (repeat; default: all).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language the pages open in (each page can switch).")
@click.option("--max-pages", type=int, default=40, show_default=True, help="Most pages open at once.")
@click.option("--warm", type=click.IntRange(min=0), default=0, show_default=True,
              help="Kernels started ahead per workshop, so pages open at once: set it to the room's size.")
def training_serve(port: int, host: str, results_dir: Path, workshops: tuple[str, ...], lang: str,
                   max_pages: int, warm: int) -> None:
    """Serve workshops to a room with Voilà (no code shown, works offline) until Ctrl-C.

    Answers are checked on this computer (the key never reaches a browser) and recorded
    per participant under --results; the trainer's dashboard link is printed too.

    Example: kam training serve --workshop prospects --lang zh --host 0.0.0.0
    """
    import tempfile

    from kamlib import i18n
    from kamlib.apps.voila import check_port, start_voila
    from kamlib.apps.workshops import DASHBOARD, prepare_workshops

    check_port(host, port)
    with tempfile.TemporaryDirectory(prefix="kam-serve-") as session_dir:
        session = prepare_workshops(session_dir, workshops, lang=lang, results_dir=results_dir)
        server = start_voila(session.folder, host=host, port=port, env=session.environment(), max_kernels=max_pages,
                             warm=warm, cold=[DASHBOARD], cwd=session_dir)
        try:
            server.wait_ready(timeout=300)
            click.echo(i18n.t("training.serve.participants", lang))
            for workshop in session.workshops:
                click.echo(f"  {session.participant_url(server.url, workshop)}")
            click.echo(i18n.t("training.serve.dashboard", lang))
            click.echo(f"  {session.dashboard_url(server.url)}")
            click.echo(i18n.t("training.serve.results", lang, path=session.results))
            click.echo(i18n.t("training.serve.stop", lang))
        except BaseException:
            server.stop()
            raise
        server.run_until_stopped()


@main.command()
@click.argument("notebooks", nargs=-1, metavar="[NOTEBOOK]...")
@click.option("--data", type=str, default=None, metavar="PATH",
              help="Data folder or DuckDB file (default: the embedded sample); it stays on this computer.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the dashboards (en: English, zh: 中文).")
@click.option("--port", type=int, default=8866, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets other computers in.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/explore"),
              show_default=True, help="Folder for the dashboards' tables, workbooks and saved settings.")
def explore(notebooks: tuple[str, ...], data: str | None, lang: str, port: int, host: str, out: Path) -> None:
    """Serve the analysis notebooks as dashboards with Voilà (no code shown, works offline) until Ctrl-C.

    Each section has the controls of its rule (cut-offs, split points, period, region, rep,
    confidence level, month, policy) and redraws when one moves; a button writes the
    settings as lines for the monthly report's batch file. NOTEBOOK is a name or number
    (02); none = all.

    Example: kam explore 02 --lang zh --data ~/exports/crm-2025-06/
    """
    from kamlib.explore.serve import serve

    serve(notebooks, data=data, lang=lang, host=host, port=port, out=out, echo=click.echo)


def run() -> None:
    """Entry point that turns kamlib errors into one clean line and exit status 2."""
    from kamlib.report.kernels import skip_iri_grammar

    skip_iri_grammar()
    try:
        main(standalone_mode=True)
    except KamlibError as exc:
        click.echo(error_line(mask_text(str(exc))), err=True)  # a URL's password masked, wherever it came from
        sys.exit(2)


def error_line(message: str) -> str:
    """*message* as the command's error line, headed in the message's language.

    Examples
    --------
    >>> error_line("orders.csv: no such file.")
    'error: orders.csv: no such file.'
    >>> error_line("orders.csv：找不到文件。")
    '错误：orders.csv：找不到文件。'
    """
    return f"错误：{message}" if re.search("[\u4e00-\u9fff]", message) and re.search("[，。：]", message) else (
        f"error: {message}")
