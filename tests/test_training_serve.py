"""Serving workshops without a browser: the launcher, the served folder and ``kam training serve``.

The offline template must hold no link to another host (a room without internet still
works); the answer key must sit outside the folder Voilà serves, and trainer notes and
solution cells must not reach it; a taken port or an unknown workshop is a clear error.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import psutil
import pytest
from click.testing import CliRunner
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from ports import free_port
from served_apps import kam_command, start_app

from kamlib.apps import voila
from kamlib.apps.workshops import (
    DASHBOARD,
    SERVER_ONLY_TAGS,
    available_workshops,
    prepare_workshops,
)
from kamlib.cli import main
from kamlib.training import load_banks
from kamlib.training.classroom import TOKEN_ENV
from kamlib.training.keys import KEY_ENV

#: An address in a page that the browser would fetch from another host (links, scripts, imports).
EXTERNAL = re.compile(r"""(?:href|src)\s*=\s*["']https?://(?!127\.0\.0\.1|localhost)|import\(\s*["']https?://""")


def test_the_offline_template_drops_every_cdn_link_of_voilas_lab_template():
    ours = Path(voila.__file__).parent / "templates" / "voila" / "templates" / voila.TEMPLATE
    assert json.loads((ours / "conf.json").read_text())["base_template"] == "lab"
    theirs = Path(sys.prefix) / "share" / "jupyter" / "voila" / "templates" / "lab" / "index.html.j2"
    links = re.findall(r"<link[^>]*https?://[^>]*>", theirs.read_text(encoding="utf-8"))
    assert links, "Voilà's lab template changed: check what it loads from the internet"
    index = (ours / "index.html.j2").read_text(encoding="utf-8")
    assert all(f"replace('{link}', '')" in index for link in links)
    for page in ("page.html", "error.html"):  # whole pages of our own
        assert not EXTERNAL.search((ours / page).read_text(encoding="utf-8")), page


def test_the_command_hides_code_caps_kernels_and_culls_idle_ones():
    command = voila.voila_command("served", host="0.0.0.0", port=9000, max_kernels=7, idle_minutes=30)
    assert {"--strip_sources=True", "--show_tracebacks=False", "--Voila.port_retries=0", "--Voila.ip=0.0.0.0",
            "--CappedKernelManager.max_kernels=7", "--MappingKernelManager.cull_idle_timeout=1800"} <= set(command)
    message = next(arg for arg in command if arg.startswith("--CappedKernelManager.full_message="))
    assert "7 pages" in message and "7 个" in message  # both languages, with the cap


def test_the_environment_finds_the_template_first_and_passes_variables_to_kernels():
    env = voila.voila_environment({KEY_ENV: "/srv/key"}, base={"JUPYTER_PATH": "/elsewhere", "HOME": "/home/t"})
    first = Path(env["JUPYTER_PATH"].split(":")[0])
    assert (first / "voila" / "templates" / voila.TEMPLATE / "index.html.j2").is_file()
    assert env["JUPYTER_PATH"].endswith("/elsewhere") and env[KEY_ENV] == "/srv/key" and env["HOME"] == "/home/t"
    page_config = Path(env["JUPYTER_CONFIG_PATH"].split(":")[0]) / "labconfig" / "page_config.json"
    assert "announcements" in page_config.read_text()


def test_a_taken_port_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["training", "serve", "--port", str(port)])
    assert result.exit_code != 0
    assert f"port {port} on 127.0.0.1 is taken" in str(result.exception)
    assert f"--port {port + 1}" in str(result.exception)


def test_an_unknown_workshop_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["training", "serve", "--port", str(free_port()), "--workshop", "nonesuch",
                                       "--results", str(tmp_path)])
    assert "unknown workshop nonesuch" in str(result.exception)
    assert "prospects" in str(result.exception)  # the ids to use instead


def _texts(bank) -> list[str]:
    """Texts of *bank* only the server may hold: explanations, option feedback, criteria."""
    found = []
    for q in bank.questions:
        found += [q.explanation.en, q.explanation.zh]
        found += [t for o in q.options if o.feedback for t in (o.feedback.en, o.feedback.zh)]
        found += [t for c in q.criteria for t in (c.text.en, c.text.zh, c.hint.en, c.hint.zh)]
    return [t for t in found if len(t) > 12]


