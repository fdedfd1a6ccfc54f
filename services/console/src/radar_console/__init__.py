"""The console: the web app where CSMs and managers see their book and act on it."""
