"""Errors that stop the segmentation step with a one-line reason."""

from __future__ import annotations

from klantwaarde.errors import KlantwaardeError


class SegmentError(KlantwaardeError):
    """The mart cannot be segmented: a missing input table or no rows for the as-of date."""


class SegmentConfigError(SegmentError, ValueError):
    """A segmentation setting is missing, unknown or out of range."""
