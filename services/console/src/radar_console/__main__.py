"""`python -m radar_console` starts the service."""

from .main import main

main()
