"""Speech: a Qt-free `Speaker` interface, its implementations and offline rendering."""
