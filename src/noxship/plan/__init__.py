"""The release plan: CI variables in, an immutable decision with reasons out.

Owns: the CI providers (:mod:`.providers`: variables in, a neutral
:class:`CIContext` out), the release history's rules (:mod:`.history`: the
version after the last release), the pure decision (:mod:`.planner`) and its outputs
(:mod:`.output`: text, JSON, dotenv, GitHub step outputs).
May import: :mod:`noxship.project`, :mod:`noxship.errors` and libraries;
nothing from build, wheeltest, publish or release.
"""

from __future__ import annotations

from noxship.plan.history import ReleaseHistory, next_version
from noxship.plan.output import render
from noxship.plan.planner import (
    DEFAULT_RELEASE_PATTERN,
    Plan,
    PlanKind,
    Policy,
    check_version,
    make_plan,
    merging_releases,
    merging_releases_nothing,
    plan_from_environment,
    preview_version,
    release_version,
)
from noxship.plan.providers import PROVIDERS, CIContext, detect

__all__ = [
    "DEFAULT_RELEASE_PATTERN",
    "PROVIDERS",
    "CIContext",
    "Plan",
    "PlanKind",
    "Policy",
    "ReleaseHistory",
    "check_version",
    "detect",
    "make_plan",
    "merging_releases",
    "merging_releases_nothing",
    "next_version",
    "plan_from_environment",
    "preview_version",
    "release_version",
    "render",
]
