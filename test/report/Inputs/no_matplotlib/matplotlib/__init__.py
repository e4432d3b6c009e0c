# Shadows an installed matplotlib (PYTHONPATH=.../no_matplotlib): `qcomp report` as without the plot extra.
raise ImportError("No module named 'matplotlib' (shadowed by the test)")
