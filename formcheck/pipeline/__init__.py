"""Pipelines that run source -> pose -> analysis -> overlay/report: offline and live."""
