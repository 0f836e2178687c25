"""The README's testing recipes (its Python blocks marked ``<!-- testing-recipe -->``)
run as a user's test files, each in its own pytest process: they can never rot."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def readme_recipes() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"<!-- testing-recipe -->\n```python\n(.*?)```", text, flags=re.S)


RECIPES = readme_recipes()


def test_the_readme_has_the_recipes() -> None:
    # A lost confirm answer, a 503 storm, the in-process mode, a pytest-httpx unit test.
    assert len(RECIPES) >= 4
    joined = "\n".join(RECIPES)
    for needed in ('lose_answer("confirmTransaction")', "status(", "mode=", "accounting_mock"):
        assert needed in joined


@pytest.mark.parametrize("recipe", RECIPES, ids=[f"recipe{i}" for i in range(len(RECIPES))])
def test_a_readme_recipe_passes_as_a_users_test_file(
    pytester: pytest.Pytester, recipe: str
) -> None:
    tests = [
        node.name
        for node in ast.parse(recipe).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]
    assert tests, "a recipe shows at least one test"
    pytester.makepyfile(test_recipe=recipe)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=len(tests))
