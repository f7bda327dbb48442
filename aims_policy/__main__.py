"""The program: ``aims-policy`` (the console script runs :func:`run`) and ``python -m aims_policy``."""

from __future__ import annotations


def run() -> None:
    """Run the command line in a process of its own, with the cyclic garbage collector off.

    A command's objects are freed by reference counting or live until it ends: the pipeline
    makes no reference cycles. The collector would only sweep what is alive, again and again:
    the classes and functions that start-up's imports create (about 4 ms of a one-file check),
    and a large run's findings as they accumulate (about 5% of a run of 2,000 manifests). It is
    turned off before anything is imported; :func:`aims_policy.cli.main`, which library callers
    and tests run in their own process, leaves the collector as it finds it."""
    import gc

    gc.disable()
    from aims_policy.cli import main

    main()


if __name__ == "__main__":
    run()
