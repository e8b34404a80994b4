"""How long a CI job takes to install noxship before it does anything (issue:
"a CI job that starts fast"), the way a runner with a cached ``.cache/`` sees it:
a fresh venv, warm pip and uv caches, noxship's wheel and its dependencies from
PyPI.

- ``pip``: ``python -m pip install <wheel>`` (the component's old ``before_script``);
- ``hashed uv``: what the component's and the action's jobs do now: pip installs
  uv from ``requirements/uv.txt``, uv installs the dependencies from
  ``requirements/noxship.txt`` (both ``--require-hashes``), then the wheel
  without dependencies.

Run on demand:  python benchmarks/job_install.py [--rounds N]
It builds noxship's wheel first (``nox -s build``) unless ``dist/`` holds one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".nox" / "benchmarks" / "job-install-cache"
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))},
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_CACHE_DIR": str(CACHE / "pip"),
    "UV_CACHE_DIR": str(CACHE / "uv"),
    "UV_NO_CONFIG": "1",
}


def sh(*args: str | Path) -> str:
    result = subprocess.run([str(a) for a in args], env=ENV, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"failed: {args}\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


def with_pip(venv: Path, wheel: Path) -> None:
    sh(venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel)


def with_uv(venv: Path, wheel: Path) -> None:
    python = venv / "bin" / "python"
    req = REPO / "requirements"
    sh(
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--require-hashes",
        "-r",
        req / "uv.txt",
    )
    uv = [python, "-m", "uv", "pip", "install", "--quiet", "--python", python]
    sh(*uv, "--require-hashes", "-r", req / "noxship.txt")
    sh(*uv, "--no-deps", wheel)


def timed(install: object, wheel: Path, rounds: int) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(rounds + 1):  # the first run warms the cache
        with tempfile.TemporaryDirectory() as tmp:
            venv = Path(tmp) / "venv"
            start = time.perf_counter()
            sh(sys.executable, "-m", "venv", venv)
            install(venv, wheel)  # type: ignore[operator]
            times.append(time.perf_counter() - start)
            count = len(sh(venv / "bin" / "python", "-m", "pip", "list", "--format=freeze").split())
    return statistics.median(times[1:]), count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    wheels = sorted((REPO / "dist").glob("noxship-*.whl"))
    if not wheels:
        sh(sys.executable, "-m", "nox", "-f", REPO / "noxfile.py", "-s", "build")
        wheels = sorted((REPO / "dist").glob("noxship-*.whl"))
    print(f"{os.cpu_count()} cores; Python {sys.version.split()[0]}; median of {args.rounds} "
          "runs, fresh venv, warm caches\n")  # fmt: skip
    print("| install | seconds | distributions in the venv |\n|---|---|---|")
    results = {name: timed(fn, wheels[-1], args.rounds) for name, fn in
               (("pip", with_pip), ("hashed uv", with_uv))}  # fmt: skip
    for name, (seconds, count) in results.items():
        print(f"| {name} | {seconds:.1f} | {count} |")
    print(f"\nhashed uv / pip: {results['hashed uv'][0] / results['pip'][0]:.2f}x")


if __name__ == "__main__":
    main()
