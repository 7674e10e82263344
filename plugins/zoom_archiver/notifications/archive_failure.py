"""Failure alerts: one message naming the DAG, run, file and error, sent through Airflow's notifiers.

Channels are enabled by configuration, checked when a failure happens (never at DAG import):

* e-mail through :class:`~airflow.providers.smtp.notifications.smtp.SmtpNotifier` when the Variable
  ``zoom_archive_alert_emails`` lists recipients and the connection ``smtp_default`` exists;
* Slack through :class:`~airflow.providers.slack.notifications.slack_webhook.SlackWebhookNotifier` when the
  connection ``slack_default`` (an incoming-webhook connection) exists.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook, BaseNotifier

from zoom_archiver.redaction import describe_exception, redact
from zoom_archiver.settings import load_alert_settings

if TYPE_CHECKING:
    from airflow.sdk import Context

log = logging.getLogger(__name__)

#: Key under which the archive task leaves a description of its file in the task context.
FILE_CONTEXT_KEY = "zoom_file"


def _connection_exists(conn_id: str) -> bool:
    try:
        BaseHook.get_connection(conn_id)
    except Exception:
        return False
    return True


def failure_summary(context: Mapping[str, Any]) -> dict[str, str]:
    """The facts an on-call engineer needs, as plain strings with every known secret masked."""
    ti = context.get("ti")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    map_index = getattr(ti, "map_index", -1)
    task = getattr(ti, "task_id", "?") + (f"[{map_index}]" if map_index is not None and map_index >= 0 else "")
    exc = context.get("exception")
    file_info = context.get(FILE_CONTEXT_KEY) or {}
    file_text = (
        f"host {file_info.get('host_email')}, topic {file_info.get('topic')!r}, type {file_info.get('file_type')}, "
        f"meeting uuid {file_info.get('meeting_uuid')}, key {file_info.get('key')}"
        if file_info
        else "-"
    )
    try:
        log_url = ti.log_url if ti is not None else ""
    except Exception:
        log_url = ""
    summary = {
        "dag": str(dag_id),
        "run": str(context.get("run_id") or getattr(ti, "run_id", "?")),
        "task": task,
        "try": str(getattr(ti, "try_number", "?")),
        "file": file_text,
        "error": describe_exception(exc) if isinstance(exc, BaseException) else str(exc or "unknown error"),
        "log": log_url,
    }
    return {k: redact(v) for k, v in summary.items()}


def render_text(summary: dict[str, str]) -> str:
    return (
        f"Zoom archive failure in {summary['dag']}\n"
        f"Run: {summary['run']}\nTask: {summary['task']} (try {summary['try']})\n"
        f"File: {summary['file']}\nError: {summary['error']}\nLog: {summary['log']}"
    )


def slack_escape(text: str) -> str:
    """``text`` as Slack message text: ``&``, ``<`` and ``>`` escaped, so that a meeting topic or an error cannot
    ping (``<!channel>``, ``<@U123>``) or make links (``<https://evil|click>``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ArchiveFailureNotifier(BaseNotifier):
    """Send the failure summary to every configured channel; one failing channel does not stop the others.

    :param smtp_conn_id: SMTP connection for e-mail.
    :param slack_conn_id: Slack incoming-webhook connection.
    """

    def __init__(
        self,
        *,
        smtp_conn_id: str = "smtp_default",
        slack_conn_id: str = "slack_default",
    ) -> None:
        super().__init__()
        self.smtp_conn_id = smtp_conn_id
        self.slack_conn_id = slack_conn_id

    def notify(self, context: Context) -> None:
        summary = failure_summary(context)
        text = render_text(summary)
        sent = []
        emails, from_email = load_alert_settings()
        if emails and _connection_exists(self.smtp_conn_id):
            sent.append(self._try("email", self._send_email, list(emails), from_email, summary, text, context))
        if _connection_exists(self.slack_conn_id):
            sent.append(self._try("slack", self._send_slack, slack_escape(text), context))
        if not any(sent):
            log.warning("No alert channel is configured (or all failed); failure summary:\n%s", text)

    @staticmethod
    def _try(channel: str, send: Callable[..., None], *args: Any) -> bool:
        try:
            send(*args)
        except Exception as exc:
            log.error("Could not send the %s alert: %s", channel, describe_exception(exc))
            return False
        return True

    def _send_email(
        self, emails: list[str], from_email: str, summary: dict[str, str], text: str, context: Context
    ) -> None:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        subject = f"[Airflow] {summary['dag']}: {summary['task']} failed"
        body = "<pre>" + html.escape(text) + "</pre>"
        SmtpNotifier(
            to=emails,
            from_email=from_email,
            subject=subject,
            html_content=body,
            smtp_conn_id=self.smtp_conn_id,
        ).notify(context)

    def _send_slack(self, text: str, context: Context) -> None:
        from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier

        notifier: Any = SlackWebhookNotifier(slack_webhook_conn_id=self.slack_conn_id, text=text)
        notifier.notify(context)  # the Slack provider's notify is not annotated
