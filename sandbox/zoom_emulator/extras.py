"""The account's non-meeting recording sources (``Dataset.extras``): Phone, summaries, Clips, Rooms, settings.

Kept apart from the meeting indexes of ``Dataset`` so the meeting seeds build exactly what they built before;
``sources_builder`` fills it, the ``phone_api``, ``summaries``, ``clips`` and ``rooms`` modules read it.
"""

from __future__ import annotations

import threading

from zoom_emulator.sources_model import Blob, Clip, PhoneRecording, RecordingSettings, Room, Summary, Voicemail


class Extras:
    """Indexes of the non-meeting sources of one account; mutations hold ``lock``."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.phone_recordings: dict[str, PhoneRecording] = {}
        self.voicemails: dict[str, Voicemail] = {}
        self.summaries: dict[str, Summary] = {}  # by meeting uuid
        self.clips: dict[str, Clip] = {}
        self.rooms: dict[str, Room] = {}
        self.blobs_by_guid: dict[str, Blob] = {}
        self._by_download_key: dict[str, PhoneRecording | Voicemail] = {}
        self.account_settings = RecordingSettings()
        self.user_settings: dict[str, RecordingSettings] = {}

    # ------------------------------------------------------------------ adding
    def add_blob(self, blob: Blob) -> Blob:
        """Register a downloadable object (its GUID names it in CDN paths)."""
        with self.lock:
            if blob.guid in self.blobs_by_guid:
                raise ValueError(f"duplicate blob guid {blob.guid}")
            self.blobs_by_guid[blob.guid] = blob
        return blob

    def add_phone_recording(self, rec: PhoneRecording) -> PhoneRecording:
        """Register a phone recording (and its audio and transcript blobs)."""
        with self.lock:
            self._check_new(rec.id, rec.download_key, self.phone_recordings)
            self.add_blob(rec.audio)
            if rec.transcript is not None:
                self.add_blob(rec.transcript)
            self.phone_recordings[rec.id] = rec
            self._by_download_key[rec.download_key] = rec
        return rec

    def add_voicemail(self, vm: Voicemail) -> Voicemail:
        """Register a voicemail (and its audio blob)."""
        with self.lock:
            self._check_new(vm.id, vm.download_key, self.voicemails)
            self.add_blob(vm.audio)
            self.voicemails[vm.id] = vm
            self._by_download_key[vm.download_key] = vm
        return vm

    def add_clip(self, clip: Clip) -> Clip:
        """Register a clip (and its video blob)."""
        with self.lock:
            if clip.clip_id in self.clips:
                raise ValueError(f"duplicate clip {clip.clip_id}")
            self.add_blob(clip.video)
            self.clips[clip.clip_id] = clip
        return clip

    def _check_new(self, item_id: str, download_key: str, existing: dict[str, object]) -> None:
        if item_id in existing or download_key in self._by_download_key:
            raise ValueError(f"duplicate phone object {item_id}")

    # ------------------------------------------------------------------ lookups
    def by_download_key(self, key: str) -> PhoneRecording | Voicemail | None:
        """The recording or voicemail a ``/phone/.../download/{fileId}`` URL names."""
        return self._by_download_key.get(key)

    def room_host(self, host_id: str) -> Room | None:
        """The Zoom Room whose pseudo-user id is ``host_id``."""
        return self.rooms.get(host_id)

    def settings_for(self, user_id: str | None) -> RecordingSettings:
        """A user's recording settings (the account's unless the user has their own)."""
        return self.user_settings.get(user_id or "", self.account_settings)

    def blobs(self) -> list[Blob]:
        """Every registered blob (a snapshot)."""
        with self.lock:
            return list(self.blobs_by_guid.values())
