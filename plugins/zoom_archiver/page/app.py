"""The archive page's FastAPI app, mounted in the api-server at ``/zoom-archive`` (:mod:`~zoom_archiver.page.plugin`).

* ``GET /zoom-archive/``: the page (figures cached :data:`~zoom_archiver.page.cache.TTL_SECONDS`, rebuilt at once
  when a run of our DAGs starts or changes state);
* ``GET /zoom-archive/runs/{run_id}/report``: one run's report, its Markdown tables drawn;
* ``GET /zoom-archive/audit/report``: the latest audit's ``report.json``, read from the bucket;
* ``POST /zoom-archive/release`` (form ``file_id``, or ``all``): triggers a run of the archive DAG that releases
  those quarantined files (conf ``release_quarantine`` and the meeting dates that reach them), then opens it.

Every route needs an Airflow login allowed to read (to release: to trigger) runs of the archive DAG
(:mod:`~zoom_archiver.page.auth`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from zoom_archiver.names import ARCHIVE_DAG_ID
from zoom_archiver.page.auth import LoginRequired, login_url, page_user, same_origin
from zoom_archiver.page.cache import TTL_SECONDS, TtlCache
from zoom_archiver.page.render import Links, render_page, render_run_report
from zoom_archiver.page.sources import airflow_variable, read_inputs, run_report, state_stamp
from zoom_archiver.page.summary import ArchivePage, build_page, release_conf
from zoom_archiver.publish.report import REPORT_PAGE_PREFIX, render_markdown
from zoom_archiver.settings import ArchiveSettings, load_settings

log = logging.getLogger(__name__)


def _settings() -> ArchiveSettings | None:
    try:
        return load_settings(airflow_variable)
    except Exception as exc:  # a missing bucket: the page still shows what the DB knows
        log.warning("Archive page: %s", exc)
        return None


def _build_page() -> ArchivePage:
    from airflow.utils.session import create_session

    with create_session() as session:
        return build_page(read_inputs(session, datetime.now(timezone.utc)))


def _stamp() -> Any:
    from airflow.utils.session import create_session

    with create_session() as session:
        return state_stamp(session)


def links_for(request: Request) -> Links:
    """Airflow's UI root: the api-server's root path, without our mount prefix."""
    return Links(str(request.scope.get("root_path", "")).removesuffix(REPORT_PAGE_PREFIX))


def create_app(build: Callable[[], ArchivePage] = _build_page, stamp: Callable[[], Any] = _stamp) -> FastAPI:
    app = FastAPI(title="Zoom archive page", docs_url=None, redoc_url=None, openapi_url=None)
    cache: TtlCache[ArchivePage] = TtlCache(TTL_SECONDS)

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, _exc: LoginRequired) -> Response:
        if request.method != "GET":
            return Response("login required", status_code=401)
        return RedirectResponse(login_url(request), status_code=307)

    @app.get("/", response_class=HTMLResponse)
    async def page(request: Request) -> HTMLResponse:
        await page_user(request)
        built = await run_in_threadpool(lambda: cache.get(build, stamp()))
        settings = await run_in_threadpool(_settings)
        html = render_page(
            built,
            links_for(request),
            bucket=settings.bucket if settings else "",
            prefix=settings.prefix if settings else "",
            cache_seconds=TTL_SECONDS,
        )
        return HTMLResponse(html)

    @app.get("/runs/{run_id}/report", response_class=HTMLResponse)
    async def report(request: Request, run_id: str) -> HTMLResponse:
        await page_user(request)
        run = await run_in_threadpool(_run_report, run_id)
        if run is None:
            raise HTTPException(status_code=404, detail="no such archive run")
        markdown = render_markdown(run.report) if run.report else "No run report: commit did not finish (see its log)."
        return HTMLResponse(render_run_report(run.dag_id, run.run_id, markdown, links_for(request)))

    @app.get("/audit/report")
    async def audit_report(request: Request) -> Response:
        await page_user(request)
        body = await run_in_threadpool(lambda: _latest_audit_report(cache.get(build, stamp())))
        return Response(body, media_type="application/json")

    @app.post("/release")
    async def release(request: Request) -> Response:
        user = await page_user(request, method="POST")
        if not same_origin(request):
            raise HTTPException(status_code=403, detail="the release form must be posted from the archive page")
        file_id = (parse_qs((await request.body()).decode()).get("file_id") or [""])[0].strip()
        run_id = await run_in_threadpool(_trigger_release, file_id, _user_name(user))
        cache.clear()
        return RedirectResponse(links_for(request).run(ARCHIVE_DAG_ID, run_id), status_code=303)

    return app


def _user_name(user: Any) -> str:
    getter = getattr(user, "get_name", None)
    return str(getter() if callable(getter) else user)


def _run_report(run_id: str) -> Any:
    from airflow.utils.session import create_session

    with create_session() as session:
        return run_report(session, run_id)


def _trigger_release(file_id: str, user_name: str) -> str:
    """Trigger the release run of ``file_id`` (``all``: every quarantined file); its run id."""
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.utils.types import DagRunTriggeredByType

    from zoom_archiver.ledger import read_ledger

    ledger, _ = read_ledger(airflow_variable)
    try:
        conf = release_conf(ledger, file_id)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    run = trigger_dag(
        ARCHIVE_DAG_ID,
        triggered_by=DagRunTriggeredByType.UI,
        triggering_user_name=user_name,
        conf=conf,
        note=f"Release from quarantine ({len(conf['release_quarantine'])} file ids) from the archive page",
    )
    if run is None:
        raise HTTPException(status_code=409, detail="the run could not be created")
    log.info("Archive page: %s released %s from quarantine in run %s", user_name, file_id, run.run_id)
    return str(run.run_id)


def _latest_audit_report(built: ArchivePage) -> bytes:
    """The latest audit's JSON report, read from the bucket it was written to (only under ``<prefix>/_audit/``)."""
    settings = _settings()
    url = (built.audit or {}).get("report")
    if settings is None or not url:
        raise HTTPException(status_code=404, detail="no audit report")
    bucket, _, key = str(url).removeprefix("s3://").partition("/")
    if bucket != settings.bucket or not key.startswith(f"{settings.prefix}/_audit/"):
        raise HTTPException(status_code=404, detail="the audit report is not in the archive bucket")
    from zoom_archiver.s3.connect import archive_bucket

    client = archive_bucket(settings.bucket, settings.aws_conn_id).client
    body: bytes = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body
