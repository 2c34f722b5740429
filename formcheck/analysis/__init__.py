"""Analysis: measurements on landmarks, and one engine that counts reps, times holds and
checks fault rules for any exercise defined as data."""
