"""Thin Qt adapters around the Qt-free parts: the engine's timer driver, speech output, voice
input, the history on the GUI thread, background operations, the single instance and the tray.
"""
