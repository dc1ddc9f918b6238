"""What the tests share, and what the bench and the scripts borrow: one copy of each helper.

``paths`` (the checkout, ../shared, the samples, the installed command), ``ports`` (a free port),
``settings`` (test settings: the fake model, no .env, no server), ``questions`` (invented questions,
the fields every result carries), ``api`` (an API key, a gated embedder, a server in a thread),
``serve`` (``semsearch serve`` in a child process), ``qdrant`` (a real Qdrant server and cluster),
``congruence`` (a corpus and comparisons for the two backends), ``crash_corpus`` and ``crash_runs``
(the crash tests' corpus, exact checks and runs, shared with ``scripts/crash_soak.py``).
"""
