"""Every write of Laksa: keyword-only, atomic, checked against the declared
workflow (laksa/workflow.py) and audited (laksa/audit.py)."""

from __future__ import annotations

from ..workflow import ANSWERED, OPEN_STATES
from .common import (
    ANSWER_MAX,
    DESCRIPTION_MAX,
    NOTE_MAX,
)
from .items import (
    ITEMS_PER_DAY,
    ITEMS_PER_HOUR,
    SUBMIT_LOCK,
    item_rate,
    item_reopen,
    item_submit,
)
from .opds import (
    category_save,
    opd_save,
)
from .routing import (
    item_answer,
    item_dismiss,
    item_return,
    item_route,
    items_escalate,
    items_escalate_all,
)

__all__ = [
    "ANSWERED",
    "ANSWER_MAX",
    "DESCRIPTION_MAX",
    "ITEMS_PER_DAY",
    "ITEMS_PER_HOUR",
    "NOTE_MAX",
    "OPEN_STATES",
    "SUBMIT_LOCK",
    "category_save",
    "item_answer",
    "item_dismiss",
    "item_rate",
    "item_reopen",
    "item_return",
    "item_route",
    "item_submit",
    "items_escalate",
    "items_escalate_all",
    "opd_save",
]
