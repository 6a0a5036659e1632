"""`make demo`: the whole app on one machine, with nothing to set up.

`python -m demo` claims the instance folder's demo lock, gives the run a folder of its own,
starts a private Redis, the Shopify and Oxylabs simulators, migrates a fresh database, runs
web, worker and scheduler, installs a demo shop and prints the admin URL once every process it
started answers its health check. SIGINT, SIGTERM and SIGHUP stop everything it started.
"""
