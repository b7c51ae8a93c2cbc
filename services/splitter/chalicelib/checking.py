"""Validation by kind: the shared checks the offline validator runs too."""

from circulion.recipes.stream_check import PLAIN_BATCH, PLAIN_SMALLEST, StreamChecker, check_whole_document

__all__ = ["PLAIN_BATCH", "PLAIN_SMALLEST", "StreamChecker", "check_whole_document"]
