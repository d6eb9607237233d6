"""The workshop a participant works through: a header, one card per question, feedback on Check.

:class:`Workshop` shows the workshop's title and intro, a language toggle (English /
中文) and, when no participant is known, a name field. Each :meth:`Workshop.question`
is a card: the question's form (:mod:`kamlib.training.widgets.questions`), a Check
button and a feedback area. Check hands the response to the workshop's *marker* (the
kernel holds the key; the widgets hold only the public bank), shows the feedback it
returns in a green (right) or red (not yet) box with the points, and appends the
submission to the participant's results file (:func:`kamlib.training.record`).
Switching the language relabels every form and keeps every answer.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

import ipywidgets as widgets

from kamlib import i18n
from kamlib.errors import ConfigError
from kamlib.sections import markdown_html
from kamlib.training import keys
from kamlib.training.bank import Bank, Question
from kamlib.training.checks import Result
from kamlib.training.results import record, safe_name
from kamlib.training.widgets.questions import FULL_WIDTH, QuestionForm, form_for

__all__ = ["LANGUAGES", "Marker", "QuestionCard", "Workshop", "feedback_html", "participant_from_query"]

#: A marker: ``mark(question_id, response, lang) -> Result`` (the kernel's side of Check).
Marker = keys.Marker
#: The language toggle's choices (each written in its own language).
LANGUAGES = (("English", "en"), ("中文", "zh"))
#: Border and background of the feedback box: right, not yet, not checked (malformed).
COLOURS = {"right": ("#2e7d32", "#e8f5e9"), "wrong": ("#c62828", "#ffebee"), "malformed": ("#ef6c00", "#fff3e0")}


def participant_from_query(query: str | None = None) -> str:
    """The participant named by ``?p=<name>`` in a served workshop's query string.

    Voilà puts the page's query string in the kernel's ``QUERY_STRING``; *query*
    defaults to it.

    Examples
    --------
    >>> participant_from_query("p=%E6%9D%8E%E5%A8%9C&lang=zh"), participant_from_query("")
    ('李娜', '')
    """
    text = os.environ.get("QUERY_STRING", "") if query is None else query
    return parse_qs(text.lstrip("?")).get("p", [""])[0].strip()


def _usable(name: str) -> bool:
    """Whether *name* can name a results file."""
    try:
        safe_name(name)
    except ConfigError:
        return False
    return bool(name.strip())


def _points(value: float, lang: str) -> str:
    return i18n.format_number(value, lang, significant=3)


def _box(kind: str, heading: str, sentences: list[str]) -> str:
    border, background = COLOURS[kind]
    body = "".join(markdown_html(s) for s in sentences)
    return (f'<div class="kam-feedback kam-{kind}" style="border-left:4px solid {border};background:{background};'
            f'padding:4px 12px;margin:4px 0"><p><strong>{html.escape(heading)}</strong></p>{body}</div>')


def feedback_html(result: Result, points: float, lang: str) -> str:
    """The feedback box of *result*: right, not yet or not checked, the points and the sentences.

    Parameters
    ----------
    result : Result
        What the marker returned.
    points : float
        What a fully right answer earns.
    lang : {"en", "zh"}
        The language of the heading and the points.

    Examples
    --------
    >>> box = feedback_html(Result(False, 1.0, ("<b>Half</b> right.",)), 2, "en")
    >>> "Not yet · 1 of 2 points" in box, "&lt;b&gt;Half&lt;/b&gt; right." in box
    (True, True)
    >>> "得 1 分，共 1 分" in feedback_html(Result(True, 1.0, ("对。",)), 1, "zh")
    True
    """
    kind = "malformed" if result.details.get("malformed") else "right" if result.correct else "wrong"
    heading = i18n.t(f"training.ui.{kind}", lang)
    if kind != "malformed":
        score = i18n.t("training.ui.points", lang, score=_points(result.score, lang), points=_points(points, lang))
        heading = f"{heading} · {score}"
    return _box(kind, heading, list(result.feedback))


def ask_name_html(lang: str) -> str:
    """The box shown instead of feedback while the participant's name is not known."""
    return _box("malformed", i18n.t("training.ui.malformed", lang), [i18n.t("training.ui.need_name", lang)])


