"""The emulated account's data: users and meeting instances, with the indexes the endpoints need."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

from zoom_emulator.extras import Extras
from zoom_emulator.model import Meeting, RecordingFile, User


class Dataset:
    """Users and meetings of one account, indexed for lookups. Mutations and scans hold ``lock``."""

    def __init__(self, account_id: str, name: str = "custom") -> None:
        self.account_id = account_id
        self.name = name
        self.lock = threading.RLock()
        self.users: list[User] = []
        self.meetings: dict[str, Meeting] = {}
        self._users_by_ref: dict[str, User] = {}
        self._files_by_key: dict[str, RecordingFile] = {}
        self._files_by_token: dict[str, RecordingFile] = {}
        self._files_by_guid: dict[str, RecordingFile] = {}
        self._meetings_by_host: dict[str, list[Meeting]] = {}
        self._meetings_by_number: dict[int, list[Meeting]] = {}
        #: Phone, summaries, Clips, Rooms and recording settings (``zoom_emulator.extras``)
        self.extras = Extras()

    # ------------------------------------------------------------------ building
    def add_user(self, user: User) -> User:
        """Register a user (by id when it has one, and by lower-cased email)."""
        with self.lock:
            if user.email.lower() in self._users_by_ref or (user.id and user.id in self._users_by_ref):
                raise ValueError(f"duplicate user {user.email}")
            self.users.append(user)
            self._users_by_ref[user.email.lower()] = user
            if user.id:
                self._users_by_ref[user.id] = user
        return user

    def add_meeting(self, meeting: Meeting) -> Meeting:
        """Register a meeting instance and its files; raises ``ValueError`` on duplicate keys."""
        with self.lock:
            if meeting.uuid in self.meetings:
                raise ValueError(f"duplicate meeting uuid {meeting.uuid}")
            for f in meeting.files or []:
                self._check_new_file(f)
            self.meetings[meeting.uuid] = meeting
            self._meetings_by_host.setdefault(meeting.host_id, []).append(meeting)
            self._meetings_by_number.setdefault(meeting.id, []).append(meeting)
            for f in meeting.files or []:
                self._index_file(f)
        return meeting

    def add_file(self, meeting: Meeting, f: RecordingFile) -> RecordingFile:
        """Attach a file to a registered meeting (creating its ``recording_files`` list if absent)."""
        with self.lock:
            self._check_new_file(f)
            if meeting.files is None:
                meeting.files = []
            meeting.files.append(f)
            self._index_file(f)
        return f

    def add_participant_file(self, meeting: Meeting, f: RecordingFile) -> RecordingFile:
        """Attach a participant's audio file (listed by the meeting's detail only) to a registered meeting."""
        with self.lock:
            self._check_new_file(f)
            meeting.participant_files.append(f)
            self._index_file(f)
        return f

    def _check_new_file(self, f: RecordingFile) -> None:
        if f.key in self._files_by_key:
            raise ValueError(f"duplicate file key {f.key}")
        if f.token in self._files_by_token:
            raise ValueError(f"duplicate file token {f.token}")
        if f.guid in self._files_by_guid:
            raise ValueError(f"duplicate file guid {f.guid}")

    def _index_file(self, f: RecordingFile) -> None:
        self._files_by_key[f.key] = f
        self._files_by_token[f.token] = f
        self._files_by_guid[f.guid] = f

    # ------------------------------------------------------------------ users
    def owner(self) -> User | None:
        """The account owner (what ``me`` resolves to): the first active user."""
        return next((u for u in self.users if u.status == "active" and u.id), None)

    def user(self, ref: str) -> User | None:
        """Look a user up by id, email (case-insensitive) or ``me``; pending users are not found."""
        if ref == "me":
            return self.owner()
        user = self._users_by_ref.get(ref) or self._users_by_ref.get(ref.lower())
        if user is None or user.status == "pending" or not user.id:
            return None
        return user

    def user_by_id(self, user_id: str) -> User | None:
        """Look a user up by id only."""
        user = self._users_by_ref.get(user_id)
        return user if user is not None and user.id == user_id else None

    def host(self, host_id: str) -> User | None:
        """A meeting's host: the user with that id, or the pseudo-user of a Zoom Room (never in ``users``)."""
        room = self.extras.room_host(host_id)
        return room.host if room is not None else self.user_by_id(host_id)

    def users_with_status(self, status: str) -> list[User]:
        """Users with the given status, in creation order."""
        return [u for u in self.users if u.status == status]

    # ------------------------------------------------------------------ meetings
    def meetings_for_host(self, host_id: str, first: date, last: date) -> list[Meeting]:
        """Listable meetings of a host whose ``start_time`` UTC date is in ``[first, last]``, newest first."""
        with self.lock:
            found = [
                m for m in self._meetings_by_host.get(host_id, []) if m.listable and first <= m.start.date() <= last
            ]
        found.sort(key=lambda m: (m.start, m.uuid), reverse=True)
        return found

    def meeting(self, ref: str) -> Meeting | None:
        """A meeting by instance uuid, or the latest instance for a numeric meeting id."""
        with self.lock:
            found = self.meetings.get(ref)
            if found is None and ref.isdigit():
                instances = [m for m in self._meetings_by_number.get(int(ref), []) if m.listable]
                found = max(instances, key=lambda m: m.start) if instances else None
        return found

    # ------------------------------------------------------------------ files
    def file_by_key(self, key: str) -> RecordingFile | None:
        """A file by its content key (its id, or the synthetic key of an id-less file)."""
        return self._files_by_key.get(key)

    def file_by_token(self, token: str) -> RecordingFile | None:
        """A file by the opaque segment of its download/play URL."""
        return self._files_by_token.get(token)

    def file_by_guid(self, guid: str) -> RecordingFile | None:
        """A file by the GUID in its CDN path."""
        return self._files_by_guid.get(guid)

    def meetings_between(self, first: date, last: date) -> list[Meeting]:
        """Listable meetings of every host (users and Zoom Rooms) whose ``start_time`` UTC date is in
        ``[first, last]``, newest first (the account-level listing)."""
        with self.lock:
            found = [m for m in self.meetings.values() if m.listable and first <= m.start.date() <= last]
        found.sort(key=lambda m: (m.start, m.uuid), reverse=True)
        return found

    def iter_files(self) -> Iterator[tuple[Meeting, RecordingFile]]:
        """Every (meeting, file) pair, meetings in insertion order (a snapshot)."""
        with self.lock:
            pairs = [(m, f) for m in self.meetings.values() for f in [*(m.files or []), *m.participant_files]]
        yield from pairs
