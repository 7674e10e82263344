"""The ``report`` task: shows the run report of ``commit`` in the UI as text (no JSON to open).

Its one template field, ``report``, is rendered from ``commit``'s XCom ``run_report_text`` before the task runs,
and the UI shows it rendered as Markdown in the task instance's *Rendered Templates* tab; the task logs it too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, ClassVar

from airflow.sdk import BaseOperator

from zoom_archiver.publish.report import NO_REPORT, REPORT_TEXT_KEY

log = logging.getLogger(__name__)


class RunReportOperator(BaseOperator):
    """Render ``commit``'s run report (XCom ``run_report_text``) as a Markdown template field and log it.

    :param commit_task_id: the task that pushed the report.
    """

    template_fields: Sequence[str] = ("report",)
    template_fields_renderers: ClassVar[dict[str, str]] = {"report": "md"}
    ui_color = "#e8f4ea"

    def __init__(self, *, commit_task_id: str = "commit", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        pulled = f"ti.xcom_pull(task_ids='{commit_task_id}', key='{REPORT_TEXT_KEY}') or '{NO_REPORT}'"
        #: a Markdown code block, so the UI keeps the report's lines and columns
        self.report = "```text\n{{ " + pulled + " }}\n```"

    def execute(self, context: Any) -> None:
        log.info("Run report:\n%s", str(self.report).removeprefix("```text\n").removesuffix("\n```"))
