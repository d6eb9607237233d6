"""A participant without a browser: a served workshop's page over HTTP, its widgets over the kernel's websocket.

What the page's scripts do, done by hand: :func:`open_page` GETs the Voilà render URL
(Voilà runs the notebook in the kernel while it writes the page) and reads the kernel
id the page carries (``jupyter-config-data``); :class:`KernelChannel` opens
``/api/kernels/<id>/channels`` (Jupyter messaging protocol v5, JSON) and asks the kernel
for every widget's state through ipywidgets' ``jupyter.widget.control`` comm
(``request_states``), as the page's widget manager does before it draws anything;
:func:`question_cards` finds each single-choice question's radio buttons, Check button
and feedback box in those states, by their layout and labels only.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from tornado.httpclient import AsyncHTTPClient
from tornado.websocket import WebSocketClientConnection, websocket_connect

#: Widget references inside a state: ``"IPY_MODEL_<model id>"``.
REFERENCE = "IPY_MODEL_"
#: The version of ipywidgets' control protocol (``request_states``) the kernel speaks.
CONTROL_VERSION = "1.0.0"
CONFIG = re.compile(r'<script id="jupyter-config-data" type="application/json">\s*(\{.*?\})\s*</script>', re.DOTALL)


async def open_page(url: str, timeout: float = 300) -> str:
    """The kernel id of the page at *url*, once the whole page has arrived (the notebook has run)."""
    reply = await AsyncHTTPClient().fetch(url, request_timeout=timeout, connect_timeout=timeout)
    found = CONFIG.search(reply.body.decode("utf-8"))
    if found is None or "kernelId" not in json.loads(found.group(1)):
        raise RuntimeError(f"{url}: the page carries no kernel id (a full server, or an error page)")
    return json.loads(found.group(1))["kernelId"]


class KernelChannel:
    """One websocket to a kernel, speaking the Jupyter messaging protocol (v5, JSON frames)."""

    def __init__(self, connection: WebSocketClientConnection) -> None:
        self.connection = connection
        self.session = uuid.uuid4().hex

    @classmethod
    async def connect(cls, base: str, kernel_id: str) -> KernelChannel:
        """The channel to *kernel_id* on the server at *base* (``http://host:port/``)."""
        session = uuid.uuid4().hex
        url = f"ws{base.removeprefix('http')}api/kernels/{kernel_id}/channels?session_id={session}"
        channel = cls(await websocket_connect(url, max_message_size=64 * 1024 * 1024))
        channel.session = session
        return channel

    async def send(self, msg_type: str, content: dict, metadata: dict | None = None) -> None:
        """Send one message on the shell channel."""
        header = {"msg_id": uuid.uuid4().hex, "username": "bench", "session": self.session, "msg_type": msg_type,
                  "version": "5.3", "date": datetime.datetime.now(datetime.UTC).isoformat()}
        await self.connection.write_message(json.dumps({
            "header": header, "parent_header": {}, "metadata": metadata or {}, "content": content,
            "channel": "shell", "buffers": []}))

    async def comm_msg(self, comm_id: str, data: dict) -> None:
        """Send *data* to the comm *comm_id* (a widget's model id)."""
        await self.send("comm_msg", {"comm_id": comm_id, "data": data})

    async def receive(self, timeout: float) -> dict:
        """The next JSON message from the kernel (binary frames, which carry buffers, are skipped)."""
        while True:
            frame = await asyncio.wait_for(self.connection.read_message(), timeout)
            if frame is None:
                raise ConnectionError("the kernel's websocket closed")
            if isinstance(frame, str):
                return json.loads(frame)

    async def comm_data(self, comm_id: str, method: str, timeout: float) -> dict:
        """The data of the next ``comm_msg`` from the kernel on *comm_id* with *method*."""
        while True:
            message = await self.receive(timeout)
            content = message.get("content", {})
            if (message.get("msg_type") == "comm_msg" and content.get("comm_id") == comm_id
                    and content.get("data", {}).get("method") == method):
                return content["data"]

    async def widget_states(self, timeout: float = 120) -> dict[str, dict]:
        """Every widget's state in the kernel, by model id, as the page's widget manager restores them."""
        comm_id = uuid.uuid4().hex
        await self.send("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control", "data": {}},
                        metadata={"version": CONTROL_VERSION})
        await self.comm_msg(comm_id, {"method": "request_states"})
        data = await self.comm_data(comm_id, "update_states", timeout)
        return {model_id: entry["state"] for model_id, entry in data["states"].items()}

    def close(self) -> None:
        """Close the websocket."""
        self.connection.close()


@dataclass(frozen=True)
class Card:
    """One single-choice question on the page: the widgets a participant touches and reads."""

    labels: tuple[str, ...]
    radio: str
    button: str
    feedback: str


def _children(state: dict) -> list[str]:
    return [c.removeprefix(REFERENCE) for c in state.get("children", [])]


def question_cards(states: dict[str, dict]) -> list[Card]:
    """The single-choice cards among *states*: a box of (a heading, a form of a prompt and radio
    buttons, a button described "Check", a feedback HTML), in no particular order."""
    cards = []
    for state in states.values():
        parts = _children(state)[1:]
        if state.get("_model_name") != "VBoxModel" or len(parts) != 3 or not all(p in states for p in parts):
            continue
        form, button, feedback = (states[p] for p in parts)
        controls = [states.get(c, {}) for c in _children(form)]
        radios = [c for c in _children(form) if states.get(c, {}).get("_model_name") == "RadioButtonsModel"]
        if (button.get("_model_name") == "ButtonModel" and button.get("description") == "Check"
                and feedback.get("_model_name") == "HTMLModel" and len(radios) == 1 and len(controls) == 2):
            cards.append(Card(tuple(states[radios[0]]["_options_labels"]), radios[0], parts[1], parts[2]))
    return cards


async def answer(channel: KernelChannel, card: Card, index: int, timeout: float = 60) -> str:
    """Choose option *index* of *card*, click Check, and return the feedback the kernel sends back."""
    await channel.comm_msg(card.radio, {"method": "update", "state": {"index": index}, "buffer_paths": []})
    await channel.comm_msg(card.button, {"method": "custom", "content": {"event": "click"}})
    while True:
        data = await channel.comm_data(card.feedback, "update", timeout)
        if "value" in data.get("state", {}):
            return data["state"]["value"]


def describe(states: dict[str, Any]) -> str:
    """How many widgets *states* holds, by model name (for error messages)."""
    counts: dict[str, int] = {}
    for state in states.values():
        counts[state.get("_model_name", "?")] = counts.get(state.get("_model_name", "?"), 0) + 1
    return ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
