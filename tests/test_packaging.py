"""What ships: a slim runtime, a Docker image built from the hashed lock file.

No Docker engine runs in CI, so the Dockerfile is checked as text here, and
``.ci/run`` installs the lock file in a fresh virtual environment (the image's
install step) and runs the commands there without the ``[train]`` extra.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
TRAINING_ONLY = ("scikit-learn", "scipy", "numpy", "matplotlib", "tqdm", "chitchat-dataset")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in (raw.strip() for raw in joined.splitlines())
        if line
    ]


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    return instructions[last_from:]


def locked() -> dict[str, str]:
    """Package name -> pinned version in requirements.lock (every pin hashed)."""
    pins: dict[str, str] = {}
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    for block in re.split(r"\n(?=\S)", text):
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s;\\]+)", block)
        if match:
            assert "--hash=sha256:" in block, f"{match[1]} is pinned without a hash"
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def test_the_image_installs_the_runtime_from_the_lock_file() -> None:
    runs = [args for op, args in dockerfile_instructions() if op == "RUN"]
    lock_installs = [r for r in runs if "-r requirements.lock" in r]
    assert lock_installs, "no RUN step installs requirements.lock"
    assert all("--require-hashes" in r for r in lock_installs)
    assert all(not re.search(r"pip install[^&]*\s(-e|--editable)\s", r) for r in runs)
    # watchkeeper itself goes in without resolving dependencies again.
    own = [r for r in runs if "watchkeeper-" in r and "pip install" in r]
    assert own and all("--no-deps" in r for r in own)


def test_the_image_runs_watchkeeper_as_its_command_and_not_as_root() -> None:
    stage = final_stage()
    assert len([op for op, _ in dockerfile_instructions() if op == "FROM"]) >= 2  # multi-stage
    assert ("ENTRYPOINT", '["watchkeeper"]') in stage
    assert ("CMD", '["run"]') in stage
    users = [args for op, args in stage if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    healthcheck = [args for op, args in stage if op == "HEALTHCHECK"]
    assert healthcheck and healthcheck[0].endswith('CMD ["watchkeeper", "health"]')


def test_the_image_leaves_the_corpus_and_the_generator_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert "bot/learning/corpus/" in ignored and "bot/learning/synth/" in ignored
    copied = " ".join(args for op, args in dockerfile_instructions() if op == "COPY")
    assert "tests" not in copied.split() and "docs" not in copied.split()


def test_the_lock_file_pins_every_runtime_dependency_and_nothing_for_training() -> None:
    pins = locked()
    for spec in PYPROJECT["project"]["dependencies"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: regenerate it"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, pyproject wants {requirement}"
        )
    assert not set(pins) & {canonicalize_name(n) for n in TRAINING_ONLY}


def test_training_libraries_come_with_the_train_extra_and_the_tests_get_them() -> None:
    project = PYPROJECT["project"]
    runtime = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    extras = project["optional-dependencies"]
    train = {canonicalize_name(Requirement(r).name) for r in extras["train"]}
    test = {canonicalize_name(Requirement(r).name) for r in extras["test"]}
    assert not runtime & set(TRAINING_ONLY)
    assert train >= {"scikit-learn", "scipy", "numpy", "matplotlib"}
    assert test >= train


SERVING_COMMANDS = [
    ["run", "--input", str(ROOT / "bot/data/samples/stream.jsonl")],
    ["score", str(ROOT / "tests/data/sample.jsonl")],
    ["evaluate", str(ROOT / "tests/data/sample.jsonl")],
    ["replay", str(ROOT / "tests/data/sample.jsonl")],
]


@pytest.mark.parametrize("argv", SERVING_COMMANDS, ids=lambda argv: argv[0])
def test_serving_commands_import_no_training_library(argv: list[str], tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "from bot.cli import main\n"
        f"status = main({argv!r})\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sklearn', 'scipy', 'numpy', 'matplotlib', 'tqdm'})\n"
        "print(json.dumps([status, loaded]), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"WATCHKEEPER_STORAGE__DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=240,
    )
    status, loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert status == 0, done.stderr
    assert loaded == []


# A process in which the [train] extra is not installed: importing its modules fails
# and importlib.util.find_spec does not find them, as after `pip install .`.
WITHOUT_THE_EXTRA = """
import sys
for name in ("sklearn", "scipy", "numpy", "matplotlib", "tqdm"):
    sys.modules[name] = None
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    ("argv", "needs"),
    [
        (["train", "tests/data/sample.jsonl"], "train needs sklearn, scipy, numpy"),
        (
            ["evaluate", "tests/data/sample.jsonl", "--plot", "{tmp}/pr.png"],
            "--plot needs matplotlib",
        ),
    ],
    ids=["train", "evaluate --plot"],
)
def test_commands_that_need_the_train_extra_say_so_in_one_line(
    argv: list[str], needs: str, tmp_path: Path
) -> None:
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_THE_EXTRA, *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"WATCHKEEPER_STORAGE__DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert needs in done.stderr and "pip install 'watchkeeper[train]'" in done.stderr
    assert not (tmp_path / "pr.png").exists()
