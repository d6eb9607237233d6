"""Workshop widgets: the forms participants answer in and the :class:`Workshop` that checks them.

Presentation only: the forms show the public bank, and Check asks the kernel's marker
(:mod:`kamlib.training.keys`) for the result.

Examples
--------
>>> ws = Workshop.open("prospects", participant="Ann")
>>> ws.question("hot_visits").children[2].description
'Check'
"""

from kamlib.training.widgets.questions import FORMS, QuestionForm, form_for
from kamlib.training.widgets.workshop import (
           Marker,
           QuestionCard,
           Workshop,
           feedback_html,
           participant_from_query,
)

__all__ = ["FORMS", "Marker", "QuestionCard", "QuestionForm", "Workshop", "feedback_html", "form_for",
           "participant_from_query"]
