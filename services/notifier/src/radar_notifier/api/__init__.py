"""HTTP API: alerts with their fatigue state, ack and snooze, and the delivery log."""
