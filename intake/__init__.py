"""Provides the intake package: consultation intake, suitability screening and sealed documents."""

__version__ = "0.1.0"
