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

from noxship.dist import Distribution
from noxship.errors import PublishError
from noxship.project import Project
from noxship.publish import PublishReport, RetryPolicy, publish
from noxship.targets import Target
from tests.fault_proxy import FaultProxy, Faults
from tests.servers import IndexUnderTest

FAST = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2)


@pytest.fixture
def proxy(index: IndexUnderTest) -> Iterator[FaultProxy]:
    with FaultProxy(index.target().upload_url) as p:
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
    assert "(transient)" in message
    assert len(proxy.uploads) <= 1 + 2 * 6  # twine's own retries (5) within each attempt
    (first,) = index.files()  # twine sends wheels first; one file arrived
    (second,) = {d.filename for d in dists} - {first}
    assert f"published {first}; not published {second}" in message
    assert index.files() == {first: [d.sha256 for d in dists if d.filename == first]}

    proxy.faults = Faults()
    again = publish(dists, via(proxy, index), index.credentials(), retry=FAST, check_install=False)
    assert again.skipped == (first,)
    assert again.uploaded == (second,)
    assert index.files() == once(dists)


def test_a_refusal_is_not_retried(
    index: IndexUnderTest, proxy: FaultProxy, good_release: tuple[Project, list[Distribution]]
) -> None:
    _, dists = good_release
    proxy.faults = Faults(fail=100, status=403)
    with pytest.raises(PublishError, match="not transient"):
        publish(dists, via(proxy, index), index.credentials(), retry=FAST, check_install=False)
    assert proxy.uploads == ["403"]
    assert index.files() == {}


def test_two_publishes_at_once(
    index: IndexUnderTest, proxy: FaultProxy, good_release: tuple[Project, list[Distribution]]
) -> None:
    """Both runs look up the index before either uploads (the slow proxy makes
    sure), then race: each either uploads or finds the other's file."""
    _, dists = good_release
    proxy.faults = Faults(delay=0.3)
    barrier = threading.Barrier(2)
    results: list[PublishReport | BaseException] = []

    def run() -> None:
        barrier.wait()
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
    assert len(results) == 2
    for result in results:
        assert isinstance(result, PublishReport), result
        assert sorted((*result.uploaded, *result.skipped)) == sorted(d.filename for d in dists)
    assert index.files() == once(dists)


def test_two_processes_publish_at_once(
    index: IndexUnderTest, good_release: tuple[Project, list[Distribution]]
) -> None:
    """The same race between two ``noxship publish`` processes (two CI jobs)."""
    project, dists = good_release
    target = index.target()
    creds = index.credentials()
    assert creds.password is not None
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CI", "GITLAB", "GITHUB"))},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "NOXSHIP_TARGET_RACE_UPLOAD_URL": target.upload_url,
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
    # Whoever lost a race for a file says so; nobody uploaded a file twice.
    uploaded = said.count("(uploaded)")
    assert uploaded >= len(dists)
    assert uploaded + said.count("(already published)") == 2 * len(dists)
