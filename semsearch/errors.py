"""Domain errors, in one place.

Every error a user can cause or meet is a :class:`SemsearchError`. The CLI prints
``Error: <message>`` on one line and exits non-zero; the API maps ``status`` to the
HTTP code and puts the message in ``detail``. Nothing else should reach a user.
"""

from __future__ import annotations


class SemsearchError(Exception):
    """Base of every error meant for a user: its message is one clear line."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(SemsearchError):
    """A file, a record or a parameter the user gave is wrong (names what and where)."""

    status = 422


class EmptyQueryError(InputError):
    """The query has no text to search for."""


class InputFileError(InputError):
    """A problem with a whole input file (unreadable, binary) rather than one of its records."""


class NotFoundError(SemsearchError):
    """An id that is not in the index."""

    status = 404


class EmptyIndexError(SemsearchError):
    """There is no index yet, or it holds no question: nothing to read."""

    status = 503

    def __init__(self, location: str, missing: bool, build: str = "semsearch index FILES_OR_FOLDERS") -> None:
        state = f"no index in {location}" if missing else f"the index {location} is empty"
        super().__init__(f"{state}: build one with '{build}'")
        self.location = location
        self.missing = missing


class ModelMismatchError(SemsearchError):
    """The index was built with another model than the one configured."""

    status = 409


class IndexLockedError(SemsearchError):
    """Another process holds the embedded index."""

    status = 409


class StoreUnavailableError(SemsearchError):
    """The vector store cannot be reached or opened."""

    status = 503


class IndexDamagedError(StoreUnavailableError):
    """The index's files are damaged: what the engine reads back is not what was written."""

    HINT = (
        "run 'semsearch check' for details, then restore the index from a backup or rebuild it "
        "('semsearch index --rebuild' with its sources)"
    )

    def __init__(self, message: str) -> None:
        super().__init__(message if self.HINT in message else f"{message}; {self.HINT}")


class DiskSpaceError(StoreUnavailableError):
    """Too little free space where the index lives: said before the engine runs out of it (the
    embedded engine maps its files in memory, and a full disk then kills it with SIGBUS)."""


class ModelLoadError(SemsearchError):
    """The embedding model cannot be loaded."""

    status = 503


class ExportError(ModelLoadError):
    """The model cannot be exported to ONNX (no local weights, an unsupported module, a failed check)."""


class MigrationError(SemsearchError):
    """A copy of the index does not hold what its source holds."""


class ConfigError(SemsearchError):
    """A setting has a value that cannot work."""

    status = 500
