"""The ``archive`` stage: one planned file streamed from Zoom into S3 (no local disk, bounded memory), verified
(size, SHA-256) and tagged; a file S3 already holds is not downloaded again (a missing tag is repaired here)."""
