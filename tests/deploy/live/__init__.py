"""`make compose-test` and `make k8s-check`: the deployment shapes built and run here."""
