"""Production clients for the two services; see `base.py` for the interface the runner uses."""
