"""`formcheck batch`: many videos, each analysed start to end by one worker (a local process
or a Ray actor), with a resumable state, a pose-track cache and a summary. It sits at the
pipeline level: it runs the analyze pipeline per video and is driven by the cli."""
