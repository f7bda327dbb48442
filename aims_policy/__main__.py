"""The program: ``aims-policy`` (the console script runs :func:`run`) and ``python -m aims_policy``."""

from __future__ import annotations

from typing import NoReturn


def run() -> NoReturn:
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

    try:
        main()
    except SystemExit as exc:
        _leave(exc)


def _leave(exc: SystemExit) -> NoReturn:
    """End the process as ``exc`` asks, without the interpreter's teardown when that is safe.

    Teardown frees every module, class and function one by one and sweeps them with a last full
    collection: about 7% of a one-file check (a pre-commit hook's whole run), for memory the
    operating system takes back at once anyway. The exit handlers still run and both standard
    streams are flushed, which is all that teardown does that anyone can see, since every file
    the tool writes is closed before its command returns. Where teardown does more (another
    thread still running, worker processes started), or when a stream cannot be flushed (so
    that Python reports it as it always has), the interpreter ends as usual."""
    import sys

    code = exc.code
    threading = sys.modules.get("threading")
    if (
        not isinstance(code, int)
        or (threading is not None and threading.active_count() > 1)
        or "multiprocessing" in sys.modules
        or "concurrent.futures" in sys.modules
    ):
        raise exc
    import atexit
    import os

    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        raise exc from None
    os._exit(code)


if __name__ == "__main__":
    run()
