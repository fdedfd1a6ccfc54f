"""`python -m radar_health` starts the service."""

from .main import main

main()
