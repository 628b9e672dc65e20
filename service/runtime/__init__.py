"""Running the service: `serve`'s supervisor (serving.py), its child processes
(child_process.py), the projection worker's loop (projection_worker.py) and stopping on
SIGTERM (stop_signals.py)."""
