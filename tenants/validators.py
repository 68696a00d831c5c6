"""Field validators shared by forms and models: the rule is core/text.py's (these
names stay importable because migrations name them)."""

from core.text import validate_plain_text, validate_single_line

__all__ = ["validate_plain_text", "validate_single_line"]
