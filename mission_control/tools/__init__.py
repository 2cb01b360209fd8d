"""Developer tools: serving the app for tests and screenshots."""
