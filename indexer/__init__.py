"""Turning validated cases into a Meilisearch index."""
