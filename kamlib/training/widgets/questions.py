"""One ipywidgets form per question type: the participant's controls, and nothing of the key.

A form is built from a question of the public bank (prompt, option and target texts,
unit): it never reads an answer, an explanation or a feedback text, so none can reach
the widget state the browser sees. :meth:`QuestionForm.value` returns the response in
the shape :func:`kamlib.training.check` takes, and :meth:`QuestionForm.relabel` changes
every label to another language while the participant's answer stays as it is.

=========  ================================================  ==========================
type       controls                                          response
=========  ================================================  ==========================
single     radio buttons                                     an option id (None: none)
multi      a checkbox per option                             the ids ticked, in order
order      a dropdown of positions per item                  the ids by position
match      a dropdown of targets per left item               {option id: target id}
numeric    a text field and the unit                         the text as typed
rubric     a text area                                       the text as typed
=========  ================================================  ==========================
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from kamlib import i18n
from kamlib.sections import markdown_html
from kamlib.training.bank import Question

__all__ = ["FORMS", "NOT_CHOSEN", "QuestionForm", "form_for"]

#: Layout of a control that takes the full width of the question.
FULL_WIDTH = {"width": "100%"}
#: The value of a drop-down's first entry ("Choose…"): nothing chosen yet.
NOT_CHOSEN = ""


def _text(key: str, lang: str) -> str:
    return i18n.t(f"training.ui.{key}", lang)


class QuestionForm:
    """The controls of one question; subclasses build them per type.

    Parameters
    ----------
    question : Question
        From the public bank (its key is never read).
    lang : {"en", "zh"}
        The language of the labels.

    Attributes
    ----------
    prompt : ipywidgets.HTML
        The question (Markdown, rendered with raw HTML escaped).
    controls : list of ipywidgets.Widget
        What the participant sets.
    widget : ipywidgets.VBox
        The prompt above the controls.
    """

    def __init__(self, question: Question, lang: str = "en") -> None:
        self.question = question
        self.lang = i18n.check_lang(lang)
        self.prompt = widgets.HTML(layout=FULL_WIDTH)
        self.controls = self.build()
        self.widget = widgets.VBox([self.prompt, *self.controls], layout=FULL_WIDTH)
        self.relabel(lang)

    def build(self) -> list[widgets.Widget]:
        """The controls, unlabelled (:meth:`relabel` writes the labels)."""
        raise NotImplementedError

    def value(self) -> Any:
        """The response as :func:`kamlib.training.check` takes it."""
        raise NotImplementedError

    def relabel(self, lang: str) -> None:
        """Write every label in *lang*; the participant's answer is kept."""
        self.lang = i18n.check_lang(lang)
        prompt = markdown_html(self.question.prompt.get(lang))
        self.prompt.value = f'<div class="kam-prompt" style="font-weight:600">{prompt}</div>'
        self.label(lang)

    def label(self, lang: str) -> None:
        """Write the labels of the controls in *lang*."""
        raise NotImplementedError

    def _choices(self, lang: str, items: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        return [(_text("choose", lang), NOT_CHOSEN), *items]


def _relabel_dropdown(dropdown: widgets.Dropdown, options: list[tuple[str, Any]]) -> None:
    """New labels for a dropdown's options, keeping its value."""
    kept = dropdown.value
    dropdown.options = options
    dropdown.value = kept


class SingleForm(QuestionForm):
    """Radio buttons, one per option; nothing chosen at first.

    Examples
    --------
    >>> from kamlib.training import load_banks
    >>> form = SingleForm(load_banks()["call_skills"].question("delay"))
    >>> form.value() is None
    True
    >>> form.radio.value = form.question.options[0].id
    >>> form.relabel("zh"); form.value() == form.question.options[0].id
    True
    """

    def build(self) -> list[widgets.Widget]:
        ids = [o.id for o in self.question.options]
        self.radio = widgets.RadioButtons(options=[(i, i) for i in ids], value=None, layout=FULL_WIDTH)
        return [self.radio]

    def value(self) -> str | None:
        return self.radio.value

    def label(self, lang: str) -> None:
        kept = self.radio.value
        self.radio.options = [(o.text.get(lang), o.id) for o in self.question.options]
        self.radio.value = kept


class MultiForm(QuestionForm):
    """A checkbox per option.

    Examples
    --------
    >>> from kamlib.training import load_banks
    >>> form = MultiForm(load_banks()["call_skills"].question("buying_signals"))
    >>> form.boxes[1].value = True
    >>> form.value() == [form.question.options[1].id]
    True
    """

    def build(self) -> list[widgets.Widget]:
        self.boxes = [widgets.Checkbox(value=False, indent=False, layout=FULL_WIDTH) for _ in self.question.options]
        return self.boxes

    def value(self) -> list[str]:
        return [o.id for o, box in zip(self.question.options, self.boxes) if box.value]

    def label(self, lang: str) -> None:
        for option, box in zip(self.question.options, self.boxes):
            box.description = option.text.get(lang)


class _RowsForm(QuestionForm):
    """A dropdown beside each option's text (order and match questions)."""

    def build(self) -> list[widgets.Widget]:
        self.texts = [widgets.HTML(layout={"width": "60%"}) for _ in self.question.options]
        self.dropdowns = [widgets.Dropdown(options=self._items(self.lang), value=NOT_CHOSEN, layout={"width": "38%"})
                          for _ in self.question.options]
        return [widgets.HBox([text, dropdown], layout={"width": "100%", "align_items": "center"})
                for text, dropdown in zip(self.texts, self.dropdowns)]

    def _items(self, lang: str) -> list[tuple[str, Any]]:
        raise NotImplementedError

    def label(self, lang: str) -> None:
        for option, text, dropdown in zip(self.question.options, self.texts, self.dropdowns):
            text.value = markdown_html(option.text.get(lang))
            _relabel_dropdown(dropdown, self._items(lang))


class OrderForm(_RowsForm):
    """A dropdown of positions (1, 2, …) per item: sorting without dragging.

    Two items in one position, or an item without one, give an incomplete order,
    which the checker answers by asking to place every item once.

    Examples
    --------
    >>> from kamlib.training import load_banks
    >>> form = OrderForm(load_banks()["call_skills"].question("call_stages"))
    >>> for position, dropdown in enumerate(reversed(form.dropdowns), start=1):
    ...     dropdown.value = position
    >>> form.value() == [o.id for o in reversed(form.question.options)]
    True
    """

    def _items(self, lang: str) -> list[tuple[str, Any]]:
        positions = range(1, len(self.question.options) + 1)
        return self._choices(lang, [(i18n.t("training.ui.position", lang, n=n), n) for n in positions])

    def value(self) -> list[str]:
        placed: dict[int, str] = {}
        for option, dropdown in zip(self.question.options, self.dropdowns):
            if dropdown.value != NOT_CHOSEN:
                placed.setdefault(dropdown.value, option.id)
        return [placed[n] for n in sorted(placed)]


class MatchForm(_RowsForm):
    """A dropdown of the targets beside each left item.

    Examples
    --------
    >>> from kamlib.training import load_banks
    >>> form = MatchForm(load_banks()["ka_manager"].question("three_roles"))
    >>> form.value()
    {}
    >>> form.dropdowns[0].value = form.question.targets[0].id
    >>> form.value() == {form.question.options[0].id: form.question.targets[0].id}
    True
    """

    def _items(self, lang: str) -> list[tuple[str, Any]]:
        return self._choices(lang, [(t.text.get(lang), t.id) for t in self.question.targets])

    def value(self) -> dict[str, str]:
        return {o.id: d.value for o, d in zip(self.question.options, self.dropdowns) if d.value != NOT_CHOSEN}


class NumericForm(QuestionForm):
    """A text field for the number (``1,200`` and full-width digits are read by the checker) and the unit.

    Examples
    --------
    >>> from kamlib.training import load_banks
    >>> form = NumericForm(load_banks()["ka_manager"].question("loyalty_share"))
    >>> form.number.value = "１２"
    >>> form.value(), form.unit.value
    ('１２', '%')
    """

    def build(self) -> list[widgets.Widget]:
        self.number = widgets.Text(value="", layout={"width": "12em"})
        self.unit = widgets.Label()
        return [widgets.HBox([self.number, self.unit])]

    def value(self) -> str:
        return self.number.value

    def label(self, lang: str) -> None:
        self.number.placeholder = _text("number", lang)
        unit = self.question.unit
        self.unit.value = unit.get(lang) if unit else ""


class RubricForm(QuestionForm):
    """A text area for a free answer.

    Examples
    --------
    >>> from kamlib.training import load_banks
    >>> form = RubricForm(load_banks()["call_skills"].question("smart_objective"))
    >>> form.area.value = "Meet Mr Li by Friday"
    >>> form.value()
    'Meet Mr Li by Friday'
    """

    def build(self) -> list[widgets.Widget]:
        self.area = widgets.Textarea(value="", rows=4, layout={"width": "98%"})
        return [self.area]

    def value(self) -> str:
        return self.area.value

    def label(self, lang: str) -> None:
        self.area.placeholder = _text("write", lang)


#: The form class of each question type.
FORMS: dict[str, type[QuestionForm]] = {
    "single": SingleForm, "multi": MultiForm, "order": OrderForm,
    "match": MatchForm, "numeric": NumericForm, "rubric": RubricForm,
}


def form_for(question: Question, lang: str = "en") -> QuestionForm:
    """The form of *question*'s type, labelled in *lang*.

    Examples
    --------
    >>> from kamlib.training import load_banks
    >>> type(form_for(load_banks()["ka_manager"].question("loyalty_order"), "zh")).__name__
    'OrderForm'
    """
    return FORMS[question.type](question, lang)
