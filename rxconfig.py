"""Reflex configuration. The database URL comes from the one settings object, and Reflex's own
environment defaults from config.REFLEX_DEFAULTS."""

import reflex as rx

from mission_control.config import apply_reflex_defaults, get_settings
from mission_control.frontend_build import FirstLoadBuild

apply_reflex_defaults()
config = rx.Config(
    app_name="mission_control",
    db_url=get_settings().resolved_database_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium")),
        FirstLoadBuild(),
    ],
)
