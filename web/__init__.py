"""The FastAPI web app: instructor search, case pages, and the JSON API."""
