"""The HTTP face of semsearch: ``create_app(settings)`` (api.app) and ``serve()`` (api.server)."""
