"""Provides the Textual intake wizard; the only package that imports Textual (intake.tui.app)."""
