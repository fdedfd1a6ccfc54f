"""Pure renewal logic: no database, broker, web framework or clock; `today` is passed in."""
