#!/usr/bin/env python3
"""OCI runtime-spec conformance slice: run.py RUNTIME [--only PATTERN]

Runs RUNTIME (any OCI runtime CLI: swiftrun, runc, crun, or a wrapper script)
on generated busybox bundles.  Inside the container, /checker (checker.c,
built static) dumps `key=value` facts; the case modules in checks/ derive the
expectations from the config.json they generated and compare.  Lifecycle,
hook and error checks are driven from outside with create/start/state/kill/delete.

Output: TAP lines (`ok N - name`, `not ok N - name # reason`,
`ok N - name # SKIP reason`, `not ok N - name # TODO known: ...` for the few checks
no reference runtime passes, see checks/harness.py KNOWN) and a final
`N passed, N failed, N skipped, N known`.  Exit status is 0 when nothing but
known checks failed.
"""
import argparse
import os
import signal
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from checks import base, cgroups, lifecycle, mounts, namespaces, process, seccomp  # noqa: E402
from checks.harness import Harness, Tap  # noqa: E402

TESTS = (base.TESTS + process.TESTS + namespaces.TESTS + seccomp.TESTS + cgroups.TESTS + mounts.TESTS
         + lifecycle.TESTS)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runtime")
    ap.add_argument("--only", help="run only checks whose name contains / matches PATTERN")
    a = ap.parse_args()
    t = Tap(a.only)
    h = Harness(os.path.abspath(a.runtime) if os.path.exists(a.runtime) else a.runtime, t)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        for fn in TESTS:
            try:
                fn(h, t)
            except Exception as e:  # a harness bug must not abort the whole run
                t.ok(f"harness.{fn.__module__.split('.')[-1]}.{fn.__name__}", False, f"{type(e).__name__}: {e}")
    finally:
        h.cleanup()
    print(f"1..{t.n}")
    print(f"{t.passed} passed, {t.failed} failed, {t.skipped} skipped, {t.known} known")
    sys.exit(1 if t.failed else 0)


if __name__ == "__main__":
    main()
