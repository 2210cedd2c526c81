"""Scripted measurements for the pages' kernels in tests/test_verdict_pages.py.

Python imports ``sitecustomize`` when it starts, so a kernel started with this folder on its
``PYTHONPATH`` and ``FLOWDOCS_SCENARIO`` set runs the real example and the real
``flowdocs.measure``, except that each ``torch.utils.benchmark`` run reports the time the
scenario gives for its label, and the load average is the scenario's. The JSON fields:
``times`` (label -> seconds per call), ``spread`` (relative, from run to run) and ``load``
(the one-minute load average; null for a system that reports none).
"""

import itertools
import json
import os
from types import SimpleNamespace

SCENARIO = os.environ.get("FLOWDOCS_SCENARIO")

if SCENARIO:
    from torch.utils import benchmark

    import flowdocs.measure

    scenario = json.loads(SCENARIO)

    class ScriptedTimer:
        """``torch.utils.benchmark.Timer`` whose runs take the scenario's time per call."""

        def __init__(self, stmt, globals, label, num_threads):
            self.task = benchmark.utils.common.TaskSpec(
                stmt, "", label=label, num_threads=num_threads
            )
            spread = scenario["spread"]
            self.factors = itertools.cycle([1 - spread, 1.0, 1 + spread])

        def timeit(self, number):
            seconds = scenario["times"][self.task.label] * next(self.factors)
            return benchmark.Measurement(number, [seconds * number], self.task)

    def load_average():
        if scenario["load"] is None:
            raise OSError("no load average")
        return (scenario["load"], 0.0, 0.0)

    flowdocs.measure.benchmark = SimpleNamespace(
        Timer=ScriptedTimer, Measurement=benchmark.Measurement
    )
    os.getloadavg = load_average
