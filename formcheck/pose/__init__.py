"""Pose estimation: MediaPipe Tasks landmarker, models, smoothing, landmark tracks."""
