"""The health service's HTTP API: `health` (an account's health, history and override)
and `accounts` (the account list); response models in `models`."""
