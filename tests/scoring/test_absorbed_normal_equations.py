"""The absorbed normal equations against their definition, M = Z'Z - Z'A (A'A)^-1 A'Z and
b = Z'y - Z'A (A'A)^-1 A'y (Searle 1971, Linear Models, ch. 7), computed with dense matrices."""

import numpy as np
import pytest

from scoring.calibration import absorb
from scoring.calibration.absorb import absorbed_normal_equations


@pytest.mark.parametrize("dense_entries", [1 << 22, 50])  # one slice of groups, or many
def test_blocks_equal_the_dense_definition(monkeypatch, dense_entries) -> None:
    monkeypatch.setattr(absorb, "_DENSE_ENTRIES", dense_entries)
    rng = np.random.default_rng(3)
    ratings, groups, criteria, raters = 3000, 200, 9, 15
    group = np.concatenate([np.arange(groups), rng.integers(0, groups, ratings - groups)])
    criterion = rng.integers(0, criteria, ratings)
    rater = rng.integers(0, raters, ratings)
    y = rng.normal(2.0, 1.0, ratings)

    a = np.eye(groups)[group]
    z = np.hstack([np.eye(criteria)[criterion], np.eye(raters)[rater]])
    projection = a @ np.linalg.inv(a.T @ a) @ a.T
    normal = z.T @ z - z.T @ projection @ z
    right = z.T @ y - z.T @ projection @ y

    blocks = absorbed_normal_equations(y, group, criterion, rater, groups, criteria, raters)
    assert np.allclose(blocks.criterion, normal[:criteria, :criteria], atol=1e-10)
    assert np.allclose(blocks.cross, normal[criteria:, :criteria], atol=1e-10)
    assert np.allclose(blocks.rater.toarray(), normal[criteria:, criteria:], atol=1e-10)
    assert np.allclose(blocks.right_criterion, right[:criteria], atol=1e-10)
    assert np.allclose(blocks.right_rater, right[criteria:], atol=1e-10)
    # Every row of M sums to zero: each group's constant is absorbed.
    assert np.allclose(blocks.criterion.sum(axis=1) + blocks.cross.sum(axis=0), 0.0, atol=1e-9)
