"""The HTTP ingest API's parts; ``adapters/http_api.py`` assembles and serves them."""
