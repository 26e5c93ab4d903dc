"""Provides one Screen subclass per kind of step of the intake wizard."""
