"""`python -m radar_ingest` starts the service."""

from .main import main

main()
