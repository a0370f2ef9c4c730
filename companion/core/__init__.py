"""Qt-free core: routines, timeline, session engine and safety rules.

Nothing in this package may import PySide6, pyttsx3 or SQLAlchemy (a test enforces it),
and nothing here reads the wall clock or sleeps: time comes from an injected `Clock`.
"""