class QuestionCard:
    """One question on screen: its form, a Check button and the feedback area.

    Made by :meth:`Workshop.question`; :attr:`widget` is what the notebook shows.
    """

    def __init__(self, workshop: Workshop, question: Question) -> None:
        self.workshop = workshop
        self.question = question
        self.number = [q.id for q in workshop.bank.questions].index(question.id) + 1
        self.heading = widgets.HTML(layout=FULL_WIDTH)
        self.form: QuestionForm = form_for(question, workshop.lang)
        self.button = widgets.Button(icon="", button_style="primary")
        self.feedback = widgets.HTML(layout=FULL_WIDTH)
        self.response: object = None
        self.result: Result | None = None
        self.button.on_click(lambda _: self.check())
        self.widget = widgets.VBox([self.heading, self.form.widget, self.button, self.feedback],
                                   layout={"width": "100%", "margin": "0 0 16px 0"})
        self.relabel(workshop.lang)

    def check(self) -> None:
        """Mark the form's response, show the feedback and record it (nothing is marked without a name)."""
        if not self.workshop.has_participant:
            self.feedback.value = ask_name_html(self.workshop.lang)
            return
        self.response = self.form.value()
        result = self.workshop.marker(self.question.id, self.response, self.workshop.lang)
        self.feedback.value = self.workshop.submit(self.question.id, self.response, result)
        self.result = result

    def relabel(self, lang: str) -> None:
        """Labels in *lang*, answers kept; a shown feedback is given again in *lang* (not recorded again)."""
        self.heading.value = f"<h3>{html.escape(i18n.t('training.ui.question_n', lang, n=self.number))}</h3>"
        self.form.relabel(lang)
        self.button.description = i18n.t("training.ui.check", lang)
        self.enable()
        if self.result is not None:
            self.result = self.workshop.marker(self.question.id, self.response, lang)
            self.feedback.value = feedback_html(self.result, self.question.points, lang)

    def enable(self) -> None:
        """Check works only once the participant is known (until then its tooltip asks for the name)."""
        self.button.disabled = not self.workshop.has_participant
        tooltip = "training.ui.need_name" if self.button.disabled else "training.ui.check"
        self.button.tooltip = i18n.t(tooltip, self.workshop.lang)


