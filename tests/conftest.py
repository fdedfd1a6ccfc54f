pytest_plugins = ["radar_runtime.testing.fixtures"]
