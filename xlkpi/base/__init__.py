"""The base every part stands on: errors and the messages a clerk reads (`errors`), atomic
writing and backups (`safe_write`), the run lock (`runlock`), worker processes that end with
their parent (`workers`), the period texts (`periods`: a checked `Month`, quarters, years),
progress reported to whoever asked (`progress`) and where xlkpi's own files are (`resources`).

May import: the standard library only (no other part of xlkpi).
"""
