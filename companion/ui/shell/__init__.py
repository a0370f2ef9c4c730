"""The application shell: starting the GUI, the main window, the services the screens are given,
the safety gates around sessions and the one key dispatcher.
"""
