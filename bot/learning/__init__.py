"""Offline work on the detector: corpora and their loaders (PAN12, moderators'
feedback), training, evaluation and its metrics, obfuscation, plots, and the
synthetic generator. Nothing here runs per message; the runtime never imports it."""