def test_the_served_folder_holds_no_key_and_no_trainer_cells(tmp_path):
    workshop = available_workshops()[0]
    session = prepare_workshops(tmp_path / "session", [workshop], lang="zh", results_dir=tmp_path / "results")
    assert session.workshops == (workshop,)
    assert not session.key.resolve().is_relative_to(session.folder.resolve())
    assert (session.key / f"{workshop}.yml").is_file()
    assert session.environment() == {KEY_ENV: str(session.key), TOKEN_ENV: session.token}
    served = sorted(p.name for p in session.folder.rglob("*") if p.is_file())
    assert served == sorted([f"{workshop}.ipynb", DASHBOARD])
    page = nbformat.read(session.folder / f"{workshop}.ipynb", as_version=4)
    tags = {tag for cell in page.cells for tag in cell.metadata.get("tags", [])}
    assert not tags & set(SERVER_ONLY_TAGS)
    injected = next(c for c in page.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'lang = "zh"' in injected.source and str((tmp_path / "results").resolve()) in injected.source
    text = "\n".join(p.read_text(encoding="utf-8") for p in session.folder.rglob("*") if p.is_file())
    leaks = [t for t in _texts(load_banks()[workshop]) if t in text]
    assert leaks == []
    assert session.participant_url("http://h:1/", workshop, "张 伟").endswith(f"/{workshop}.ipynb?p=%E5%BC%A0%20%E4%BC%9F")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_served_pages_speak_only_their_language(tmp_path, lang):
    session = prepare_workshops(tmp_path / "session", ["prospects"], lang=lang, results_dir=tmp_path / "results")
    for name in ("prospects.ipynb", DASHBOARD):
        page = nbformat.read(session.folder / name, as_version=4)
        text = "\n".join(c.source for c in page.cells if c.cell_type == "markdown")
        assert text.strip()
        chinese = re.findall(r"[\u4e00-\u9fff]", text)
        assert bool(chinese) == (lang == "zh"), text
        if lang == "zh":  # no English sentence left beside the Chinese one
            assert not re.search(r"[A-Za-z]+ [a-z]+ [a-z]+ [a-z]+", text), text


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as reply:
            return reply.status, reply.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


@pytest.mark.slow
def test_a_served_page_is_offline_code_free_and_the_next_page_past_the_cap_reads_a_full_page(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    nb = new_notebook(cells=[new_markdown_cell("# Hello 你好"),
                             new_code_cell("import os\nprint('key at', os.environ['KAM_TRAINING_KEY'])")],
                      metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})
    nbformat.write(nb, folder / "hello.ipynb")
    port = free_port()
    with (tmp_path / "voila.log").open("wb") as log:
        server = voila.start_voila(folder, port=port, env={KEY_ENV: "/srv/key"}, max_kernels=1, log=log)
        try:
            server.wait_ready(timeout=120)
            status, page = _get(server.url + "voila/render/hello.ipynb")
            assert status == 200 and "key at /srv/key" in page
            assert "print(" not in page  # the code is not sent
            assert not EXTERNAL.search(page), EXTERNAL.search(page)
            status, full = _get(server.url + "voila/render/hello.ipynb")
            assert status == 503
            assert "This server is full: 1 pages" in full and "服务器已满" in full
            assert not EXTERNAL.search(full)
        finally:
            server.stop()


@pytest.mark.slow
@pytest.mark.parametrize("how", ["terminate", "kill"])
def test_no_server_outlives_the_command(tmp_path, how):
    """Ctrl-C, SIGTERM or even SIGKILL of ``kam training serve`` leaves no Voilà (nor kernel) running."""
    port = free_port()
    command = kam_command("training", "serve", "--port", str(port), "--workshop", available_workshops()[0],
                          "--results", str(tmp_path / "results"))
    app = start_app(command, port, tmp_path / "serve.log", cwd=tmp_path)
    children = psutil.Process(app.process.pid).children(recursive=True)
    assert any("kamlib.apps.voila" in " ".join(child.cmdline()) for child in children)
    getattr(app.process, how)()
    app.process.wait(30)
    _, alive = psutil.wait_procs(children, timeout=30)
    assert alive == []
