"""The command line speaks Swedish to staff: every command's and option's help, and the
words Typer adds around them (issue 19)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import typer

from service.cli.commands import app
from tests.server_process import ROOT

# Words that give an English help text away; Swedish help has none of them.
ENGLISH = re.compile(r"\b(the|and|of|to|from|every|this|file|write|only|show|when)\b", re.I)
SWEDISH_CHROME = ("Användning:", "Flaggor", "Visa den här hjälpen och avsluta.")
ENGLISH_CHROME = ("Usage:", "Options", "Show this message", "[default:", "[required]")


def help_texts() -> list[tuple[str, str]]:
    """(where, text) of every command's and parameter's help, hidden ones too."""
    texts = []

    def walk(command: object, path: str) -> None:
        texts.append((path, getattr(command, "help", None) or ""))
        for param in getattr(command, "params", []):
            if param.name != "help":
                texts.append((f"{path} {param.name}", getattr(param, "help", None) or ""))
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "service")
    return texts


def test_every_help_text_is_swedish() -> None:
    texts = help_texts()
    assert len(texts) > 40  # the walk saw the commands and their options
    missing = [where for where, text in texts if not text.strip()]
    english = [(where, text) for where, text in texts if ENGLISH.search(text)]
    assert not missing, f"no help: {missing}"
    assert not english, english


def run_help(*command: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "service", *command, "--help"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "120"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_typers_own_words_are_swedish_too() -> None:
    for command in ((), ("export",), ("import",), ("audit", "export")):
        shown = run_help(*command)
        assert all(word in shown for word in SWEDISH_CHROME), shown
        assert not any(word in shown for word in ENGLISH_CHROME), shown
    assert "[obligatorisk]" in run_help("export") and "[standard: xlsx]" in run_help("export")


def run_refused(*command: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "service", *command],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "120"},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    return done.stderr


def test_a_forgotten_or_misspelt_flag_is_refused_in_swedish() -> None:
    forgotten = run_refused("export")
    assert "Flaggan '--association' saknas." in forgotten and "Missing" not in forgotten
    misspelt = run_refused("export", "--assocation", "x")
    assert "Okänd flagga: --assocation. Menade du --association?" in misspelt, misspelt
    assert "No such option" not in misspelt


def test_clicks_other_usage_errors_are_swedish_too() -> None:
    cases = {
        ("nosuch",): "Okänt kommando: 'nosuch'.",
        ("erase", "--association", "x", "--pseudonym"): "Flaggan '--pseudonym' behöver ett värde.",
        ("gallra", "--dry-run=3"): "Flaggan '--dry-run' tar inget värde.",
        ("export", "--association", "x", "--year", "abc"): (
            "Ogiltigt värde för '--year': ett heltal krävs."
        ),
        ("export", "--association", "x", "--year", "2024", "extra"): "Oväntat argument: extra",
    }
    english = re.compile(r"No such|requires|does not take|Invalid value|unexpected|Input should")
    for command, swedish in cases.items():
        refused = run_refused(*command)
        assert swedish in refused, (command, refused)
        assert not english.search(refused), (command, refused)
