"""Scale-out tests run last, on their own: the app they start rebuilds the shared frontend
build for its own port, which would strand any other app server still serving pages."""

from e2e.conftest import browser  # noqa: F401  (the same Chromium launcher as the browser tests)
