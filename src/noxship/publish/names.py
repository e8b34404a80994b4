"""Whether a project's name can be registered on PyPI and TestPyPI, judged by PyPI's
own rules.

PyPI (warehouse) checks a new project's name in ``ProjectService.check_project_name``
(``warehouse/packaging/services.py``, read at commit 6b62157 of 2026-08-21) and
refuses, in this order:

1. a name that is not valid: ``PROJECT_NAME_RE``, the core metadata's rule for a
   name (letters, digits, ``.``, ``_``, ``-``; a letter or digit at both ends),
   here packaging's ``canonicalize_name(name, validate=True)``;
2. the name of a module or package of the standard library of any Python
   (``STDLIB_PROHIBITED``: every name the stdlib-list package knows, with each
   package's prefixes, PEP 503-normalised), "isn't allowed";
3. a project of the same PEP 503-normalised name: "conflicts with an existing
   project" (the owner's page is named);
4. a name on PyPI's list of prohibited names, which is not public (the upload
   says so);
5. a name "too similar to an existing project": equal after ``ultranormalize_name``
   (the SQL function of warehouse's migration ``d18d443f89f0``: ``.``, ``_`` and
   ``-`` removed, ``l``, ``L``, ``i``, ``I`` read as ``1``, ``o``, ``O`` as ``0``,
   lower case).

Rule 5 needs every name on the index: PyPI's simple index lists about 900,000,
which pypi-simple reads in about half a minute; they are kept for a day in
noxship's cache directory (``$XDG_CACHE_HOME/noxship``, else ``~/.cache/noxship``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from noxship.errors import ConfigError, IndexConflictError
from noxship.publish.index import project_names, project_page_exists
from noxship.publish.targets import Target

__all__ = ["NameVerdict", "check_name", "require_free_name", "ultranormalize"]

logger = logging.getLogger("noxship")

_CACHE_SECONDS = 24 * 3600


def ultranormalize(name: str) -> str:
    """``name`` as warehouse's ``ultranormalize_name`` reads it (see the module
    docstring): two names PyPI finds "too similar" are equal here."""
    stripped = name.replace(".", "").replace("_", "").replace("-", "")
    return stripped.lower().translate(str.maketrans("lio", "110"))


@functools.cache
def stdlib_prohibited() -> frozenset[str]:
    """The PEP 503-normalised names of every standard-library module and package
    prefix of every Python that stdlib-list knows (warehouse's ``STDLIB_PROHIBITED``)."""
    import stdlib_list
    from packaging.utils import canonicalize_name

    names = set()
    for version in stdlib_list.short_versions:
        for module in stdlib_list.stdlib_list(version):
            parts = module.split(".")
            for i in range(len(parts)):
                names.add(canonicalize_name(".".join(parts[: i + 1]).strip("-_.")))
    return frozenset(names)


class NameVerdict(NamedTuple):
    """What a target would say to a new project of that name.

    Attributes:
        target: the target's name.
        free: whether the name can be registered there, as far as can be told.
        reason: one sentence: why, and what to do.
        page: the page of the project that holds the name, when one does.
    """

    target: str
    free: bool
    reason: str
    page: str | None = None


def _similar_names(target: Target, read: bool, cache_home: Path | None) -> dict[str, str] | None:
    """Ultranormalised name -> a project's name, for every project on the index
    (PyPI's and TestPyPI's cached for a day under ``cache_home``); ``None`` when
    not cached and ``read`` is false."""
    if target.page_url is None or cache_home is None:  # read each time
        return _read_names(target) if read else None
    digest = hashlib.sha256(target.index_url.encode()).hexdigest()[:16]
    cache = cache_home / "noxship" / f"project-names-{digest}.json"
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        if time.time() - float(data["read"]) < _CACHE_SECONDS:
            return dict(data["names"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if not read:
        return None
    logger.info("reading every project name on %s (once a day; about half a minute)", target.name)
    names = _read_names(target)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"read": time.time(), "names": names}), encoding="utf-8")
    except OSError as exc:
        logger.debug("cannot cache the project names in %s: %s", cache, exc)
    return names


