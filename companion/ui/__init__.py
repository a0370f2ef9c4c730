"""The only package that imports PySide6: windows, views and the Qt adapters."""
