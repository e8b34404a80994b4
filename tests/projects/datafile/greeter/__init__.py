"""Greets, with a word read from a data file inside the package."""

from pathlib import Path


def greet(name: str) -> str:
    word = (Path(__file__).parent / "data" / "greeting.txt").read_text().strip()
    return f"{word}, {name}!"
