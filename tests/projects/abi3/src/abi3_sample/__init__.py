"""Adds two integers in C."""

from abi3_sample._add import add

__all__ = ["add"]
