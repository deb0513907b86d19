"""Errors a user causes, in one place.

Each one ends, at the edge that catches it (the CLI, an adapter's command handler),
as one clear line and exit status 2; none of them is a bug. Failures of the system
itself (a store that cannot be reached, a platform that refuses a call) live beside
the code that raises them.
"""

from __future__ import annotations


class UsageError(Exception):
    """A mistake in the command line or its input files: one line, exit status 2."""


class ConfigError(Exception):
    """A configuration the user must fix. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class InputError(Exception):
    """A problem with one input line, reported to the user and skipped."""


TRAIN_EXTRA = "pip install 'watchkeeper[train]'"


def require_extra(what: str, modules: tuple[str, ...]) -> None:
    """Raise a one-line ``UsageError`` if any of ``modules`` (the ``[train]`` extra's)
    is missing: ``pip install .`` installs serving only, without training and plots."""
    from importlib.util import find_spec

    missing = [name for name in modules if find_spec(name) is None]
    if missing:
        raise UsageError(f"{what} needs {', '.join(missing)}: {TRAIN_EXTRA}")
