"""All the console's SQL: sessions, pending sign-ins and preferences."""
