"""Windows, views and the Qt adapters (their Qt classes come from `companion.qt`)."""
