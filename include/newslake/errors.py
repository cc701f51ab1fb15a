"""Failure types: terminal failures that no retry can fix versus transient ones worth retrying.

Every stage raises one of these (or lets a library's network/storage error through, which counts
as transient). Inside Airflow a TerminalError fails the task without retries (AirflowFailException);
anything else is retried with backoff. On the command line each type has its own exit code.
"""

from __future__ import annotations

# Exit codes of the `newslake` command line, one per failure family (documented in the README).
EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug: rerun with -v for the traceback
EXIT_USAGE = 2  # bad arguments or a config error
EXIT_SOURCE = 3  # source unreachable or blocking us
EXIT_STORAGE = 4  # object storage unreachable or refusing our credentials
EXIT_VALIDATION = 5  # quarantine over threshold, blocking expectation, too few articles
EXIT_CONFLICT = 6  # another run holds the source or won the partition


class NewslakeError(Exception):
    """Base of every failure newslake reports on purpose."""

    exit_code = EXIT_INTERNAL


class TerminalError(NewslakeError):
    """Retrying cannot help (bad config, a source blocking us, bad data): fail now, without retries."""


class TransientError(NewslakeError):
    """The same call may succeed later (network, storage, timeouts, a busy source): retry with backoff."""


# --------------------------------------------------------------------------- terminal


class UsageError(TerminalError):
    """A command-line argument is malformed (e.g. a --date that is not YYYY-MM-DD)."""

    exit_code = EXIT_USAGE


class SourceBlockedError(TerminalError):
    """The source refuses us (403/429/robots on most URLs) or nothing at all could be fetched."""

    exit_code = EXIT_SOURCE


class OutOfRangeError(TerminalError):
    """The run's day lies outside the days the source publishes (start_date .. end_date)."""

    exit_code = EXIT_USAGE


class DataQualityError(TerminalError):
    """The day's records fail the data contract: blocking expectation, quarantine share, too few articles."""

    exit_code = EXIT_VALIDATION


class BlockingExpectationError(DataQualityError):
    """A blocking expectation failed: the table itself is broken."""


class QuarantineThresholdError(DataQualityError):
    """More of the day's records were quarantined than the source's threshold allows."""


class TooFewArticlesError(DataQualityError):
    """The day would publish fewer articles than the source's min_articles_per_day."""


class MissingInputError(TerminalError):
    """A stage's input is absent (e.g. a replay of a day that has no raw zone)."""

    exit_code = EXIT_USAGE


class NotAnArticleError(TerminalError):
    """The input handed to extraction is not an HTML page (an image, a PDF, JSON, a feed, an empty file)."""

    exit_code = EXIT_USAGE


class PartitionConflictError(TerminalError):
    """Another publisher committed this partition after us: our data is not what readers see."""

    exit_code = EXIT_CONFLICT


class NewerSchemaError(TerminalError):
    """The partition was written by a newer schema version than this code's: overwriting would drop columns."""

    exit_code = EXIT_CONFLICT


class PartitionMismatchError(TerminalError):
    """A partition's data does not match its manifest or the asset event that announced it."""

    exit_code = EXIT_CONFLICT


# --------------------------------------------------------------------------- transient


class StorageUnavailableError(TransientError):
    """The object store could not be reached or refused the request."""

    exit_code = EXIT_STORAGE


class SourceUnreachableError(TransientError):
    """The source could not be reached at all (DNS, connection refused, timeouts on every entry point)."""

    exit_code = EXIT_SOURCE


class SourceBusyError(TransientError):
    """Another run is fetching from this source right now; try again when it is done."""

    exit_code = EXIT_CONFLICT


class PartitionBusyError(TransientError):
    """Another publisher is between its data and manifest writes for this partition."""

    exit_code = EXIT_CONFLICT
