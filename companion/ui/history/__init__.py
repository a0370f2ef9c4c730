"""The history window: the session list and its filters, charts, a session's timeline and the
journal note.
"""
