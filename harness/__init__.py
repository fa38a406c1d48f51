"""The run harness: everything that runs jobs, above the experiments and the engine.

``simcore`` (the engine) knows nothing of command lines, signals, Dask or index files;
``experiments`` say what to run, each as one ``experiments.contract.Experiment``. This package
runs them::

    cli          the ``limsim`` command line (``python -m experiments`` calls its ``main``)
    registry     experiment name -> its ``Experiment`` record
    runner       one run: config -> simulation -> one HDF5 file -> figures -> report.md
    suite        the default suite and the index page of a results folder
    bounds_table ``limsim bounds``: the analytic bounds as a table
    interrupt    the one interrupt guard (SIGINT, SIGTERM -> ``Interrupted``)
    memory       the one memory guard (estimates against what the machine or a worker has)
    sweep/       parameter sweeps on Dask: spec, point records, index, directory, scheduling

Imports point one way: ``harness -> experiments -> devices -> simcore``; nothing below imports
``harness`` (``tests/unit/test_import_direction.py``).
"""
