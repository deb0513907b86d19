"""The HTTP ingest API's parts; ``app`` assembles and serves them."""
