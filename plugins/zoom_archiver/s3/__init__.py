"""The S3 layer: every call the archiver makes to S3 lives in this package, on one bucket.

``bucket`` is :class:`~zoom_archiver.s3.bucket.ArchiveBucket` (HEAD with our identity check, the ``sha256`` tag,
hashing a stored object, aborting incomplete multipart uploads, conditional writes, listing, manifests and reports),
``connect`` opens the bucket and the ``S3Hook`` that writes a file through the Amazon provider's connection,
``metadata`` is what an archived object carries (its user metadata, the tag's name, the storage classes that cannot
be read without a restore) and ``errors`` says what S3's refusals mean for the user.
"""
