"""The configuration page of `mapsync ui`: a local web application over the engine.

    access = Access()                                   # the one-time token and sessions
    app = create_app(Settings(config=Path("mapsync.yaml")), access)
    Server(app, "127.0.0.1", 0).run()

It edits `mapsync.yaml` and the `.map` files in place (`edits`), runs the engine's own
functions in a worker thread (`jobs`), and speaks English, French, German and Spanish
(`i18n`). Templates, styles and the small script live in `templates/` and `static/`.
"""

from __future__ import annotations

from mapsync.engine.ui.app import Settings, create_app
from mapsync.engine.ui.security import Access
from mapsync.engine.ui.serve import Server

__all__ = ["Access", "Server", "Settings", "create_app"]
