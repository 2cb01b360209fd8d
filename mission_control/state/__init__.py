"""Reflex state: thin handlers over the services layer, one module per feature."""
