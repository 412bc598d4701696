"""A synthetic population for the demo and the benchmarks (DEMO ONLY: no real person).

- :mod:`.generator` builds the persons, households, codes and declarations in memory, from a
  seed: pure Python, no database (the territory is passed in), deterministic;
- :mod:`.loader` reads the territory and the demo organisations from the database, runs the
  generator and writes everything with ``COPY``, in batches, each in its own transaction.

``manage.py seed_demo --persons N --seed S`` calls the loader. The name lists and their
sources are described in ``data/README.md``.
"""
