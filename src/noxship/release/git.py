"""Run git against the job's remote with the CI's token kept off the command line.

On GitHub the checkout keeps no credential (``persist-credentials: false``), so
a fetch or push of a private repository needs the workflow's ``GITHUB_TOKEN``.
A credential helper given with ``-c`` reads it from the environment variable
``NOXSHIP_GIT_TOKEN``: git docs, "gitcredentials" (a helper starting with ``!``
is a shell snippet); GitHub docs: ``x-access-token`` is the user name for the
token. GitLab jobs need none of this: their remote URL carries the job token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from noxship._run import run
from noxship.environment import clean_env

__all__ = ["git"]

_HELPER = '!f() { echo username=x-access-token; echo "password=$NOXSHIP_GIT_TOKEN"; }; f'


def git(
    args: Sequence[str],
    environ: Mapping[str, str],
    *,
    cwd: Path | None = None,
    what: str,
    timeout: float | None = None,
    show_failure: bool = True,
) -> str:
    """Run ``git <args>`` (captured), with ``GITHUB_TOKEN`` from ``environ`` handed
    to git through its environment when it is set. git never prompts
    (``GIT_TERMINAL_PROMPT=0``, git docs, "git"): a remote that wants a password
    fails instead of waiting for one.

    Args:
        args: git's arguments.
        environ: the environment the token is read from.
        cwd: the repository.
        what: a short description for the error message.
        timeout: seconds before git is stopped (a remote that does not answer).
        show_failure: print git's output when it fails (off where the caller
            handles the failure and says what it did instead).

    Raises:
        ToolError: git failed or timed out.
    """
    token = environ.get("GITHUB_TOKEN")
    helper = ["-c", f"credential.helper={_HELPER}"] if token else []
    env = {
        **clean_env(),
        "GIT_TERMINAL_PROMPT": "0",
        **({"NOXSHIP_GIT_TOKEN": token} if token else {}),
    }
    return run(
        ["git", *helper, *args],
        env=env,
        cwd=cwd,
        capture=True,
        what=what,
        timeout=timeout,
        show_failure=show_failure,
    )
