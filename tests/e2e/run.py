#!/usr/bin/env python3
"""Runs the end-to-end suite and prints one closing line: 'e2e: N passed, N failed'."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 else "test_*.py"
    suite = unittest.defaultTestLoader.discover(HERE, pattern=pattern)
    if len(sys.argv) > 2:
        wanted = set(sys.argv[2:])
        flat = []
        def walk(s):
            for t in s:
                walk(t) if isinstance(t, unittest.TestSuite) else flat.append(t)
        walk(suite)
        suite = unittest.TestSuite(t for t in flat if t._testMethodName in wanted)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print(f"e2e: {passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 and result.testsRun > 0 else 1)


if __name__ == "__main__":
    main()
