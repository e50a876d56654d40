"""argparse speaking Russian: headings, the help option and argparse's own error phrases.

No gettext catalogue is needed (a frozen app ships none): the few English strings argparse prints
are replaced here. What argparse prints is otherwise unchanged.
"""

from __future__ import annotations

import argparse
import sys

_ARGPARSE_RU = (  # argparse's own English phrases in error messages, in the order they nest
    ("the following arguments are required: ", "не хватает аргументов: "),
    ("unrecognized arguments: ", "неизвестные аргументы: "),
    ("invalid choice: ", "недопустимое значение: "),
    ("(choose from ", "(допустимы: "),
    ("expected one argument", "нужно одно значение"),
    ("invalid int value: ", "не целое число: "),
    ("argument ", "аргумент "),
)


class _RussianHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, "Использование: " if prefix is None else prefix)


class RussianArgumentParser(argparse.ArgumentParser):
    """argparse with Russian headings, help and error lines (no gettext catalogue needed)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _RussianHelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "аргументы"
        self._optionals.title = "параметры"
        self.add_argument(
            "-h", "--help", action="help", default=argparse.SUPPRESS, help="показать эту справку и выйти"
        )

    def error(self, message: str) -> None:  # type: ignore[override]
        for english, russian in _ARGPARSE_RU:
            message = message.replace(english, russian)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: ошибка: {message}\n")
