"""Secrets never leak: a password or token given to ``kam report`` / ``kam validate``
appears in no file of the run, no log line and no error message, in any form it may
take (as given, with ``//`` collapsed, URL-quoted or decoded, inside a traceback).

The end-to-end tests run ``kam`` in a subprocess, so stdout and stderr are what a
cron log would get.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import nbformat
import pytest

from kamlib import report
from kamlib.errors import ReportError
from kamlib.masking import MASK, mask_secret, mask_text, secret_forms, secret_values
from kamlib.report import config as batch
from kamlib.report import parameters
from kamlib.report.secrets import redact, scrub, secrets_in

OVERVIEW = report.NOTEBOOKS_DIR / "00_data_overview.ipynb"
PASSWORDS = ["hunter2", "p@ss/w%rd x"]


def _url(password: str, host: str = "db.example.com") -> str:
    """A database URL with *password* quoted as a driver expects it."""
    return f"postgresql://kam:{quote(password, safe='')}@{host}/crm"


def _leaks(password: str, url: str | None = None) -> list[str]:
    """What must never appear: the password raw and URL-quoted, and the URL as given and normalised."""
    forms = [password, quote(password), quote(password, safe=""), quote_plus(password)]
    if url:
        forms += [url, url.replace("://", ":/")]
    return list(dict.fromkeys(forms))


def _found(text: str | bytes, forms: list[str]) -> list[str]:
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    return [form for form in forms if form.encode("utf-8") in data]


# ============================================================ fast: the forms of a secret
@pytest.mark.parametrize("password", PASSWORDS)
def test_secret_forms_of_a_url_cover_every_shape_it_takes(password):
    url = _url(password)
    forms = secret_forms(url)
    assert forms[0] == url
    assert url.replace("://", ":/") in forms  # Path() collapses //
    assert password in forms and quote(password, safe="") in forms  # the password, decoded and as written
    assert quote(password) in forms and quote_plus(password) in forms
    assert quote(url, safe="") in forms and quote_plus(url) in forms


def test_secret_forms_of_plain_text_and_paths():
    assert secret_forms("") == []
    assert secret_forms("hunter2") == ["hunter2"]
    forms = secret_forms("p@ss/w%rd x")
    assert forms[0] == "p@ss/w%rd x"
    assert {"p%40ss/w%25rd%20x", "p%40ss%2Fw%25rd%20x", "p%40ss%2Fw%25rd+x"} <= set(forms)
    assert "/srv/crm-s3cret" in secret_forms("/srv//crm-s3cret/")
    assert secret_forms('a"b\\c')[:1] == ['a"b\\c'] and 'a\\"b\\\\c' in secret_forms('a"b\\c')  # JSON-escaped
    assert "a&amp;b" in secret_forms("a&b")  # HTML-escaped (a table of a report)
    # A path made of dots never yields "." as a form: scrubbing it would garble the whole report.
    assert all(len(form) >= 3 for form in secret_forms("././"))


def test_secret_values_expands_every_piece():
    assert secret_values("data", "postgresql://kam:hunter2@db/crm?token=abc") == ["hunter2", "abc"]
    assert set(secret_values("data", _url("p@ss/w%rd x"))) >= set(_leaks("p@ss/w%rd x"))
    assert set(secret_values("api_token", "p@ss/w%rd x")) >= set(_leaks("p@ss/w%rd x"))
    assert secret_values("data", "/srv/crm") == [] and secret_values("region", "east") == []


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("shape", ["given", "normalised", "raw password", "in a sentence"])
def test_mask_secret_hides_the_password_of_every_url_shape(password, shape):
    raw = password.replace("/", "").replace(" ", "")  # what a URL can hold unquoted: p@ssw%rdx
    url = {
        "given": _url(password),
        "normalised": _url(password).replace("://", ":/"),
        "raw password": f"postgresql://kam:{raw}@db.example.com/crm",
        "in a sentence": f"DataError: {_url(password).replace('://', ':/')}: no such file",
    }[shape]
    masked = mask_secret("data", url)
    assert "kam:***@db.example.com/crm" in masked
    assert not _found(masked, _leaks(raw if shape == "raw password" else password))


def test_mask_secret_hides_secret_names_and_query_values():
    assert mask_secret("api_token", "p@ss/w%rd x") == MASK and mask_secret("db_password", 1234) == MASK
    assert mask_secret("data", "https://api.example.com/x?region=east&token=abc") == \
        "https://api.example.com/x?region=east&token=***"
    assert mask_secret("scheduler", "tcp://127.0.0.1:8786") == "tcp://127.0.0.1:8786"  # no password: as is
    assert mask_secret("data", "/srv/exports/crm-2025-06") == "/srv/exports/crm-2025-06"


@pytest.mark.parametrize("password", PASSWORDS)
def test_redact_removes_every_form_of_an_env_secret(monkeypatch, password):
    url = _url(password)
    monkeypatch.setenv("KAM_TEST_SECRET_URL", url)
    secrets = secrets_in({"data": "env:KAM_TEST_SECRET_URL", "region": "east"})
    for form in secret_forms(url):
        message = f"DataError: {form}: no such file or folder (region east)"
        cleaned = redact(message, secrets)
        assert not _found(cleaned, _leaks(password, url)), (form, cleaned)
        assert cleaned.startswith("DataError: ") and cleaned.endswith(": no such file or folder (region east)")
    # a traceback in an executed notebook: JSON data, walked string by string
    traceback = {"ename": "DataError", "traceback": [f"\x1b[0;31mDataError\x1b[0m: {url.replace('://', ':/')}"]}
    assert not _found(json.dumps(redact(traceback, secrets), ensure_ascii=False), _leaks(password, url))


@pytest.mark.parametrize("password", PASSWORDS)
def test_redact_and_mask_text_on_each_form_of_a_token(password):
    secrets = secrets_in({"api_token": password})
    for form in secret_forms(password):
        assert mask_text(f"login {form} refused", secrets) == "login *** refused", form
        assert redact([f"login {form} refused"], secrets) == ["login *** refused"], form


def test_a_url_given_as_is_keeps_its_host_and_loses_its_password():
    secrets = secrets_in({"data": _url("p@ss/w%rd x")})
    message = f"DataError: {_url('p@ss/w%rd x').replace('://', ':/')}: no such file"
    assert redact(message, secrets) == "DataError: postgresql:/kam:***@db.example.com/crm: no such file"


def test_a_secret_that_is_also_a_data_value_is_masked_in_the_notebook(tmp_path):
    """The executed notebook (and its HTML) cannot tell a secret from the same text in the
    data: every occurrence is masked there. Tables the notebook saved are data: see the
    end-to-end test below."""
    nb = tmp_path / "job.ipynb"
    nb.write_text(json.dumps({"cells": [{"outputs": [{"text": "Central 1391473614.23"}]}]}), encoding="utf-8")
    scrub(nb, secrets_in({"api_token": "Central"}))
    assert json.loads(nb.read_text(encoding="utf-8"))["cells"][0]["outputs"][0]["text"] == "*** 1391473614.23"


# ======================================================== fast: errors raised to the user
def test_a_value_of_the_wrong_type_is_named_but_not_shown(tmp_path):
    declared = {"api_token": {"inferred_type_name": "int"}, "data": {"inferred_type_name": "list"},
                "db_password": {"inferred_type_name": "bool"}}
    cases = {"api_token": "hunter2", "data": _url("hunter2"), "db_password": "hunter2"}
    for name, value in cases.items():
        with pytest.raises(ReportError, match=f"parameter '{name}' expects") as info:
            parameters.check_parameters(OVERVIEW, {name: value}, declared)
        assert "hunter2" not in str(info.value)


def test_a_missing_data_path_shaped_like_a_url_is_masked():
    with pytest.raises(ReportError, match="does not exist") as info:
        parameters.check_data("postgresql:/kam:hunter2@db.example.com/crm")
    assert "hunter2" not in str(info.value) and "kam:***@db.example.com" in str(info.value)


def test_for_each_over_data_that_cannot_be_read_never_shows_the_env_value(monkeypatch):
    monkeypatch.setenv("KAM_TEST_SECRET_URL", _url("p@ss/w%rd x"))
    with pytest.raises(ReportError, match="for_each: region: cannot read the data") as info:
        batch.distinct_values("env:KAM_TEST_SECRET_URL", "region")
    assert not _found(str(info.value), _leaks("p@ss/w%rd x", _url("p@ss/w%rd x")))


def _kam(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``kam ARGS`` through the real entry point, as cron runs it."""
    return subprocess.run([sys.executable, "-c", "from kamlib.cli import run; run()", *args],
                          capture_output=True, text=True, timeout=300, check=False, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("password", PASSWORDS)
def test_kam_validate_never_prints_a_url_password(password, tmp_path):
    url = _url(password, host="db")
    proc = _kam("validate", url)  # a host that cannot be found: one error naming the database, exit 1
    assert proc.returncode == 1, proc.stderr
    assert "ERROR: postgresql://kam:***@db/crm: cannot connect to the database server" in proc.stdout
    assert not _found(proc.stdout + proc.stderr, _leaks(password, url))
    # Written with one slash, it is a path that does not exist: click's message is masked too.
    proc = _kam("validate", url.replace("://", ":/"))
    assert proc.returncode == 2 and "does not exist" in proc.stderr and "kam:***@db" in proc.stderr
    assert not _found(proc.stdout + proc.stderr, _leaks(password, url))


def test_kam_report_errors_never_show_a_token(tmp_path):
    proc = _kam("report", "--param", "api_token=hunter2", "--param", "region=p%40ss", "--out", str(tmp_path))
    assert proc.returncode == 2 and "error: 00_data_overview.ipynb: unknown parameters" in proc.stderr
    proc = _kam("report", "--param", "postgresql://kam:hunter2@db/crm", "--out", str(tmp_path))
    assert proc.returncode == 2 and "postgresql://kam:***@db/crm" in proc.stderr
    assert "hunter2" not in proc.stdout + proc.stderr


# ================================================================= slow: end to end
def _token_notebook(tmp_path: Path) -> Path:
    """A copy of 00_data_overview that takes a token, prints it in several forms and fails with it."""
    nb = nbformat.read(OVERVIEW, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source += '\napi_token: str | None = None  # a secret\n'
    nb.cells += [nbformat.v4.new_code_cell(code) for code in (
        "import urllib.parse\nprint(api_token, urllib.parse.quote(api_token), urllib.parse.quote_plus(api_token))",
        'raise PermissionError(f"login refused for {api_token!r} ({urllib.parse.quote(api_token, safe=\'\')})")',
    )]
    path = tmp_path / "97_token.ipynb"
    nbformat.write(nb, path)
    return path


def _check_run(proc: subprocess.CompletedProcess, out: Path, forms: list[str], *, status: str = "failed"
               ) -> tuple[Path, dict]:
    """The run failed cleanly (exit 1; 2 when bad data stopped it) and no form of the secret is in any file or output line."""
    assert proc.returncode == (2 if status == "bad_data" else 1), proc.stderr
    assert "Traceback" not in proc.stderr
    assert not _found(proc.stdout + proc.stderr, forms), proc.stdout + proc.stderr
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert {"index.html", "manifest.json"} <= {p.name for p in files} and any(p.suffix == ".ipynb" for p in files)
    for path in files:
        assert not _found(path.read_bytes(), forms), path
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and all(job["status"] == status for job in manifest["jobs"])
    return run_dir, manifest


@pytest.mark.slow
@pytest.mark.parametrize("password", PASSWORDS)
def test_an_env_database_url_leaks_nowhere(tmp_path, password):
    url = _url(password)
    out = tmp_path / "reports"
    proc = _kam("report", "--only", "00", "--lang", "all", "--param", "data=env:KAM_TEST_SECRET_URL",
                "--out", str(out), env={"KAM_TEST_SECRET_URL": url})
    run_dir, manifest = _check_run(proc, out, _leaks(password, url), status="bad_data")
    assert manifest["parameters"]["data"] == "env:KAM_TEST_SECRET_URL"
    shown = "postgresql://kam:***@db.example.com/crm: cannot connect to the database server"
    for job in manifest["jobs"]:  # a clear error: what failed and why, the host shown, the password masked
        assert job["problems"][0]["message"].startswith(shown), job["problems"]
        assert job["parameters"]["data"] == "env:KAM_TEST_SECRET_URL"
    assert proc.stderr.count("... bad_data") == 2 and f"  - {shown}" in proc.stdout
    html = (run_dir / "00_data_overview-en" / "00_data_overview.html").read_text(encoding="utf-8")
    assert shown in html and "env:KAM_TEST_SECRET_URL" in html


@pytest.mark.slow
def test_a_database_url_given_as_is_shows_its_host_but_not_its_password(tmp_path):
    url = _url("p@ss/w%rd x")
    out = tmp_path / "reports"
    proc = _kam("report", "--only", "00", "--param", f"data={url}", "--out", str(out))
    _, manifest = _check_run(proc, out, _leaks("p@ss/w%rd x"), status="bad_data")
    assert manifest["parameters"]["data"] == "postgresql://kam:***@db.example.com/crm"
    message = manifest["jobs"][0]["problems"][0]["message"]
    assert "postgresql://kam:***@db.example.com/crm: cannot connect to the database server" in message


@pytest.mark.slow
@pytest.mark.parametrize("password", PASSWORDS)
def test_a_token_parameter_leaks_nowhere(tmp_path, password):
    notebook = _token_notebook(tmp_path)
    out = tmp_path / "reports"
    proc = _kam("report", "--only", str(notebook), "--param", f"api_token={password}", "--out", str(out))
    run_dir, manifest = _check_run(proc, out, _leaks(password))
    (job,) = manifest["jobs"]
    assert job["parameters"]["api_token"] == MASK
    assert job["error"].startswith("PermissionError: login refused for '***' (***) (cell In ["), job["error"]
    executed = (run_dir / job["folder"] / "97_token.ipynb").read_text(encoding="utf-8")
    assert "*** *** ***" in executed  # the printed forms, each masked


@pytest.mark.slow
def test_a_secret_that_is_also_a_data_value_stays_in_the_tables(tmp_path):
    """Decided: the tables a notebook saves are data and keep the value; the executed
    notebook and its HTML mask every occurrence of the secret."""
    nb = nbformat.read(OVERVIEW, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source += '\napi_token: str | None = None  # a secret\n'
    path = tmp_path / "98_same.ipynb"
    nbformat.write(nb, path)
    result = report.run([str(path)], parameters={"api_token": "Central"}, out=tmp_path / "reports")
    assert result.ok, [job.error for job in result.jobs]
    folder = result.run_dir / result.jobs[0].folder
    assert "Central" in (folder / "tables" / "revenue_by_region.csv").read_text(encoding="utf-8-sig")
    html = (folder / "98_same.html").read_text(encoding="utf-8")
    assert "Central" not in html and MASK in html
    assert "Central" not in (folder / "98_same.ipynb").read_text(encoding="utf-8")
    assert "Central" not in (result.run_dir / "manifest.json").read_text(encoding="utf-8")
