"""Frame sources: video files and cameras behind one interface."""
