"""Building the non-meeting sources (Phone, summaries, Clips, Rooms) of a dataset, deterministically.

Used by the seeds (``seed_sources``) and by the control plane (``sources_control``). Identifiers look like
Zoom's (Phone API spec examples): recording and voicemail ids are 32 hex digits, download keys 22 url-safe
characters (distinct from the id: clients must use ``download_url``), call ids 19 digits, call log ids UUIDs,
``call_history_id`` ``yyyymmdd-<uuid>``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from zoom_emulator.dataset import Dataset
from zoom_emulator.ids import IdFactory
from zoom_emulator.model import Meeting, User
from zoom_emulator.sources_model import Blob, Clip, Party, PhoneRecording, Room, Summary, Voicemail


class SourcesBuilder:
    """Adds Phone recordings, voicemails, summaries, clips and rooms to ``dataset.extras``."""

    def __init__(self, name: str, dataset: Dataset) -> None:
        self.ids = IdFactory(f"sources:{name}")
        self.dataset = dataset
        self.extras = dataset.extras
        self._extensions: dict[str, int] = {}

    def blob(self, kind: str, size: int, extension: str, name: str, modified: datetime, ready: bool = True) -> Blob:
        """A new downloadable object (not yet registered)."""
        return Blob(f"{kind}-{self.ids.token(24)}", self.ids.guid(), kind, size, extension, name, modified, ready)

    def extension(self, owner_id: str) -> int:
        """The owner's phone extension (stable per owner)."""
        return self._extensions.setdefault(owner_id, 1000 + len(self._extensions) * 7 + 1)

    def _external(self) -> Party:
        return Party("External caller", f"+1415{self.ids.number(1_000_000, 9_999_999)}", 2)

    def _ids(self, start: datetime) -> dict[str, str]:
        call_log_id = self.ids.file_id()
        return {
            "id": self.ids.file_id().replace("-", ""),
            "download_key": self.ids.urlsafe(16),
            "call_id": str(self.ids.number(7_000_000_000_000_000_000, 7_299_999_999_999_999_999)),
            "call_log_id": call_log_id,
            "call_history_id": f"{start:%Y%m%d}-{call_log_id}",
        }

    def phone_recording(self, owner: User, start: datetime, seconds: int, size: int, **options: Any) -> PhoneRecording:
        """A call recording (MP3) of ``owner``. Options: ``direction`` (inbound), ``transcript`` (None |
        ``"completed"`` | ``"processing"``), ``owner_type`` (user), ``recording_type`` (Automatic), ``meeting_uuid``,
        ``auto_delete_policy``, ``disclaimer_status``."""
        owner_id = owner.id or ""
        me = Party(_name(owner), str(self.extension(owner_id)), 1)
        inbound = options.get("direction", "inbound") == "inbound"
        ids = self._ids(start)
        end = start + timedelta(seconds=seconds)
        audio = self.blob("phone_recording", size, "mp3", f"call_recording_{ids['call_log_id']}", end)
        transcript_status = options.get("transcript") or "none"
        transcript = None
        if transcript_status != "none":
            ready = transcript_status == "completed"
            transcript = self.blob(
                "phone_transcript", 2048 + seconds * 16, "json", f"transcript_{ids['id']}", end, ready
            )
        rec = PhoneRecording(
            **ids,
            owner_id=owner_id,
            owner_name=_name(owner),
            owner_type=options.get("owner_type", "user"),
            extension_number=self.extension(owner_id),
            caller=self._external() if inbound else me,
            callee=me if inbound else self._external(),
            direction="inbound" if inbound else "outbound",
            start=start,
            end=end,
            recording_type=options.get("recording_type", "Automatic"),
            audio=audio,
            site_id=self.ids.urlsafe(16),
            transcript=transcript,
            transcript_status=transcript_status,
            meeting_uuid=options.get("meeting_uuid"),
            disclaimer_status=options.get("disclaimer_status"),
            auto_delete_policy=options.get("auto_delete_policy"),
        )
        return self.extras.add_phone_recording(rec)

    def voicemail(
        self, owner: User, start: datetime, seconds: int, size: int, transcription: str | None = None
    ) -> Voicemail:
        """A voicemail (MP3) left for ``owner``."""
        owner_id = owner.id or ""
        ids = self._ids(start)
        audio = self.blob(
            "voicemail", size, "mp3", f"voicemail_{ids['call_log_id']}", start + timedelta(seconds=seconds)
        )
        vm = Voicemail(
            **ids,
            owner_id=owner_id,
            owner_name=_name(owner),
            extension_number=self.extension(owner_id),
            caller=self._external(),
            callee=Party(_name(owner), str(self.extension(owner_id)), 1),
            start=start,
            duration=seconds,
            audio=audio,
            transcription=transcription,
        )
        return self.extras.add_voicemail(vm)

    def summary(self, meeting: Meeting, host: User, created: datetime | None = None) -> Summary:
        """The AI Companion summary of ``meeting`` (created a few minutes after it ended unless given)."""
        end = meeting.start + timedelta(minutes=max(1, meeting.duration))
        created = created or end + timedelta(minutes=3)
        overview = f"The team discussed {meeting.topic or 'the agenda'} and agreed on next steps."
        details = [{"label": "Decisions", "summary": "Ship the archive layout; review retention next week."}]
        steps = ["Share the notes with the team", "Schedule the follow-up"]
        summary = Summary(
            meeting_uuid=meeting.uuid,
            meeting_id=meeting.id,
            host_id=meeting.host_id,
            host_email=host.email,
            topic=meeting.topic,
            meeting_start=meeting.start,
            meeting_end=end,
            created=created,
            modified=created,
            title=f"Meeting summary for {meeting.topic}",
            overview=overview,
            details=details,
            next_steps=steps,
            content=markdown(meeting.topic, overview, details, steps),
        )
        self.extras.summaries[meeting.uuid] = summary
        return summary

    def edit(self, summary: Summary, when: datetime, editor: User, **changes: Any) -> Summary:
        """What a host's edit does: ``edited_summary``, new ``summary_content`` and ``summary_last_modified_time``
        (changes: ``overview``, ``next_steps``, ``content``)."""
        overview = str(changes.get("overview") or f"{summary.overview} (edited)")
        steps = [str(x) for x in changes.get("next_steps") or [*summary.next_steps, "Edited by the host"]]
        summary.edited = {
            "summary_overview": overview,
            "summary_details": "; ".join(d["summary"] for d in summary.details),
            "next_steps": steps,
        }
        summary.content = str(changes.get("content") or markdown(summary.topic, overview, summary.details, steps))
        summary.modified = max(when, summary.modified + timedelta(seconds=1))
        summary.modified_by_id, summary.modified_by_email = editor.id or "", editor.email
        return summary

    def clip(self, owner: User, created: datetime, size: int, seconds: int, **options: Any) -> Clip:
        """A clip (MP4) of ``owner``. Options: ``title``, ``description``, ``status`` (RECORD_SUCCESS),
        ``modified`` (= ``created``)."""
        status = options.get("status", "RECORD_SUCCESS")
        modified = options.get("modified") or created
        clip_id = self.ids.urlsafe(27)
        video = self.blob("clip", size, "mp4", f"clip_{clip_id[:12]}", modified, status == "RECORD_SUCCESS")
        clip = Clip(
            clip_id=clip_id,
            owner_id=owner.id or "",
            title=options.get("title", f"Clip by {_name(owner)}"),
            description=options.get("description", ""),
            duration=seconds,
            status=status,
            created=created,
            modified=modified,
            video=video,
            share_token=self.ids.token(32),
        )
        return self.extras.add_clip(clip)

    def room(self, name: str, email_domain: str = "example.com") -> Room:
        """A Zoom Room; its ``host`` is the pseudo-user its recordings name as ``host_id`` (never in ``/users``)."""
        room_id = self.ids.user_id()
        host = User(id=room_id, email=f"rooms_{room_id.lower()}@{email_domain}", first_name=name, last_name=None)
        host.type = 1
        room = Room(room_id, name, self.ids.urlsafe(16), host, activation_code=f"{self.ids.number(1000, 9999)}-0000")
        self.extras.rooms[room_id] = room
        return room


def _name(user: User) -> str:
    return " ".join(p for p in (user.first_name, user.last_name) if p) or user.email


def markdown(topic: str, overview: str, details: list[dict[str, str]], steps: list[str]) -> str:
    """``summary_content``: the whole summary in Markdown (API hub spec, operation Getameetingsummary)."""
    lines = [f"## Quick recap\n{overview}", "## Discussed topics"]
    lines += [f"### {d['label']}\n{d['summary']}" for d in details]
    lines += ["## Action items", *[f"- {s}" for s in steps]]
    return f"# {topic}\n" + "\n".join(lines)
