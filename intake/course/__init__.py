"""Provides the course of treatment's core: what a returning client is asked again before each further session."""

from intake.course.rescreen import NOTHING_CHANGED, SOMETHING_CHANGED, Rescreen, load_rescreen

__all__ = ["NOTHING_CHANGED", "SOMETHING_CHANGED", "Rescreen", "load_rescreen"]
