"""The state a widget tree would send to a browser: what tests search for leaked answers."""

from __future__ import annotations

import ipywidgets as widgets


def widget_states(root: widgets.Widget) -> list[dict]:
    """The state of *root* and of every widget it refers to (children, layout, style …).

    Examples
    --------
    >>> box = widgets.VBox([widgets.Label("a"), widgets.Label("b")])
    >>> sorted(s["value"] for s in widget_states(box) if "value" in s)
    ['a', 'b']
    """
    seen: dict[str, dict] = {}
    todo = [root]
    while todo:
        widget = todo.pop()
        if widget.model_id in seen:
            continue
        seen[widget.model_id] = widget.get_state()
        for name in widget.keys:
            value = getattr(widget, name)
            values = value if isinstance(value, (list, tuple)) else [value]
            todo.extend(v for v in values if isinstance(v, widgets.Widget))
    return list(seen.values())
