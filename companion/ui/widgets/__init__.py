"""Shared look and small widgets: styles, the safety screens' large type, the elided label, the
icon and screen-reader announcements.
"""
