"""Workshop 4's week planner: a dropdown per account (a day, or not this week), checked in the kernel.

The participant sees the territory (account, class, city, last visit) and the question's
prompt; Check reads the dropdowns into a plan, :func:`kamlib.training.territory.check_week`
marks it against the visit rules, and :meth:`Workshop.submit` records it and gives the
feedback box. Switching the workshop's language relabels every day and header and keeps
every choice.
"""

from __future__ import annotations

import ipywidgets as widgets

from kamlib import i18n
from kamlib.sections import markdown_html
from kamlib.training.checks import Result
from kamlib.training.territory import (
    DAYS,
    NOT_THIS_WEEK,
    Territory,
    check_week,
    day_label,
    territory_table,
)
from kamlib.training.widgets.live import frame_html
from kamlib.training.widgets.workshop import Workshop, feedback_html

__all__ = ["QUESTION", "WeekPlanner"]

#: The question of ``visit_week.yml`` the week plan answers.
QUESTION = "plan_the_week"


class WeekPlanner:
    """The week plan of *territory*: prompt, accounts, a day per account, Check and feedback.

    Parameters
    ----------
    workshop : Workshop
        The workshop whose question *question_id* the plan answers (its points, its records).
    territory : Territory
        From :func:`kamlib.training.territory.sample_territory`.
    question_id : str
        The question in the workshop's bank.

    Examples
    --------
    >>> from kamlib.training.territory import sample_territory
    >>> ws = Workshop.open("visit_week", participant="Ann", results_dir="/nonexistent")
    >>> planner = WeekPlanner(ws, sample_territory())
    >>> planner.choices["K-07"].value = "mon"
    >>> planner.plan()["K-07"], planner.plan()["K-01"]
    ('mon', 'none')
    """

    def __init__(self, workshop: Workshop, territory: Territory, question_id: str = QUESTION) -> None:
        self.workshop = workshop
        self.territory = territory
        self.question = workshop.bank.question(question_id)
        self.prompt = widgets.HTML(layout={"width": "100%"})
        self.table = widgets.HTML()
        ids = list(territory.accounts["account_id"])
        self.choices = {a: widgets.Dropdown(options=[("", NOT_THIS_WEEK)], value=NOT_THIS_WEEK,
                                            layout={"width": "22em"}, style={"description_width": "5em"})
                        for a in ids}
        self.button = widgets.Button(icon="", button_style="primary")
        self.feedback = widgets.HTML(layout={"width": "100%"})
        self.result: Result | None = None
        self.submitted: dict[str, str] = {}
        self.button.on_click(lambda _: self.check())
        workshop.name.observe(lambda _: self.enable(), names="value")
        workshop.on_lang(self.relabel)
        self.widget = widgets.VBox([self.prompt, self.table, *self.choices.values(), self.button, self.feedback],
                                   layout={"width": "100%", "margin": "0 0 16px 0"})
        self.relabel(workshop.lang)

    def plan(self) -> dict[str, str]:
        """The plan as chosen: account id → day id (``"none"``: not this week)."""
        return {account: choice.value for account, choice in self.choices.items()}

    def check(self) -> None:
        """Mark the plan, show the feedback and record it."""
        self.submitted = self.plan()
        self.result = check_week(self.submitted, self.territory, self.workshop.lang)
        self.feedback.value = self.workshop.submit(self.question.id, self.submitted, self.result)

    def enable(self) -> None:
        """Check works only once the participant is known."""
        self.button.disabled = not self.workshop.has_participant

    def relabel(self, lang: str) -> None:
        """Every label in *lang*; the days chosen stay; a feedback shown is given again in *lang*."""
        self.prompt.value = markdown_html(self.question.prompt.get(lang))
        self.table.value = frame_html(territory_table(self.territory, lang))
        options = [*((day_label(self.territory, d, lang), d) for d in DAYS),
                   (i18n.t("training.week.not_this_week", lang), NOT_THIS_WEEK)]
        for account, choice in self.choices.items():
            kept = choice.value
            choice.options = options
            choice.value = kept
            choice.description = account
        self.button.description = i18n.t("training.ui.check", lang)
        self.button.tooltip = self.button.description
        self.enable()
        if self.result is not None:
            self.result = check_week(self.submitted, self.territory, lang)
            self.feedback.value = feedback_html(self.result, self.question.points, lang)
