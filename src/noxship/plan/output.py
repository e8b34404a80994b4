"""Print a :class:`~noxship.plan.Plan` as text, JSON, a dotenv file (GitLab
``artifacts:reports:dotenv``) or GitHub step outputs and a job summary
(``$GITHUB_OUTPUT``, ``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TextIO

from noxship.errors import ConfigError, PlanError
from noxship.plan.planner import Plan, PlanKind

__all__ = ["append_job_summary", "dotenv_lines", "markdown_summary", "render"]


def dotenv_lines(plan: Plan, project_name: str | None = None) -> str:
    """``NOXSHIP_PLAN_*=value`` lines; targets are comma-separated.

    ``NOXSHIP_PLAN_PROJECT`` (the PEP 503 normalised distribution name, when
    given) lets a CI job build the package page URL of its ``environment:``.
    """
    values = {
        "NOXSHIP_PLAN_PROVIDER": plan.provider,
        "NOXSHIP_PLAN_EVENT": plan.event,
        "NOXSHIP_PLAN_KIND": plan.kind.value,
        "NOXSHIP_PLAN_VERSION": plan.version or "",
        "NOXSHIP_PLAN_TARGETS": ",".join(plan.targets),
        "NOXSHIP_PLAN_TAG": plan.tag or "",
    }
    if project_name:
        values["NOXSHIP_PLAN_PROJECT"] = project_name
    return "".join(f"{k}={v}\n" for k, v in values.items())


def markdown_summary(plan: Plan) -> str:
    """A Markdown table of the plan, for a CI job summary."""
    rows = [
        ("provider", plan.provider),
        ("event", plan.event),
        ("kind", plan.kind.value),
        ("version", plan.version or "-"),
        ("targets", ", ".join(plan.targets) or "-"),
        ("tag", plan.tag or "-"),
    ]
    lines = ["### noxship release plan", "", "| | |", "|---|---|"]
    lines += [f"| {k} | `{v}` |" for k, v in rows]
    lines += ["", *(f"- {r}" for r in plan.reasons), ""]
    return "\n".join(lines)


def _headline(plan: Plan) -> str:
    if plan.kind is PlanKind.NONE:
        return "nothing to publish"
    tag = f", then tag {plan.tag}" if plan.tag else ""
    return f"{plan.kind.value}: version {plan.version} to {', '.join(plan.targets)}{tag}"


def _append(variable: str, path: str, text: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise ConfigError(
            f"cannot append to {variable}={path} ({exc.strerror}): point it at a writable file"
        ) from None


def append_job_summary(env: Mapping[str, str], markdown: str) -> bool:
    """Append ``markdown`` to GitHub Actions' job summary (the file named by
    ``GITHUB_STEP_SUMMARY``, GitHub docs "Adding a job summary"); tell whether
    there is one.

    Raises:
        ConfigError: ``GITHUB_STEP_SUMMARY`` names a file that cannot be written.
    """
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        _append("GITHUB_STEP_SUMMARY", summary, markdown)
    return bool(summary)


def render(
    plan: Plan,
    fmt: str,
    env: Mapping[str, str],
    out: TextIO | None = None,
    project_name: str | None = None,
) -> None:
    """Write the plan in format ``fmt`` (``text``, ``json``, ``dotenv``, ``github``).

    ``github`` appends ``version``, ``targets``, ``tag``, ``kind`` and
    ``project`` to ``$GITHUB_OUTPUT`` and a Markdown table to
    ``$GITHUB_STEP_SUMMARY``; ``project_name`` is the normalised distribution name.

    Raises:
        PlanError: ``github`` was asked for without ``GITHUB_OUTPUT``.
        ConfigError: ``GITHUB_OUTPUT`` or ``GITHUB_STEP_SUMMARY`` is not a writable file.
    """
    out = out or sys.stdout
    if fmt == "json":
        import json

        out.write(json.dumps(plan.as_dict(), indent=2) + "\n")
    elif fmt == "dotenv":
        out.write(dotenv_lines(plan, project_name))
    elif fmt == "github":
        output = env.get("GITHUB_OUTPUT")
        if not output:
            raise PlanError("--format github needs GITHUB_OUTPUT: run it in a GitHub Actions step")
        _append(
            "GITHUB_OUTPUT",
            output,
            f"version={plan.version or ''}\ntargets={','.join(plan.targets)}\n"
            f"tag={plan.tag or ''}\nkind={plan.kind.value}\nproject={project_name or ''}\n",
        )
        append_job_summary(env, markdown_summary(plan))
        out.write(markdown_summary(plan))
    else:
        out.write(_headline(plan) + "\n")
        for reason in plan.reasons:
            out.write(f"  - {reason}\n")
