"""Provides the wizard's widgets: question fields by question type, choice tiles, signature pad, PIN pad."""
