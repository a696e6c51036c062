"""Errors that stop a step with a one-line reason (the CLI prints it, the DAG task fails)."""


class KlantwaardeError(Exception):
    """Base: the message is one line that names what is wrong and where."""


class LoadError(KlantwaardeError):
    """A drop cannot be loaded: manifest mismatch, missing file or column, changed file."""


class BuildError(KlantwaardeError):
    """dbt failed: the message names the failing models and tests."""


class CheckError(KlantwaardeError):
    """A Great Expectations checkpoint failed: the message names the failing expectations."""


class ReconciliationError(KlantwaardeError):
    """Allocated + unallocated differs from the ledger: the message names pool and month."""


class DropsNotReady(KlantwaardeError):
    """A system has no complete drop for the date: the message names system and date."""


class StepFailed(KlantwaardeError):
    """A step failed on its surroundings (a full disk, a read-only folder): the message
    names the step and what the system said, on one line."""
