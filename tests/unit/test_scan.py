"""Every member of every archive is read: credential files, private keys and
secret values stop the release (exit code 2); harmless look-alikes do not."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from noxship.build import ScanReport, scan_distributions
from noxship.build.dist import Distribution
from noxship.errors import DistributionError, ExitCode
from tests.wheels import make_wheel

TOKEN = "pypi-SENTINEL-scan-0123456789"
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
CERT = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"


def sdist(dest: Path, members: dict[str, str]) -> Distribution:
    path = dest / "pkg-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, text in {"pkg-1.0/PKG-INFO": "Name: pkg\n", **members}.items():
            data = text.encode()
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
