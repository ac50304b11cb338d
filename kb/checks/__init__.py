"""`kb check`: the content contract plus near-duplicates, personal data, Markdown structure
and taxonomy hygiene. ``run_checks`` checks a tree, ``check_draft`` one unsaved file."""

from kb.checks.finding import Finding
from kb.checks.runner import Report, check_draft, run_checks

__all__ = ["Finding", "Report", "check_draft", "run_checks"]
