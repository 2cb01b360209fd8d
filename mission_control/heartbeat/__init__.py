"""The heartbeat engine: wakes each agent on its schedule, calls its driver only when
something is new, applies the actions it returns through the services layer and records
every step in a HeartbeatRun.

    lifespan.run_heartbeat_engine()   lease -> scheduler (one per deployment)
    scheduler.HeartbeatEngine         APScheduler jobs, early wakes, sweeper
    runner.Runner.heartbeat()         gate -> context -> driver call -> actions -> status
"""
