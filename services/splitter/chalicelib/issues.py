"""A chunk's validation issues: the shared log the offline validator keeps too."""

from circulion.recipes.issue_log import IssueLog

__all__ = ["IssueLog"]
