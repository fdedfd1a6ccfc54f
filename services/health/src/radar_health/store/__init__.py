"""Every SQL statement of the health service: its tables and one module per aggregate."""
