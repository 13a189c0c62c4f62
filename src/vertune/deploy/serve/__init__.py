"""`vertune serve`: FastAPI + uvicorn over one or more runs, with micro-batching, Prometheus metrics and a
drift check (see app.py for the endpoints)."""
