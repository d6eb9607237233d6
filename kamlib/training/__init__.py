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
from kamlib.training.classroom import answer_text, class_tables
from kamlib.training.keys import (
    Marker,
    bank_marker,
    hashed_marker,
    key_name,
    open_key,
    public_bank,
    write_key,
)
from kamlib.training.numbers import (
    NumbersData,
    name_seed,
    numbers_bank,
    numbers_tables,
    participant_data,
)
from kamlib.training.results import class_summary, read_results, record, safe_name
from kamlib.training.territory import (
    Territory,
    check_week,
    sample_territory,
    territory_table,
)

__all__ = [
    "QUESTION_TYPES",
    "Bank",
    "BankProblem",
    "Criterion",
    "Marker",
    "NumbersData",
    "Option",
    "Question",
    "Result",
    "Target",
    "Territory",
    "Text",
    "answer_text",
    "bank_folder",
    "bank_marker",
    "bank_problems",
    "check",
    "check_week",
    "class_summary",
    "class_tables",
    "hashed_marker",
    "key_name",
    "load_bank",
    "load_banks",
    "name_seed",
    "numbers_bank",
    "numbers_tables",
    "open_key",
    "participant_data",
    "public_bank",
    "read_results",
    "record",
    "safe_name",
    "sample_territory",
    "territory_table",
    "write_key",
]
