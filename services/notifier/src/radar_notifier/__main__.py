"""`python -m radar_notifier` starts the service."""

from .main import main

main()
