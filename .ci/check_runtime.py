"""CI: the runtime install (the Docker image's) serves without the [train] extra.

Usage: python .ci/check_runtime.py VENV_BIN WHEEL. Standard library only: it runs
before the test extra is installed. Fails (exit 1) with one line per problem.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAINING_ONLY = ("sklearn", "scipy", "numpy", "matplotlib", "tqdm", "chitchat_dataset")
NOT_IN_THE_WHEEL = ("bot/learning/corpus/", "bot/learning/synth/")
WHEEL_LIMIT = 2_000_000


def check_wheel(wheel: Path) -> list[str]:
    names = zipfile.ZipFile(wheel).namelist()
    problems = [f"{wheel.name}: holds {n}" for n in names if n.startswith(NOT_IN_THE_WHEEL)]
    size = wheel.stat().st_size
    print(f"ci: wheel {wheel.name}: {size / 1e6:.2f} MB, {len(names)} files")
    if size > WHEEL_LIMIT:
        problems.append(f"{wheel.name}: {size} bytes, over {WHEEL_LIMIT}")
    return problems


def check_commands(bin_dir: Path) -> list[str]:
    problems = []
    python, watchkeeper = str(bin_dir / "python"), str(bin_dir / "watchkeeper")
    probe = "import importlib.util as u; print(' '.join(m for m in %r if u.find_spec(m)))"
    found = subprocess.run(
        [python, "-c", probe % (TRAINING_ONLY,)], capture_output=True, text=True, check=True
    ).stdout.split()
    if found:
        problems.append(f"the runtime install holds training libraries: {', '.join(found)}")
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "WATCHKEEPER_STORAGE__DATA_DIR": data}
        conversations = str(ROOT / "tests" / "data" / "sample.jsonl")
        runs = [
            ([watchkeeper, "--help"], 0),
            ([watchkeeper, "run", "--input", str(ROOT / "bot/data/samples/stream.jsonl")], 0),
            ([watchkeeper, "score", conversations], 0),
            ([watchkeeper, "evaluate", conversations], 0),
            ([watchkeeper, "replay", conversations], 0),
            ([watchkeeper, "bench", "--messages", "400", "--conversations", "40"], 0),
            ([watchkeeper, "train", conversations], 2),
        ]
        for command, expected in runs:
            done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=data)
            shown = " ".join(command[1:3])
            if done.returncode != expected:
                last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
                problems.append(f"watchkeeper {shown}: exit {done.returncode}: {last}")
            elif expected == 2 and "watchkeeper[train]" not in done.stderr:
                problems.append(f"watchkeeper {shown}: does not say to install [train]")
    return problems


def main(bin_dir: str, wheel: str) -> int:
    problems = check_wheel(Path(wheel)) + check_commands(Path(bin_dir))
    for problem in problems:
        print(f"ci: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
