"""The commands of the README and the docs, run as a new user would run them.

- the README's Python snippet is executed as it stands;
- ``python examples/quickstart.py`` runs in a fresh interpreter;
- the shell commands (fresh-machine install and tests, docs build) cannot
  run here without reinstalling everything, so each one is checked to be a
  command that ``.ci/run`` executes: CI then runs exactly what the README
  and the docs tell users to run.

The ``>>>`` snippets of the docs run as doctests (see pyproject.toml).
"""

import os
import re
import subprocess
import sys
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
CI = (ROOT / ".ci" / "run").read_text()
INSTALL = (ROOT / "docs" / "install.rst").read_text()


def fenced_blocks(text, language):
    """Contents of the ```language fenced blocks of a Markdown text."""
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.M | re.S)


def rst_code_blocks(text, language):
    """Lines of the ``.. code-block:: language`` blocks of a reST text."""
    blocks = re.findall(
        rf"^\.\. code-block:: {language}\n\n((?:   .*\n|\n)+)", text, flags=re.M
    )
    return [[line.strip() for line in b.splitlines() if line.strip()] for b in blocks]


def steps(command):
    """The commands chained with ``&&`` in one shell line."""
    return [part.strip() for part in command.split("&&")]


def ci_commands():
    """The commands .ci/run executes, one per line, its venv named as README's."""
    lines = [line.strip() for line in CI.splitlines()]
    return {
        line.replace(".ci-venv", ".venv")
        for line in lines
        if line and not line.startswith(("#", "set ", "cd "))
    }


def readme_shell_commands():
    return [
        line
        for block in fenced_blocks(README, "bash")
        for line in block.split("\n")
        if line
    ]


def fresh_machine_commands():
    """README's quickstart and test commands (in that order)."""
    commands = [c for c in readme_shell_commands() if c.startswith("python3 -m venv")]
    assert len(commands) == 2, commands
    quickstart, tests = commands
    assert quickstart.endswith("python examples/quickstart.py")
    assert tests.endswith("python -m pytest -n 2")
    return quickstart, tests


@pytest.mark.slow
def test_readme_python_snippet_runs_and_prints_the_claimed_score():
    (snippet,) = fenced_blocks(README, "python")
    claimed = float(re.search(r"print\(.*\)\s*#\s*([0-9.]+)", snippet).group(1))
    out = StringIO()
    with redirect_stdout(out):
        exec(compile(snippet, "README.md", "exec"), {"__name__": "__readme__"})
    score = float(out.getvalue().split()[-1])
    # Identical on every CPU run; one test series either way (1 / 150) leaves
    # room for another platform's floating point.
    assert score == pytest.approx(claimed, abs=0.007)


@pytest.mark.slow
def test_quickstart_script_runs_in_a_fresh_interpreter():
    # One torch thread: under pytest-xdist another worker shares the cores,
    # and OpenMP threads competing for them make training many times slower.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "examples/quickstart.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "GunPoint: 50 training series of 150 steps"
    accuracy = re.fullmatch(r"  LSTMClassifier test accuracy: (0\.\d{3})", lines[1])
    assert accuracy, lines[1]
    assert float(accuracy.group(1)) > 0.9
    assert lines[2] == "Seasonal series: 936 training windows of 30 steps"
    r2 = re.fullmatch(r"  LSTMRegressor test R\^2: (0\.\d{3})", lines[3])
    assert r2, lines[3]
    assert float(r2.group(1)) > 0.9
    assert len(lines) == 4


def test_fresh_machine_test_command_is_what_ci_runs():
    _, tests = fresh_machine_commands()
    missing = [step for step in steps(tests) if step not in ci_commands()]
    assert not missing, f"README's test command steps not run by .ci/run: {missing}"


def test_fresh_machine_quickstart_command_is_covered_by_ci():
    quickstart, tests = fresh_machine_commands()
    ci = ci_commands()
    for step in steps(quickstart):
        if step == "pip install -e .":
            # CI installs the package with its test extra, a superset.
            assert 'pip install -e ".[tests]"' in steps(tests)
        elif step == "python examples/quickstart.py":
            # Run by test_quickstart_script_runs_in_a_fresh_interpreter.
            assert (ROOT / "examples" / "quickstart.py").exists()
        else:
            assert step in ci, f"{step!r} is not a command of .ci/run"


def test_readme_docs_build_command_is_what_ci_runs():
    (docs,) = [c for c in readme_shell_commands() if "sphinx" in c]
    assert "-W" in docs.split(), "the docs build must treat warnings as errors"
    missing = [step for step in steps(docs) if step not in ci_commands()]
    assert not missing, f"README's docs command steps not run by .ci/run: {missing}"


def test_install_page_gives_the_readme_commands():
    blocks = rst_code_blocks(INSTALL, "bash")
    assert blocks, "docs/install.rst has no bash code blocks"
    readme = set(readme_shell_commands())
    readme_steps = {step for command in readme for step in steps(command)}
    for block in blocks:
        for line in block:
            assert line in readme or line in readme_steps, (
                f"docs/install.rst runs {line!r}, which README does not give"
            )
