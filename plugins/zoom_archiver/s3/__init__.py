"""S3, as the archiver uses it: every call it makes to S3 lives in this package, on one bucket.

``bucket`` is :class:`~zoom_archiver.s3.bucket.ArchiveBucket` (HEAD with our identity check, the ``sha256`` tag,
hashing a stored object, aborting incomplete multipart uploads, conditional writes, listing, manifests and reports),
``connect`` opens the bucket and the ``S3Hook`` that writes an object through the Amazon provider's connection,
``metadata`` is what an archived object carries (its user metadata, the tag's name, the storage classes that cannot
be read without a restore), ``errors`` says what S3's refusals mean for the user, ``object_lock`` is write-once
retention, and ``verify`` is the deep check (stored bytes read back and hashed). It takes plain values: no stage's
types."""
