"""AI Companion meeting summaries: ``GET /v2/meetings/meeting_summaries``, ``GET`` and ``DELETE``
``/v2/meetings/{meetingId}/meeting_summary``.

Sources: Zoom's Meeting API spec from the API hub (https://developers.zoom.us/docs/api/meetings/, operations
Listmeetingsummaries, Getameetingsummary, Deletemeetingorwebinarsummary; rate labels MEDIUM, LIGHT, LIGHT),
Rivet ``meetings.d.ts`` 0.3.0 (``MeetingSummary*Event``), changelog 2023-11-20 (API and
``meeting.summary_completed``), 2024-05-20 (``meeting.summary_trashed|deleted|recovered``), 2025-07-14 (DELETE).

* The list filters on the summaries' **creation** time (``from``/``to`` are ``yyyy-MM-ddTHH:mm:ssZ``, the spec's
  words; a later ``time_filter_field`` parameter is not emulated). The spec states neither a default window nor a
  maximum: the emulator defaults to the last 30 days and narrows a window wider than one calendar month (echoing
  the ``from`` it used), like every other Zoom listing. No ``total_records`` or ``page_count`` (not in the spec).
  An edited summary keeps its creation time but gets a new ``summary_last_modified_time``: an archiver polling by
  creation time must re-read summaries (``meeting.summary_updated``) to see edits.
* Detail: ``summary_content`` (the whole summary in Markdown, the field Zoom now fills for every summary), the
  deprecated ``summary_overview``/``summary_details``/``next_steps``/``edited_summary``, and
  ``summary_last_modified_user_id``/``_email``. ``meetingId`` is the instance UUID (double-encoded when it starts
  with ``/`` or holds ``//``) or a numeric id (latest instance).
* A trashed or deleted summary is not listed and its detail answers 404 (code 3322 "Meeting summary does not
  exist." - Zoom's code is not published; clients should key on the status). ``DELETE`` answers 204 and puts the
  summary in the trash (``meeting.summary_trashed``): whether Zoom's DELETE trashes or erases is not documented;
  either way the summary leaves the listing, which is what an archiver must survive.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from zoom_emulator import listing
from zoom_emulator.httpbase import Request, Response, json_response
from zoom_emulator.model import format_time
from zoom_emulator.v2 import decode_meeting_ref

if TYPE_CHECKING:
    from zoom_emulator.sources_model import Summary
    from zoom_emulator.state import EmulatorState

NO_SUMMARY = {"code": 3322, "message": "Meeting summary does not exist."}


def summary_head(s: Summary) -> dict[str, Any]:
    """The fields every list item, detail and webhook object shares."""
    return {
        "meeting_host_id": s.host_id,
        "meeting_host_email": s.host_email,
        "meeting_uuid": s.meeting_uuid,
        "meeting_id": s.meeting_id,
        "meeting_topic": s.topic,
        "meeting_start_time": format_time(s.meeting_start),
        "meeting_end_time": format_time(s.meeting_end),
        "summary_start_time": format_time(s.meeting_start),
        "summary_end_time": format_time(s.meeting_end),
        "summary_created_time": format_time(s.created),
        "summary_last_modified_time": format_time(s.modified),
    }


def summary_body(s: Summary) -> dict[str, Any]:
    """The content fields (deprecated ones included) after :func:`summary_head`."""
    out: dict[str, Any] = {"summary_title": s.title, "summary_overview": s.overview}
    out["summary_details"] = [dict(d) for d in s.details]
    out["next_steps"] = list(s.next_steps)
    if s.edited is not None:
        out["edited_summary"] = dict(s.edited)
    return out


def summary_detail(s: Summary) -> dict[str, Any]:
    """``GET /meetings/{meetingId}/meeting_summary``."""
    out = summary_head(s)
    if s.modified_by_id:
        out["summary_last_modified_user_id"] = s.modified_by_id
        out["summary_last_modified_user_email"] = s.modified_by_email
    out.update(summary_body(s))
    out["summary_content"] = s.content
    return out


def _find(state: EmulatorState, segment: str) -> Summary | None:
    ref = decode_meeting_ref(segment)
    summaries = state.dataset.extras.summaries
    found = summaries.get(ref)
    if found is None and ref.isdigit():
        instances = [s for s in summaries.values() if s.meeting_id == int(ref) and s.state == "active"]
        found = max(instances, key=lambda s: s.meeting_start) if instances else None
    return found if found is not None and found.state == "active" else None


def get_summary(state: EmulatorState, request: Request, groups: tuple[str, ...]) -> Response:
    """``GET`` (detail) or ``DELETE`` (to the trash) ``/v2/meetings/{meetingId}/meeting_summary``."""
    found = _find(state, groups[0])
    if found is None:
        return json_response(404, NO_SUMMARY)
    if request.method == "DELETE":
        from zoom_emulator.summaries_control import change_state

        change_state(state, found, "trash", None)
        return Response(204, b"", None)
    return json_response(200, summary_detail(found))


def _cursor(state: EmulatorState, request: Request) -> dict[str, Any] | Response:
    now = state.now().replace(microsecond=0)
    window = listing.window(request, (now - timedelta(days=30), now))
    if isinstance(window, Response):
        return window
    return {"from": window[0].isoformat(), "to": window[1].isoformat()}


def list_summaries(state: EmulatorState, request: Request, groups: tuple[str, ...]) -> Response:
    """``GET /v2/meetings/meeting_summaries``."""
    page = listing.page(state, request, "meeting_summaries", lambda: _cursor(state, request))
    if isinstance(page, Response):
        return page
    first, last = datetime.fromisoformat(page.cursor["from"]), datetime.fromisoformat(page.cursor["to"])
    found = [
        s for s in list(state.dataset.extras.summaries.values()) if s.state == "active" and first <= s.created <= last
    ]
    found.sort(key=lambda s: (s.created, s.meeting_uuid), reverse=True)
    return json_response(
        200,
        {
            "page_size": page.size,
            "next_page_token": page.token(state, len(found)),
            "from": format_time(first),
            "to": format_time(last),
            "summaries": [summary_head(s) for s in found[page.offset : page.offset + page.size]],
        },
    )
