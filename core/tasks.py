"""Jobs of the shared machinery, run by the worker (core/jobs.py)."""

from __future__ import annotations

import logging

from django.conf import settings

from .jobs import job_enqueue_later
from .mail import message_deliver

logger = logging.getLogger(__name__)


def retry_wait(attempt: int) -> int:
    """Seconds before attempt `attempt + 1`: 30 s, 2 min, 8 min, … capped at 6 h."""
    return min(30 * 4 ** (attempt - 1), 6 * 3600)


def email_deliver(*, message: dict, attempt: int = 1) -> None:
    """Send one queued message (core/mail.py).

    A failure schedules the next attempt (up to EMAIL_DELIVERY_ATTEMPTS) and is
    raised, so the worker records it as a failed job.
    """
    try:
        message_deliver(message)
    except Exception:
        if attempt < settings.EMAIL_DELIVERY_ATTEMPTS:
            job_enqueue_later(
                "core.tasks.email_deliver",
                seconds=retry_wait(attempt),
                message=message,
                attempt=attempt + 1,
            )
            logger.warning("e-mail attempt %s failed; retrying later", attempt)
        else:
            logger.error("e-mail not delivered after %s attempts", attempt)
        raise