def _read_names(target: Target) -> dict[str, str]:
    names: dict[str, str] = {}
    for name in project_names(target):
        names.setdefault(ultranormalize(name), name)
    return names


def _page(target: Target, name: str) -> str:
    from packaging.utils import canonicalize_name

    if target.page_url:  # the project's page: PyPI's /project/<name>/
        return target.page_url.rstrip("/").rsplit("/", 1)[0] + f"/{canonicalize_name(name)}/"
    return f"{target.index_url}{canonicalize_name(name)}/"


def _refused_offline(name: str, target: Target) -> NameVerdict | None:
    """Rules 1 and 2, which need no index: the verdict of a refused name, else ``None``."""
    from packaging.utils import InvalidName, canonicalize_name

    try:
        canonical = canonicalize_name(name, validate=True)
    except InvalidName:
        return NameVerdict(
            target.name,
            False,
            f"{name!r} is not a valid project name (core metadata: letters, digits, '.', '_' "
            "and '-', a letter or digit at both ends): rename the project",
        )
    if canonical in stdlib_prohibited():
        return NameVerdict(
            target.name,
            False,
            f"{name!r} is the name of a standard-library module, which {target.name} refuses: "
            "rename the project",
        )
    return None


def check_name(
    name: str,
    target: Target,
    *,
    similar: bool = True,
    cache_home: Path | None = None,
    no_page: bool = False,
) -> NameVerdict:
    """Tell whether a new project called ``name`` can be registered on ``target``
    (the rules of the module docstring, in PyPI's order).

    Args:
        name: the distribution name, as written.
        target: the index (PyPI, TestPyPI, or a local one in tests).
        similar: read every name on the index for rule 5 when they are not
            cached (about half a minute on PyPI); ``False`` checks rule 5 only
            from the cache.
        cache_home: the user's cache directory (``~/.cache``), where PyPI's and
            TestPyPI's names are kept for a day (``noxship/project-names-*.json``);
            ``None``: no cache, the names are read each time.
        no_page: the caller has just read that ``target`` has no page of the
            project (a first release): rule 3's page is not asked for again.

    Raises:
        IndexUnavailableError: the index could not be read.
    """
    from packaging.utils import canonicalize_name

    refused = _refused_offline(name, target)
    if refused is not None:
        return refused
    canonical = canonicalize_name(name)
    if not no_page and project_page_exists(target, canonical):
        page = _page(target, name)
        return NameVerdict(target.name, False, f"{name!r} is taken on {target.name}: {page}", page)
    known = _similar_names(target, similar, cache_home)
    if known is None:
        return NameVerdict(
            target.name,
            True,
            f"{name!r} is free on {target.name}; names too similar to it were not read "
            "(noxship check-name reads them)",
        )
    twin = known.get(ultranormalize(name))
    if twin is not None and canonicalize_name(twin) != canonical:
        page = _page(target, twin)
        return NameVerdict(
            target.name,
            False,
            f"{name!r} is too similar to {twin!r} on {target.name}, which refuses it: {page}; "
            "rename the project",
            page,
        )
    return NameVerdict(target.name, True, f"{name!r} is free on {target.name}")


def require_free_name(
    name: str, targets: Iterable[Target], cache_home: Path | None = None, *, no_page: bool = False
) -> None:
    """Raise on the first target where a new project ``name`` cannot be registered
    (:func:`check_name`, its names cached under ``cache_home``; ``no_page``: the
    caller has just read that no target has a page of the project).

    Raises:
        ConfigError: the name is not valid, or is a standard-library module's.
        IndexConflictError: the name is taken, or too similar to a project's.
        IndexUnavailableError: an index could not be read.
    """
    for target in targets:
        verdict = check_name(name, target, cache_home=cache_home, no_page=no_page)
        if verdict.free:
            continue
        if verdict.page is None:
            raise ConfigError(verdict.reason)
        raise IndexConflictError(verdict.reason)
