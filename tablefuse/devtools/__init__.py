"""Developer checks that anyone can run (``python -m tablefuse.devtools.layout``)."""
