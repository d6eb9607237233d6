"""Served apps: notebooks as web pages with Voilà, offline, code hidden.

:mod:`kamlib.apps.voila` starts Voilà over any folder of notebooks (the offline
template, idle kernels culled, a cap on kernels); :mod:`kamlib.apps.workshops` lays
out a served workshop (``kam training serve``): the participants' pages, the
trainer's dashboard and the answer key kept outside the served folder.

Examples
--------
>>> from kamlib.apps import voila_command
>>> "--strip_sources=True" in voila_command("notebooks")
True
"""

from kamlib.apps.voila import (
    VoilaServer,
    check_port,
    start_voila,
    voila_command,
    voila_environment,
)

__all__ = ["VoilaServer", "check_port", "start_voila", "voila_command", "voila_environment"]
