"""Every SQL statement of the notifier: tables.py and one module per aggregate."""
