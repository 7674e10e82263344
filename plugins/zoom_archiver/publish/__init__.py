"""The ``publish`` stage and what tells people about a run: meeting manifests next to the files, the archive asset's
events for downstream DAGs, and the run report."""
