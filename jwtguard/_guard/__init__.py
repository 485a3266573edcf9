"""The parts of :class:`jwtguard.Guard`, each with one job, private to :mod:`jwtguard.guard`.

:mod:`.options` checks the constructor's options (every problem at once),
:mod:`.fast_path` builds the cache-first ``verify`` of a guard without a revocation check,
:mod:`.stats` holds the counters and listeners behind ``Guard.stats()`` and the metrics, and
:mod:`.lifecycle` closes the parts a guard holds.
"""
