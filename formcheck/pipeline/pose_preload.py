"""Imported by the fork server (see pose_process.py) so that every pose process it forks
starts with numpy, OpenCV and MediaPipe already loaded. Failures are left for the pose
process itself to meet and report."""

try:
    from formcheck.pipeline import worker  # noqa: F401  # numpy, OpenCV, the serving loop
    from formcheck.pose.tasks_api import import_tasks

    import_tasks()
except Exception:  # noqa: BLE001
    pass
