"""One client per service the console reads and changes data through."""

from .base import ApiClient, ApiRefused, SignedOut
from .health import HealthClient
from .notifier import NotifierClient
from .renewals import RenewalsClient

__all__ = [
    "ApiClient",
    "ApiRefused",
    "HealthClient",
    "NotifierClient",
    "RenewalsClient",
    "SignedOut",
]
