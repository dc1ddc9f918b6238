"""``semsearch duplicates`` over ``duplicate_questions`` (50,000) questions, timed as a user runs
it: the command in a new process, from its start to its exit, its groups printed (to a file).

The index is the real questions and copies of them (``bench.copies``); a copy's vectors are moved
by the copy noise, so copies are close paraphrases of their original, not duplicates of it.
"""

from __future__ import annotations

from typing import Any

from bench.common import BenchError, Config, fail_line, run_child
from bench.common import semsearch_command as command
from bench.scale import derived_index, index_path, real_index


def measure(config: Config) -> dict[str, Any]:
    real = real_index(config)
    result = derived_index(config, "duplicates-index", real, questions=config.duplicate_questions)
    index = index_path(config, "duplicates-index")
    run = run_child([*command(), "duplicates", "--index", str(index)], config, timeout=6 * 3600)
    if run.returncode != 0:
        raise BenchError(f"semsearch duplicates failed ({run.returncode}): {fail_line(run)}")
    summary = next(
        (line for line in reversed((run.stderr + run.stdout).splitlines()) if "near-duplicates" in line),
        "",
    )
    return {
        **result,
        "seconds": round(run.seconds, 1),
        "peak_rss_mib": round(run.peak_rss_mib),
        "summary": summary.strip(),
        "output_lines": len(run.stdout.splitlines()),
    }
