"""Quality gates that need real servers: the load test, the fault test and the two-server check.

The browser journeys (tests/e2e/) start their app server with the helpers in quality.servers.
"""
