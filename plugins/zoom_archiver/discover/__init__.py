"""The ``discover`` stage: list the run's windows, plan the files (keys, records checked), look up what the ledger
and S3 already hold, and pick the run's batch; for a webhook run, one meeting. Reads only: nothing is written."""
