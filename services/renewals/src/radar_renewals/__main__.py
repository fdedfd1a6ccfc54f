"""`python -m radar_renewals` starts the service."""

from .main import main

main()
