"""What the fork server imports before forking pose processes (see pose_process.py, which
owns their life): the serving code, numpy, OpenCV and MediaPipe. Failures are left for the
pose process itself to meet and report."""

try:
    from formcheck.pipeline import pose_process  # noqa: F401
    from formcheck.pose import estimator  # noqa: F401  # numpy, OpenCV
    from formcheck.pose.tasks_api import import_tasks

    import_tasks()
except Exception:  # noqa: BLE001
    pass
