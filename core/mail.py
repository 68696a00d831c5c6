"""Outgoing e-mail through the task queue.

`QueuedEmailBackend` (settings.EMAIL_BACKEND) does not talk to a mail server:
it turns each message into a `core.tasks.email_deliver` job, queued on the
caller's database connection (core/jobs.py). A message sent inside a transaction is queued
only if that transaction commits, and a mail server that is down or slow never
fails or delays the action; the worker sends the message with the real
backend (settings.EMAIL_DELIVERY_BACKEND) and retries with growing waits.
"""

from __future__ import annotations

import base64
from email.mime.base import MIMEBase

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend


def message_serialise(message: EmailMessage) -> dict:
    """A JSON-safe copy of a message, enough to send it again."""
    attachments = []
    for attachment in message.attachments:
        if isinstance(attachment, MIMEBase):
            attachments.append(
                {"mime": base64.b64encode(attachment.as_bytes()).decode("ascii")}
            )
            continue
        filename, content, mimetype = attachment
        if isinstance(content, str):
            content = content.encode("utf-8")
        attachments.append(
            {
                "filename": filename,
                "content": base64.b64encode(content).decode("ascii"),
                "mimetype": mimetype,
            }
        )
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            [str(content), mimetype]
            for content, mimetype in getattr(message, "alternatives", [])
        ],
        "content_subtype": message.content_subtype,
        "attachments": attachments,
    }


def message_restore(data: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
        alternatives=[tuple(pair) for pair in data["alternatives"]],
    )
    message.content_subtype = data.get("content_subtype", "plain")
    for attachment in data["attachments"]:
        if "mime" in attachment:
            from email import message_from_bytes

            message.attach(message_from_bytes(base64.b64decode(attachment["mime"])))
        else:
            message.attach(
                attachment["filename"],
                base64.b64decode(attachment["content"]),
                attachment["mimetype"],
            )
    return message


def message_deliver(data: dict) -> None:
    """Send one serialised message with the real backend; raises when it fails."""
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
    message = message_restore(data)
    message.connection = connection
    message.send(fail_silently=False)


class QueuedEmailBackend(BaseEmailBackend):
    """Queue each message as a job (in the caller's transaction) instead of sending it."""

    def send_messages(self, email_messages) -> int:
        from .jobs import job_enqueue

        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            job_enqueue(
                "core.tasks.email_deliver",
                message=message_serialise(message),
                group="email",
            )
            count += 1
        return count
