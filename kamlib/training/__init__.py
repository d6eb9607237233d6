"""Workshops: a bilingual question bank, checkers that explain, and participants' results.

A workshop is one YAML file in ``kamlib/training/bank/`` (the format, for trainers:
``docs/training.md``). :func:`load_bank` reads and validates one, :func:`check` scores
a participant's answer with feedback in their language, and :func:`record` keeps each
submission in the participant's own file for the trainer's :func:`class_summary`.
``kam training check`` validates the bank files from the command line.

Examples
--------
>>> banks = load_banks()
>>> all(bank.questions for bank in banks.values())
True
"""

from kamlib.training.bank import (
    QUESTION_TYPES,
    Bank,
    BankProblem,
    Criterion,
    Option,
    Question,
    Target,
    Text,
    bank_folder,
    bank_problems,
    load_bank,
    load_banks,
)
from kamlib.training.checks import Result, check
from kamlib.training.results import class_summary, read_results, record, safe_name

__all__ = [
    "QUESTION_TYPES",
    "Bank",
    "BankProblem",
    "Criterion",
    "Option",
    "Question",
    "Result",
    "Target",
    "Text",
    "bank_folder",
    "bank_problems",
    "check",
    "class_summary",
    "load_bank",
    "load_banks",
    "read_results",
    "record",
    "safe_name",
]
