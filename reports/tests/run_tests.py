#!/usr/bin/env python3
"""run_tests.py [OUT-DIR]: the report's own tests (make test-reports). Outputs, including
the headless-Chromium screenshot, go to OUT-DIR (default build/report/test)."""
import os
import shutil
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/report/test")
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
os.environ["BEVCONF_REPORT_TEST_OUT"] = out
sys.path.insert(0, HERE)
t0 = time.time()
suite = unittest.defaultTestLoader.loadTestsFromName("test_reports")
result = unittest.TextTestRunner(verbosity=1, stream=sys.stdout).run(suite)
shot = os.path.join(out, "screenshot.png")
print(f"test-reports: {result.testsRun} tests, {len(result.failures)} failed, "
      f"{len(result.errors)} errors in {time.time() - t0:.1f} s; outputs in {out}"
      + (f"; screenshot {shot}" if os.path.exists(shot) else ""))
sys.exit(0 if result.wasSuccessful() else 1)
