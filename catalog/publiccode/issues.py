"""What a refused file is told: every problem, each with the path of its field."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Issue:
    """One problem in a file: where (`legal.license`, empty for the whole file) and why.

    `message` is a core.i18n.Sentence, built where the problem is found, so it
    reads in the language of whoever reads it, now or from a stored row
    (`storable(issue.message)`). Only what Django's own validation says of a
    field (the importer's last step) is its lazy text instead.
    """

    path: str
    message: Promise

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else str(self.message)


class PubliccodeError(Exception):
    """A file that cannot be imported; `issues` says every reason found."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__(self.issues)

    def __str__(self) -> str:
        # In the language of whoever reads it, as the issues are.
        return "; ".join(str(issue) for issue in self.issues)


def show(value, limit: int = 60) -> str:
    """A value as a message quotes it: text as written, anything else as its repr, shortened."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
