"""The health service's HTTP API: account health, history, the account list, overrides."""
