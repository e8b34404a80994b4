"""Release: the chains that publish ``dist/`` as the plan says or to named
targets, and the tag after the last target.

Owns: :mod:`.chains` (publish to the plan's targets, to named targets, or to
the embedded index; the report), :mod:`.tagging` (one tagger per CI provider)
and :mod:`.forges` (GitLab's and GitHub's releases, one module each).
May import: every stage before it (project, plan, build, publish) and the base
modules; only :mod:`noxship.sessions` and :mod:`noxship.cli` import it.
"""

from __future__ import annotations

from noxship.release.chains import (
    build_planned,
    check_options,
    check_public_version,
    check_request_version,
    checked_distributions,
    planned_version,
    print_report,
    publish_local,
    publish_planned,
    publish_to,
    resolve_targets,
    start_local_index,
    tag_planned,
)
from noxship.release.tagging import tag_release

__all__ = [
    "build_planned",
    "check_options",
    "check_public_version",
    "check_request_version",
    "checked_distributions",
    "planned_version",
    "print_report",
    "publish_local",
    "publish_planned",
    "publish_to",
    "resolve_targets",
    "start_local_index",
    "tag_planned",
    "tag_release",
]