class Workshop:
    """A workshop on screen: display it for its header, then :meth:`question` for each question.

    Parameters
    ----------
    bank : Bank
        The questions shown (the public bank: the forms read no key).
    marker : Marker
        Marks a response in the kernel: ``marker(question_id, response, lang) -> Result``.
    lang : {"en", "zh"}
        The language to start in.
    participant : str
        The participant's name; empty: ``?p=`` of a served workshop, else a name field.
    results_dir : str or Path
        Where submissions are recorded (``<results_dir>/<workshop>/<name>.jsonl``).
    solutions : Bank, optional
        The full bank, for :meth:`solution` (the trainer edition); None with a participant key.

    Examples
    --------
    >>> from kamlib.training import load_banks
    >>> bank = load_banks()["ka_manager"]
    >>> ws = Workshop.from_bank(bank, keys.bank_marker(bank), participant="", results_dir="/nonexistent")
    >>> card = ws.question("loyalty_share")
    >>> card.children[2].disabled, i18n.t("training.ui.need_name", "en") in ws.message.value
    (True, True)
    """

    def __init__(self, bank: Bank, marker: Marker, *, lang: str = "en", participant: str = "",
                 results_dir: str | Path = "results", solutions: Bank | None = None) -> None:
        self.bank = bank
        self.marker = marker
        self.lang = i18n.check_lang(lang)
        self.results_dir = Path(results_dir)
        self.solutions = solutions
        self.participant = (participant or participant_from_query()).strip()
        self.scores: dict[str, float] = {}
        self.cards: dict[str, QuestionCard] = {}
        self.callbacks: list[Callable[[str], None]] = []
        self.shown_solutions: list[tuple[Question, widgets.HTML]] = []
        self.title = widgets.HTML(layout=FULL_WIDTH)
        self.intro = widgets.HTML(layout=FULL_WIDTH)
        self.toggle = widgets.ToggleButtons(options=LANGUAGES, value=self.lang, icons=[], style={"button_width": "6em"})
        self.name = widgets.Text(value="", layout={"width": "20em"})
        self.message = widgets.HTML()
        self.total = widgets.HTML()
        self.toggle.observe(lambda change: self.set_lang(change["new"]), names="value")
        self.name.observe(lambda change: self.set_participant(change["new"]), names="value")
        row = [self.toggle] if self.has_participant else [self.toggle, self.name]
        self.header = widgets.VBox([self.title, self.intro, widgets.HBox(row), self.message, self.total],
                                   layout=FULL_WIDTH)
        self.relabel()

    @classmethod
    def open(cls, workshop: str, *, lang: str = "en", participant: str = "", results_dir: str | Path = "results",
             key: str | Path | None = None) -> Workshop:
        """The workshop *workshop*, its answers checked with *key*.

        Parameters
        ----------
        workshop : str
            The workshop id (a bank file's ``workshop:``).
        key : str or Path, optional
            None: the full bank (the packaged one, or the folder in ``KAM_TRAINING_KEY``),
            which also gives the :meth:`solution`; a path: a participant key file.

        Examples
        --------
        >>> ws = Workshop.open("call_skills", lang="zh", participant="李娜")
        >>> ws.title.value
        '<h2>拜访技巧</h2>'
        """
        bank, marker = keys.open_key(workshop, key)
        solutions = keys.full_bank(workshop) if key is None else None
        return cls(bank, marker, lang=lang, participant=participant, results_dir=results_dir, solutions=solutions)

    @classmethod
    def from_bank(cls, bank: Bank, marker: Marker, *, lang: str = "en", participant: str = "",
                  results_dir: str | Path = "results") -> Workshop:
        """A workshop of a bank made in the kernel (generated questions); *bank* also gives the solutions."""
        return cls(keys.public_bank(bank), marker, lang=lang, participant=participant, results_dir=results_dir,
                   solutions=bank)

    # ------------------------------------------------------------------ display
    def _repr_mimebundle_(self, **kwargs: object) -> dict | None:
        return self.header._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"Workshop({self.bank.workshop!r}, lang={self.lang!r}, participant={self.participant!r})"

    @property
    def has_participant(self) -> bool:
        """Whether a usable participant name is known (Check is enabled then)."""
        return _usable(self.participant)

    def relabel(self) -> None:
        """Write the header in the current language."""
        lang = self.lang
        self.title.value = f"<h2>{html.escape(self.bank.title.get(lang))}</h2>"
        self.intro.value = markdown_html(self.bank.intro.get(lang))
        self.name.description = i18n.t("training.ui.name", lang)
        self.name.placeholder = i18n.t("training.ui.name_placeholder", lang)
        self.name.style.description_width = "initial"
        self.show_participant()

    def show_participant(self) -> None:
        """The line saying who answers (or asking for the name) and the score so far."""
        lang = self.lang
        if self.has_participant:
            text = html.escape(i18n.t("training.ui.answering_as", lang, name=self.participant))
        else:
            text = f"<strong>{html.escape(i18n.t('training.ui.need_name', lang))}</strong>"
        self.message.value = text
        answered = [q for q in self.bank.questions if q.id in self.scores]
        self.total.value = html.escape(i18n.t(
            "training.ui.total", lang, score=_points(sum(self.scores[q.id] for q in answered), lang),
            points=_points(sum(q.points for q in self.bank.questions), lang),
            answered=len(answered), questions=len(self.bank.questions)))

    # ------------------------------------------------------------------ state
    def set_lang(self, lang: str) -> None:
        """Switch every label to *lang*, keep every answer, then call the :meth:`on_lang` callbacks."""
        self.lang = i18n.check_lang(lang)
        if self.toggle.value != lang:
            self.toggle.value = lang
            return
        self.relabel()
        for card in self.cards.values():
            card.relabel(lang)
        self.show_solutions()
        for callback in self.callbacks:
            callback(lang)

    def on_lang(self, callback: Callable[[str], None]) -> None:
        """Call *callback* with the new language each time the participant switches it."""
        self.callbacks.append(callback)

    def set_participant(self, name: str) -> None:
        """The participant's name (from the name field); Check is enabled once it is usable."""
        self.participant = name.strip()
        self.show_participant()
        for card in self.cards.values():
            card.enable()

    # ------------------------------------------------------------------ questions
    def _question(self, question_id: str) -> Question:
        try:
            return self.bank.question(question_id)
        except KeyError:
            raise ConfigError(i18n.t("training.ui.unknown_question", self.lang, workshop=self.bank.workshop,
                                     question=question_id, ids=", ".join(q.id for q in self.bank.questions))) from None

    def question(self, question_id: str) -> widgets.VBox:
        """The card of one question: its number, prompt, controls, Check button and feedback area."""
        if question_id not in self.cards:
            self.cards[question_id] = QuestionCard(self, self._question(question_id))
        return self.cards[question_id].widget

    def submit(self, question_id: str, response: object, result: Result) -> str:
        """Record *result* of *response* and return the feedback box's HTML.

        For a widget that marks its answer itself (``result`` computed in the kernel).
        Nothing is recorded while no participant is known (the box then asks for the
        name), nor for an answer that could not be checked (nothing chosen …): its
        message is shown and the participant's last real answer keeps counting.
        """
        lang = self.lang
        if not self.has_participant:
            return ask_name_html(lang)
        points = self._question(question_id).points
        box = feedback_html(result, points, lang)
        if result.details.get("malformed"):
            return box
        try:
            record(self.results_dir, self.bank.workshop, self.participant, question_id, response, result)
        except (OSError, ConfigError) as error:
            box += _box("malformed", i18n.t("training.ui.malformed", lang),
                        [i18n.t("training.ui.not_saved", lang, error=error)])
        self.scores[question_id] = result.score
        self.show_participant()
        return box

    def solution(self, question_id: str) -> widgets.HTML:
        """The answer and its explanation, for the trainer (the trainer edition only).

        Raises
        ------
        ConfigError
            With a participant key, which holds no solutions.
        """
        if self.solutions is None:
            raise ConfigError(i18n.t("training.ui.no_solution", self.lang, workshop=self.bank.workshop))
        question = self.solutions.question(self._question(question_id).id)
        view = widgets.HTML(layout=FULL_WIDTH)
        self.shown_solutions.append((question, view))
        self.show_solutions()
        return view

    def show_solutions(self) -> None:
        """Write the solutions shown so far in the current language."""
        for question, view in self.shown_solutions:
            sentences = [answer_text(question, self.lang), question.explanation.get(self.lang)]
            view.value = _box("right", i18n.t("training.ui.solution", self.lang), sentences)


def answer_text(question: Question, lang: str) -> str:
    """The answer of *question* written out for the trainer (Markdown).

    Examples
    --------
    >>> from kamlib.training import load_banks
    >>> answer_text(load_banks()["ka_manager"].question("loyalty_share"), "en")
    '77 %'
    """
    text = {o.id: o.text.get(lang) for o in question.options}
    if question.type == "single":
        return text[question.answer]
    if question.type == "multi":
        return "\n".join(f"- {text[i]}" for i in question.answer)
    if question.type == "order":
        return "\n".join(f"{n}. {text[i]}" for n, i in enumerate(question.answer, start=1))
    if question.type == "match":
        targets = {t.id: t.text.get(lang) for t in question.targets}
        return "\n".join(f"- {text[left]} → {targets[right]}" for left, right in question.answer.items())
    if question.type == "numeric":
        unit = f" {question.unit.get(lang)}" if question.unit else ""
        spread = f" ± {question.tolerance:,}" if question.tolerance else ""
        return f"{question.answer:,}{spread}{unit}"
    criteria = "\n".join(f"- {c.text.get(lang)}" for c in question.criteria)
    return f"{i18n.t('training.ui.criteria', lang)}\n\n{criteria}"
