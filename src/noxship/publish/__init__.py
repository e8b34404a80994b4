"""Publish the built distributions: targets and credentials, index lookups,
upload and settling, verification, GitLab, and the embedded local index.

Owns: :mod:`.targets` (kinds of target, their URLs and credentials),
:mod:`.credentials`, :mod:`.index` and :mod:`.gitlab` (what a target holds;
GitLab's API client), :mod:`.lookup`, :mod:`.upload` (one file at a time, judged by
HTTP status), :mod:`.verify` (index and install checks), :mod:`.publisher`
(the three steps together) and :mod:`.local_index` (pypiserver on 127.0.0.1).
May import: :mod:`noxship.build`, the base modules and libraries; nothing
from release.
"""

from __future__ import annotations

from noxship.publish.credentials import CredentialKind, Credentials, url_with_credentials
from noxship.publish.index import IndexFile, list_files
from noxship.publish.local_index import LocalIndex, free_port
from noxship.publish.publisher import CLIENT_MODULES, PublishReport, preflight, publish
from noxship.publish.retry import RetryPolicy
from noxship.publish.targets import BUILTIN_TARGETS, Target, resolve_credentials, resolve_target
from noxship.publish.verify import install_check, verify_index

__all__ = [
    "BUILTIN_TARGETS",
    "CLIENT_MODULES",
    "CredentialKind",
    "Credentials",
    "IndexFile",
    "LocalIndex",
    "PublishReport",
    "RetryPolicy",
    "Target",
    "free_port",
    "install_check",
    "list_files",
    "preflight",
    "publish",
    "resolve_credentials",
    "resolve_target",
    "url_with_credentials",
    "verify_index",
]
