"""Every member of every archive is read: credential files, private keys and
secret values stop the release (exit code 2); harmless look-alikes do not."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from noxship.build import ScanReport, scan_distributions
from noxship.build.dist import Distribution
from noxship.errors import DistributionError, ExitCode
from tests.wheels import make_wheel

TOKEN = "pypi-SENTINEL-scan-0123456789"
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
CERT = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"


def sdist(dest: Path, members: Mapping[str, str | bytes]) -> Distribution:
    path = dest / "pkg-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, text in {"pkg-1.0/PKG-INFO": "Name: pkg\n", **members}.items():
            data = text if isinstance(text, bytes) else text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    dist = Distribution.from_path(path)
    assert dist is not None
    return dist


def wheel(dest: Path, files: dict[str, str]) -> Distribution:
    dist = Distribution.from_path(make_wheel(dest, "pkg", "1.0", {"pkg/__init__.py": "", **files}))
    assert dist is not None
    return dist


@pytest.mark.parametrize(
    ("member", "text", "said"),
    [
        ("pkg-1.0/.env", "PYPI_TOKEN=x\n", "the credential file pkg-1.0/.env"),
        ("pkg-1.0/.env.production", "X=1\n", "the credential file"),
        ("pkg-1.0/.pypirc", "[pypi]\n", "the credential file"),
        ("pkg-1.0/deploy/id_ed25519", KEY, "the credential file"),
        ("pkg-1.0/keys/server.pem", KEY, "the credential file"),
        ("pkg-1.0/tests/fixture.txt", KEY, "a private key in"),
        ("pkg-1.0/src/pkg/settings.py", f"TOKEN = '{TOKEN}'\n", "the value of a token or password"),
    ],
)
def test_sdist_with_a_credential_is_refused(
    tmp_path: Path, member: str, text: str, said: str
) -> None:
    with pytest.raises(DistributionError, match=said) as info:
        scan_distributions([sdist(tmp_path, {member: text})], [TOKEN, "short"])
    assert info.value.exit_code == ExitCode.USAGE
    assert TOKEN not in str(info.value)
    assert ".gitignore" in str(info.value)


def test_wheel_with_a_token_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DistributionError, match="pkg-1.0-py3-none-any.whl holds the value"):
        scan_distributions([wheel(tmp_path, {"pkg/data.json": f'{{"t": "{TOKEN}"}}'})], [TOKEN])


def test_harmless_look_alikes_pass(tmp_path: Path) -> None:
    members = {
        "pkg-1.0/.env.example": "PYPI_TOKEN=\n",
        "pkg-1.0/src/pkg/scan.py": 'MARKER = b"PRIVATE KEY-----"  # names the armour only\n',
        "pkg-1.0/certs/ca.pem": CERT,
        "pkg-1.0/README.md": "set PYPI_TOKEN in .env\n",
        "pkg-1.0/short.txt": "short",  # too short a secret to look for
    }
    dists = [sdist(tmp_path, members), wheel(tmp_path, {})]
    report = scan_distributions(dists, [TOKEN, "short"])
    assert report == ScanReport(archives=2, members=6 + 4)


def nested(members: dict[str, str]) -> bytes:
    """A zip archive holding ``members``."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("member", "text"),
    [
        # L1: the gaps the security review reproduced
        ("pkg-1.0/vendor/bundle.zip", nested({".env": "PYPI_TOKEN=x\n"})),
        ("pkg-1.0/.git-credentials", "https://u:p@example.invalid\n"),
        ("pkg-1.0/prod.env", "X=1\n"),
        ("pkg-1.0/.pypirc.bak", "[pypi]\n"),
        (
            "pkg-1.0/keys/signing-key.asc",
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\nAAAA\n-----END PGP PRIVATE KEY BLOCK-----\n",
        ),
        ("pkg-1.0/keys/id.ppk", "PuTTY-User-Key-File-3: ssh-ed25519\n"),
        (
            "pkg-1.0/sa/credentials.json",
            '{"private_key": "-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\\n"}',
        ),
        ("pkg-1.0/src/pkg/b64.py", "X = 'cHlwaS1TRU5USU5FTC1zY2FuLTAxMjM0NTY3ODk='\n"),
        ("pkg-1.0/src/pkg/split.py", "X = ('pypi-SENTINEL-scan-'\n     '0123456789')\n"),
    ],
)
def test_the_scan_gaps_are_closed(tmp_path: Path, member: str, text: str | bytes) -> None:
    with pytest.raises(DistributionError, match="nothing is published from it"):
        scan_distributions([sdist(tmp_path, {member: text})], [TOKEN])


TRACKED = frozenset({"tests/assets/rootCA.key", "tests/assets/server.key"})


def test_tracked_test_keys_name_the_line_that_allows_them(tmp_path: Path) -> None:
    """L2, pytest-httpserver: every tracked key in one line, with the TOML that allows them."""
    members = {"pkg-1.0/tests/assets/rootCA.key": KEY, "pkg-1.0/tests/assets/server.key": KEY}
    with pytest.raises(DistributionError) as info:
        scan_distributions([sdist(tmp_path, members)], [], tracked=TRACKED)
    assert str(info.value).endswith(
        'add scan-allow = ["tests/assets/rootCA.key", "tests/assets/server.key"] under '
        "[tool.noxship] in pyproject.toml"
    )
    report = scan_distributions(
        [sdist(tmp_path, members)], [], allow=["tests/assets/*.key"], tracked=TRACKED
    )
    assert report.archives == 1


def test_an_allowed_key_that_git_does_not_track_is_refused(tmp_path: Path) -> None:
    members = {"pkg-1.0/tests/assets/other.key": KEY}
    with pytest.raises(DistributionError, match="git does not track it"):
        scan_distributions(
            [sdist(tmp_path, members)], [], allow=["tests/assets/*.key"], tracked=TRACKED
        )


def test_scan_allow_never_lets_a_dotenv_or_a_secret_through(tmp_path: Path) -> None:
    members = {"pkg-1.0/.env": "X=1\n"}
    with pytest.raises(DistributionError, match="credential file"):
        scan_distributions(
            [sdist(tmp_path, members)], [], allow=["*", ".env"], tracked=frozenset({".env"})
        )
    members = {"pkg-1.0/tests/x.txt": TOKEN}
    with pytest.raises(DistributionError, match="value of a token"):
        scan_distributions(
            [sdist(tmp_path, members)], [TOKEN], allow=["*"], tracked=frozenset({"tests/x.txt"})
        )
