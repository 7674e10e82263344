"""The ``report`` task: shows the run report of ``commit`` in the UI (no JSON to open).

Its one template field, ``report``, is rendered from ``commit``'s XCom ``run_report`` (the report's dict) before the
task runs, as Markdown tables (:func:`~zoom_archiver.publish.report.render_markdown`): that is what the task
instance's *Rendered Templates* tab holds. Airflow 3.3's tab shows every field as highlighted source (it ignores
``template_fields_renderers``), so the task also carries an extra link, **Run report**, to the archive page's view
of the report, where the tables are drawn. The log gets the plain text (:func:`~zoom_archiver.publish.report.
render_report`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from airflow.sdk import BaseOperator, BaseOperatorLink

from zoom_archiver.publish.report import NO_REPORT, REPORT_KEY, REPORT_PAGE_PATH, render_markdown, render_report

log = logging.getLogger(__name__)


def report_url(run_id: str, base_url: str = "") -> str:
    """The archive page's view of a run's report (``base_url``: Airflow's ``[api] base_url``, if any)."""
    return base_url.rstrip("/") + REPORT_PAGE_PATH.format(run_id=quote(run_id, safe=""))


class RunReportLink(BaseOperatorLink):
    """The **Run report** button of the ``report`` task: the report's tables on the archive page."""

    name = "Run report"

    def get_link(self, operator: BaseOperator, *, ti_key: Any) -> str:
        import airflow.configuration as airflow_configuration

        base = airflow_configuration.conf.get("api", "base_url", fallback="") or ""
        return report_url(str(ti_key.run_id), base)


def parse_report(rendered: Any) -> dict[str, Any] | None:
    """The report dict from the rendered template (JSON), ``None`` when ``commit`` pushed none."""
    try:
        value = json.loads(rendered) if isinstance(rendered, str) else rendered
    except ValueError:
        return None
    return value if isinstance(value, dict) and "files_archived" in value else None


class RunReportOperator(BaseOperator):
    """Render ``commit``'s run report (XCom ``run_report``) as Markdown tables in a template field and log it.

    :param commit_task_id: the task that pushed the report.
    """

    template_fields: Sequence[str] = ("report",)
    template_fields_renderers: ClassVar[dict[str, str]] = {"report": "md"}
    operator_extra_links = (RunReportLink(),)
    ui_color = "#e8f4ea"

    def __init__(self, *, commit_task_id: str = "commit", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.report = "{{ ti.xcom_pull(task_ids='" + commit_task_id + "', key='" + REPORT_KEY + "') | tojson }}"
        self.report_text = NO_REPORT

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        """Render the XCom, then turn the report into Markdown (and keep its plain text for the log)."""
        super().render_template_fields(context, jinja_env)
        report = parse_report(self.report)
        self.report = render_markdown(report) if report else NO_REPORT
        self.report_text = render_report(report) if report else NO_REPORT

    def execute(self, context: Any) -> None:
        log.info("Run report:\n%s", self.report_text)
