"""Registers the emulator suite's fixtures (defined in emulator_support)."""

from emulator_support import control, digits, emulator, rek, s3

__all__ = ["control", "digits", "emulator", "rek", "s3"]
