"""Typer's own words in the command line's help and errors, in Swedish.

The commands' and options' help texts are Swedish where they are written (commands.py,
accountability.py); the words Typer adds around them ("Usage", "Options", "[required]",
the help option's own help) are English constants of the library. They are set here, once,
before the first command runs, so that staff read one language. Typer vendors its own
Click (typer._click) since 0.20; each patch is skipped if the name it changes is gone, and
tests/integration/test_cli_language.py fails if the help turns English again.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import Any

HELP_OPTION_HELP = "Visa den här hjälpen och avsluta."
USAGE = "Användning: "

_RICH_TEXTS = {
    "ARGUMENTS_PANEL_TITLE": "Argument",
    "OPTIONS_PANEL_TITLE": "Flaggor",
    "COMMANDS_PANEL_TITLE": "Kommandon",
    "ERRORS_PANEL_TITLE": "Fel",
    "ABORTED_TEXT": "Avbrutet.",
    "DEFAULT_STRING": "[standard: {}]",
    "ENVVAR_STRING": "[miljövariabel: {}]",
    "REQUIRED_LONG_STRING": "[obligatorisk]",
    "DEPRECATED_STRING": "(utgått) ",
    "RICH_HELP": "Se [blue]'{command_path} {help_option}'[/] för hjälp.",
}


def use_swedish() -> None:
    """Set Typer's help and error words to Swedish (idempotent)."""
    from typer import rich_utils

    for name, swedish in _RICH_TEXTS.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, swedish)
    _swedish_help_option()
    _swedish_usage_prefix()
    _swedish_usage_errors()


def _swedish_help_option() -> None:
    command_class = getattr(_module("typer._click.core"), "Command", None)
    original = getattr(command_class, "get_help_option", None)
    if original is None or getattr(original, "swedish", False):
        return

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original(self, ctx)
        if option is not None:
            option.help = HELP_OPTION_HELP
        return option

    get_help_option.swedish = True  # type: ignore[attr-defined]
    command_class.get_help_option = get_help_option  # type: ignore[union-attr]


def _swedish_usage_prefix() -> None:
    formatter = getattr(_module("typer._click.formatting"), "HelpFormatter", None)
    original = getattr(formatter, "write_usage", None)
    if original is None or getattr(original, "swedish", False):
        return

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        original(self, prog, args, USAGE if prefix is None else prefix)

    write_usage.swedish = True  # type: ignore[attr-defined]
    formatter.write_usage = write_usage  # type: ignore[union-attr]


# Click writes its usage errors as literal English f-strings; the two staff meet most (a
# forgotten or misspelt flag) are worded here from the exception's own fields, the others
# from their English wording (swedish_usage_message).
_PARAMETER_KINDS = {"option": "Flaggan", "argument": "Argumentet"}


def _swedish_usage_errors() -> None:
    exceptions = _module("typer._click.exceptions")
    missing = getattr(exceptions, "MissingParameter", None)
    unknown = getattr(exceptions, "NoSuchOption", None)
    join_hints = getattr(exceptions, "_join_param_hints", None)
    if missing is None or unknown is None or join_hints is None:
        return
    if getattr(missing.format_message, "swedish", False):
        return

    def missing_message(self: Any) -> str:
        hint = self.param_hint
        if hint is None and self.param is not None:
            hint = self.param.get_error_hint()
        kind = self.param_type or (self.param.param_type_name if self.param else "")
        return f"{_PARAMETER_KINDS.get(kind, 'Parametern')} {join_hints(hint)} saknas."

    def unknown_message(self: Any) -> str:
        guesses = sorted(self.possibilities or ())
        guess = f" Menade du {' eller '.join(guesses)}?" if guesses else ""
        return f"Okänd flagga: {self.option_name}.{guess}"

    missing_message.swedish = True  # type: ignore[attr-defined]
    unknown_message.swedish = True  # type: ignore[attr-defined]
    missing.format_message = missing_message
    unknown.format_message = unknown_message
    for name in ("ClickException", "BadParameter"):  # the base, and the one that overrides
        _translate_messages_of(getattr(exceptions, name, None))


# The rest of Click's usage errors, by their English wording (patterns over the message
# its `format_message` gives; anything not listed stays as Click wrote it).
_USAGE_MESSAGES = (
    (re.compile(r"^Invalid value for (?P<hint>.+?): (?P<why>.*)$", re.S), "Ogiltigt värde för {hint}: {why}"),
    (re.compile(r"^Option '(?P<name>.+)' does not take a value\.$"), "Flaggan '{name}' tar inget värde."),
    (re.compile(r"^Option '(?P<name>.+)' requires an argument\.$"), "Flaggan '{name}' behöver ett värde."),
    (re.compile(r"^Option '(?P<name>.+)' requires (?P<n>\d+) arguments\.$"), "Flaggan '{name}' behöver {n} värden."),
    (re.compile(r"^Got unexpected extra argument(?:s|\(s\))? \((?P<extra>.*)\)$"), "Oväntat argument: {extra}"),
    (re.compile(r"^No such command '(?P<name>.+)'\.$"), "Okänt kommando: '{name}'."),
    (re.compile(r"^Missing command\.$"), "Kommando saknas."),
)  # fmt: skip
_VALUE_MESSAGES = (
    (re.compile(r"^Input should be a valid integer.*$"), "ett heltal krävs."),
    (re.compile(r"^'(?P<value>.*)' is not a valid integer\.$"), "'{value}' är inget heltal."),
    (re.compile(r"^'(?P<value>.*)' is not one of (?P<choices>.+)\.$"), "'{value}' är inte ett av {choices}."),
    (re.compile(r"^(?P<value>.*) is not a valid date\.?$"), "{value} är inget datum (ÅÅÅÅ-MM-DD)."),
)  # fmt: skip


def swedish_usage_message(message: str) -> str:
    """A Click usage error's English message in Swedish, where its wording is known."""
    for pattern, swedish in _USAGE_MESSAGES:
        found = pattern.match(message)
        if found:
            words = found.groupdict()
            if "why" in words:
                words["why"] = _swedish_value_message(words["why"])
            return swedish.format(**words)
    return message


def _swedish_value_message(message: str) -> str:
    for pattern, swedish in _VALUE_MESSAGES:
        found = pattern.match(message)
        if found:
            return swedish.format(**found.groupdict())
    return message


def _translate_messages_of(exception_class: Any) -> None:
    """Wrap the class's format_message (its own or the one it inherits) on the class."""
    original = getattr(exception_class, "format_message", None) if exception_class else None
    if original is None or getattr(original, "swedish", False):
        return

    def format_message(self: Any) -> str:
        return swedish_usage_message(original(self))

    format_message.swedish = True  # type: ignore[attr-defined]
    exception_class.format_message = format_message


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None
