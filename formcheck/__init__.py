"""formcheck: watches a person exercise and checks their form.

Pipeline: source (frames) -> pose (landmarks) -> analysis (reps, holds, faults)
-> overlay (drawn feedback) / report (session record).
"""

__version__ = "0.1.0"
