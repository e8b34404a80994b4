"""Publishing through a fault-injecting proxy in front of real indexes
(pypiserver and devpi-server), and two publishes racing each other.

After every scenario, the index holds each file exactly once with the right
sha256 (``IndexUnderTest.files`` lists one entry per stored upload).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from noxship.build.dist import Distribution
from noxship.errors import CredentialsError, PublishError
from noxship.project import Project
from noxship.publish import PublishReport, RetryPolicy, Target, publish
from tests.fault_proxy import FaultProxy, Faults
from tests.servers import IndexUnderTest

# Builds, installs or npm tools: needs the package registries (README.md).
pytestmark = pytest.mark.network

FAST = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2)


@pytest.fixture
def proxy(index: IndexUnderTest) -> Iterator[FaultProxy]:
    with FaultProxy(index.target().repository_url) as p:
        yield p


def via(proxy: FaultProxy, index: IndexUnderTest) -> Target:
    """The index's target with uploads going through the proxy."""
    direct = index.target()
    return Target(direct.name, proxy.url, direct.index_url)


def once(dists: list[Distribution]) -> dict[str, list[str]]:
    return {d.filename: [d.sha256] for d in dists}


@pytest.mark.parametrize(
    ("faults", "seen"),
    [
        (Faults(fail=3), "503"),
        (Faults(drop_midway=2), "dropped midway"),
        (Faults(drop_after=1), "dropped after"),
        (Faults(delay=0.5), None),
        (Faults(fail=1, drop_midway=1, drop_after=1), "dropped after"),
    ],
    ids=["503 x3", "dropped midway x2", "dropped after storing", "slow", "mixed"],
)
def test_transient_faults_are_survived(
    index: IndexUnderTest,
    proxy: FaultProxy,
    good_release: tuple[Project, list[Distribution]],
    faults: Faults,
    seen: str | None,
) -> None:
    _, dists = good_release
    proxy.faults = dataclasses.replace(faults)  # the parameter is shared between runs
    report = publish(dists, via(proxy, index), index.credentials(), retry=FAST, check_install=False)
    assert sorted(report.uploaded) == sorted(d.filename for d in dists)
    assert index.files() == once(dists)
    if seen:
        assert seen in proxy.uploads


def test_faults_beyond_the_retries_then_a_rerun_completes(
    index: IndexUnderTest, proxy: FaultProxy, good_release: tuple[Project, list[Distribution]]
) -> None:
    _, dists = good_release
    proxy.faults = Faults(skip=1, fail=1000)  # the first file passes, then 503 for ever
    with pytest.raises(PublishError) as info:
        publish(
            dists,
            via(proxy, index),
            index.credentials(),
            retry=RetryPolicy(attempts=2, base_delay=0.05),
            check_install=False,
        )
    message = str(info.value)
    assert "(transient: HTTP 503" in message
    # One retry layer: the first file once, the second twice (attempts=2), no
    # retries of twine's own on top.
    assert proxy.uploads == ["200", "503", "503"]
    (first,) = index.files()  # wheels go first; one file arrived
    (second,) = {d.filename for d in dists} - {first}
    assert f"published {first}; not published {second}" in message
    assert index.files() == {first: [d.sha256 for d in dists if d.filename == first]}

    proxy.faults = Faults()
    again = publish(dists, via(proxy, index), index.credentials(), retry=FAST, check_install=False)
    assert again.skipped == (first,)
    assert again.uploaded == (second,)
    assert index.files() == once(dists)


@pytest.mark.parametrize(
    ("status", "error", "said"),
    [(403, CredentialsError, "refused the credentials"), (400, PublishError, "refused")],
)
def test_a_refusal_is_not_retried(
    index: IndexUnderTest,
    proxy: FaultProxy,
    good_release: tuple[Project, list[Distribution]],
    status: int,
    error: type[Exception],
    said: str,
) -> None:
    _, dists = good_release
    proxy.faults = Faults(fail=100, status=status)
    with pytest.raises(error, match=said):
        publish(dists, via(proxy, index), index.credentials(), retry=FAST, check_install=False)
    assert proxy.uploads == [str(status)]
    assert index.files() == {}


def race_outcome(index: IndexUnderTest, dists: list[Distribution]) -> tuple[int, int]:
    """(uploaded, already published) counted over both runs, when the uploads of
    each file meet at the proxy's barrier and reach the index one after the
    other. pypiserver refuses the second copy (which is then found on the
    index: already published); devpi answers an identical upload with 200."""
    n = len(dists)
    return (n, n) if index.kind == "pypiserver" else (2 * n, 0)


def test_two_publishes_at_once(
    index: IndexUnderTest, proxy: FaultProxy, good_release: tuple[Project, list[Distribution]]
) -> None:
    """Both runs look the index up, then their uploads of each file meet at the
    proxy's barrier: a certain race with one outcome."""
    _, dists = good_release
    proxy.faults = Faults(pair=True)
    results: list[PublishReport | BaseException] = []

    def run() -> None:
        try:
            results.append(
                publish(
                    dists, via(proxy, index), index.credentials(), retry=FAST, check_install=False
                )
            )
        except BaseException as exc:  # reported below
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    reports = [r for r in results if isinstance(r, PublishReport)]
    assert len(reports) == 2, results
    for report in reports:
        assert sorted((*report.uploaded, *report.skipped)) == sorted(d.filename for d in dists)
    uploaded = sum(len(r.uploaded) for r in reports)
    skipped = sum(len(r.skipped) for r in reports)
    assert (uploaded, skipped) == race_outcome(index, dists)
    assert len(proxy.uploads) == 2 * len(dists)
    assert index.files() == once(dists)


def test_two_processes_publish_at_once(
    index: IndexUnderTest, proxy: FaultProxy, good_release: tuple[Project, list[Distribution]]
) -> None:
    """The same certain race between two ``noxship publish`` processes (two CI jobs)."""
    project, dists = good_release
    proxy.faults = Faults(pair=True)
    target = via(proxy, index)
    creds = index.credentials()
    assert creds.password is not None
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CI", "GITLAB", "GITHUB"))},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "NOXSHIP_TARGET_RACE_UPLOAD_URL": target.repository_url,
        "NOXSHIP_TARGET_RACE_INDEX_URL": target.index_url,
        "NOXSHIP_TARGET_RACE_USERNAME": creds.username,
        "NOXSHIP_TARGET_RACE_PASSWORD": creds.password.reveal(),
        "NOXSHIP_RETRY_DELAY": "0.05",
    }
    argv = [sys.executable, "-m", "noxship", "publish", "--project", str(project.root)]
    procs = [
        subprocess.Popen(
            [*argv, "--target", "race"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-2000:]
        for d in dists:
            assert f"{d.sha256}  {d.filename}" in out
    assert index.files() == once(dists)
    said = "".join(o + e for o, e in outputs)
    counts = (said.count("(uploaded)"), said.count("(already published)"))
    assert counts == race_outcome(index, dists)
