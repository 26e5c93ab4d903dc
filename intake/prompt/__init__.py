"""Provides the plain-prompt front end (`intake ask`), built on questionary."""
