"""Trusted publishing against PyPI's token exchange, faked on 127.0.0.1 in front
of a real pypiserver (``tests/fake_pypi_oidc.py``), with real twine uploads:
the ID token is exchanged once per job and target, and the one API token
serves every upload, the retry after a failed upload included."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from noxship.build.dist import Distribution
from noxship.context import Context
from noxship.errors import CredentialsError
from noxship.project import Project
from noxship.publish import trusted
from noxship.publish.local_index import LocalIndex
from noxship.release import publish_to
from tests.fake_pypi_oidc import FakeTrustedPublishing, gitlab_id_token
from tests.fault_proxy import Faults
from tests.servers import PypiserverIndex

pytestmark = pytest.mark.network  # builds with the registries (the good_release fixture)


@pytest.fixture
def fake() -> Iterator[FakeTrustedPublishing]:
    trusted._MINTED.clear()  # one process per CI job: each test is a new job
    with LocalIndex() as index:
        real = PypiserverIndex(index)
        with FakeTrustedPublishing(index.url, real.credentials(), "testpypi") as front:
            yield front


def job_env(fake: FakeTrustedPublishing, **claims: object) -> dict[str, str]:
    """A GitLab publish job for testpypi, in environment testpypi, with an ID token."""
    base = f"http://127.0.0.1:{fake.port}"
    return {
        "GITLAB_CI": "true",
        "CI_PROJECT_PATH": "acme/good",
        "CI_COMMIT_REF_NAME": "main",
        "TESTPYPI_ID_TOKEN": gitlab_id_token("testpypi", environment="testpypi", **claims),
        "NOXSHIP_TARGET_TESTPYPI_UPLOAD_URL": f"{base}/",
        "NOXSHIP_TARGET_TESTPYPI_INDEX_URL": f"{base}/simple/",
        "NOXSHIP_TARGET_TESTPYPI_ENVIRONMENT": "testpypi",
        # The fake PyPI's host: the ID token goes only to a host the user names (M4).
        "NOXSHIP_TARGET_TESTPYPI_TRUST_HOST": f"127.0.0.1:{fake.port}",
        "NOXSHIP_RETRY_DELAY": "0",
        # Attestations need Sigstore: the tests of the exchange leave them out.
        "NOXSHIP_ATTESTATIONS": "false",
    }


def test_one_exchange_serves_every_upload_and_the_retry(
    fake: FakeTrustedPublishing,
    good_release: tuple[Project, list[Distribution]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    project, dists = good_release
    env = job_env(fake)
    fake.faults = Faults(skip=1, fail=1)  # the second file's first upload fails: 503
    caplog.set_level(logging.INFO, logger="noxship")
    (report,) = publish_to(Context.from_environ(env, project=project), ["testpypi"])
    assert sorted(report.uploaded) == sorted(d.filename for d in dists)
    assert len(fake.mints) == 1, fake.mints
    (minted,) = fake.minted
    assert fake.uploads == ["200", "503", "200"]
    assert fake.upload_tokens == [minted, minted, minted]
    # A re-run in the same job: nothing to upload, no second exchange.
    (again,) = publish_to(Context.from_environ(env, project=project), ["testpypi"])
    assert again.uploaded == () and len(fake.mints) == 1
    logged = caplog.text
    assert minted not in logged and env["TESTPYPI_ID_TOKEN"] not in logged
    assert "exchanged the ID token once" in logged


def test_the_fake_refuses_a_reused_id_token_as_pypi_does(fake: FakeTrustedPublishing) -> None:
    url = f"http://127.0.0.1:{fake.port}/_/oidc/mint-token"
    token = gitlab_id_token("testpypi")
    assert requests.post(url, json={"token": token}, timeout=10).status_code == 200
    second = requests.post(url, json={"token": token}, timeout=10)
    assert second.status_code == 422
    assert second.json()["errors"][0]["code"] == "invalid-reuse-token"
    audience = requests.get(f"http://127.0.0.1:{fake.port}/_/oidc/audience", timeout=10)
    assert audience.json() == {"audience": "testpypi"}


def test_a_refused_exchange_is_one_line_naming_the_code(
    fake: FakeTrustedPublishing, good_release: tuple[Project, list[Distribution]]
) -> None:
    project, _ = good_release
    env = job_env(fake)
    # The ID token was exchanged already (by another tool in this job): PyPI refuses it.
    url = f"http://127.0.0.1:{fake.port}/_/oidc/mint-token"
    requests.post(url, json={"token": env["TESTPYPI_ID_TOKEN"]}, timeout=10)
    with pytest.raises(CredentialsError) as caught:
        publish_to(Context.from_environ(env, project=project), ["testpypi"])
    assert str(caught.value) == (
        "testpypi refused the trusted-publishing exchange (invalid-reuse-token: invalid token: "
        "already used): check the trusted publisher on the index against the job (project, "
        "workflow or pipeline file, environment)"
    )
    assert fake.upload_tokens == []


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"iss": "https://gitlab.example.com"}, "was issued by 'https://gitlab.example.com'; "
         "PyPI accepts trusted publishing only from https://gitlab.com and "
         "https://token.actions.githubusercontent.com: publish to testpypi with an API token"),
        ({"aud": "pypi"}, "has aud 'pypi', but trusted publishing to testpypi needs 'testpypi': "
         "set `aud: testpypi` in the job's id_tokens entry"),
        ({"environment": "staging"}, "has environment 'staging', but trusted publishing to "
         "testpypi needs 'testpypi': run the job in environment 'testpypi'"),
        ({"project_path": "other/fork"}, "has project_path 'other/fork', but trusted "
         "publishing to testpypi needs 'acme/good': the token was issued to another project"),
    ],
)  # fmt: skip
def test_claims_that_cannot_match_stop_before_the_build(
    fake: FakeTrustedPublishing, tmp_path: Path, claims: dict[str, object], message: str
) -> None:
    from noxship.release import resolve_targets

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "good-sample"\nversion = "1"\n')
    env = job_env(fake)
    env["TESTPYPI_ID_TOKEN"] = gitlab_id_token(
        str(claims.get("aud", "testpypi")), **{"environment": "testpypi", **claims}
    )
    with pytest.raises(CredentialsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolve_targets(Context.from_environ(env, project=Project.load(tmp_path)), ["testpypi"])
    assert fake.mints == []  # nothing was exchanged


@pytest.fixture
def attested(good_release: tuple[Project, list[Distribution]]) -> Iterator[list[Path]]:
    """Pre-made ``<file>.publish.attestation`` files in dist/ (signing needs Sigstore,
    which this machine cannot reach), removed afterwards: dist/ is shared."""
    _, dists = good_release
    made = []
    for dist in dists:
        path = Path(f"{dist.path}.publish.attestation")
        path.write_text(json.dumps({"version": 1, "verification_material": {"of": dist.filename},
                                    "envelope": {"statement": "e30=", "signature": "c2ln"}}))  # fmt: skip
        made.append(path)
    yield made
    for path in made:
        path.unlink()


def test_attestations_go_with_their_files_by_default_with_trusted_publishing(
    fake: FakeTrustedPublishing,
    good_release: tuple[Project, list[Distribution]],
    attested: list[Path],
) -> None:
    project, dists = good_release
    env = {**job_env(fake), "NOXSHIP_ATTESTATIONS": "auto"}  # the default
    (report,) = publish_to(Context.from_environ(env, project=project), ["testpypi"])
    assert len(report.uploaded) == 2
    assert sorted(fake.attestations) == sorted(d.filename for d in dists)
    for dist in dists:
        assert fake.attestations[dist.filename] == [
            {"version": 1, "verification_material": {"of": dist.filename},
             "envelope": {"statement": "e30=", "signature": "c2ln"}}
        ]  # fmt: skip


def test_attestations_off(
    fake: FakeTrustedPublishing,
    good_release: tuple[Project, list[Distribution]],
    attested: list[Path],
) -> None:
    project, _ = good_release
    env = {**job_env(fake), "NOXSHIP_ATTESTATIONS": "false"}
    (report,) = publish_to(Context.from_environ(env, project=project), ["testpypi"])
    assert len(report.uploaded) == 2 and fake.attestations == {}


def test_attestations_are_refused_for_other_targets_and_need_an_identity(
    fake: FakeTrustedPublishing, good_release: tuple[Project, list[Distribution]]
) -> None:
    from noxship.errors import ConfigError

    project, _ = good_release
    base = f"http://127.0.0.1:{fake.port}"
    other = {"NOXSHIP_TARGET_MIRROR_UPLOAD_URL": f"{base}/",
             "NOXSHIP_TARGET_MIRROR_INDEX_URL": f"{base}/simple/",
             "NOXSHIP_TARGET_MIRROR_PASSWORD": "x", "NOXSHIP_ATTESTATIONS": "true"}  # fmt: skip
    with pytest.raises(ConfigError, match="accepted only by PyPI and TestPyPI, not by target "
                       "mirror: set NOXSHIP_ATTESTATIONS=false for its job"):  # fmt: skip
        publish_to(Context.from_environ(other, project=project), ["mirror"])
    # No attestation in dist/ and no Sigstore identity in the job: stop before uploading.
    with pytest.raises(ConfigError, match="needs the CI's identity for Sigstore"):
        auto = {**job_env(fake), "NOXSHIP_ATTESTATIONS": "auto"}
        publish_to(Context.from_environ(auto, project=project), ["testpypi"])
    assert fake.upload_tokens == [] and fake.mints == []
