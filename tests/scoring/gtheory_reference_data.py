"""Raw scores of two of Brennan's synthetic data sets (not collected: no test_ prefix).

Brennan, R. L. (2001). Generalizability Theory. Springer. The tables are printed in the book;
the numbers below were extracted once (with the PyPI package `rdata`, not a project dependency)
from the R data files of two public packages, and are checked by the published variance
components they must reproduce (tests/scoring/test_variance_components.py):

- SYNTHETIC_4, "Synthetic data set No. 4" (Brennan 2001, Table 3.2, p. 73): design p x (r:t),
  10 persons x 3 tasks, 4 raters nested in each task, scores 1-9. Source: R package gt4ireval 2.0
  (Julian Urbano, MIT licence), github.com/julian-urbano/gt4ireval, file data/synthetic4.rda at
  commit 8ec8ebbb4276d2a41e25ad08cf66979da6e4f401, where it is stored as a 12 x 10 frame (rows:
  raters 1-4 of task 1, 5-8 of task 2, 9-12 of task 3; columns: persons). Transposed here.
- SYNTHETIC_3, "Synthetic data set No. 3" (Brennan 2001, Table 3.1): design p x i x o fully
  crossed, 10 persons x 4 items x 2 occasions. Source: R package Gboot (Alan Huebner), data
  Brennan.3.1, github.com/alanhuebner10/Gboot, file data/Brennan.3.1.RData at commit
  32e07967173c0c7e480995bdaadabe72011c00a0 (long format Person, Item, Occasion, Score).
"""

from __future__ import annotations

# SYNTHETIC_4[person][rater]; rater k belongs to task k // 4.
SYNTHETIC_4 = [
    [5, 6, 5, 5, 5, 3, 4, 5, 6, 7, 3, 3],
    [9, 3, 7, 7, 7, 5, 5, 5, 7, 7, 5, 2],
    [3, 4, 3, 3, 5, 3, 3, 5, 6, 5, 1, 6],
    [7, 5, 5, 3, 3, 1, 4, 3, 5, 3, 3, 5],
    [9, 2, 9, 7, 7, 7, 3, 7, 2, 7, 5, 3],
    [3, 4, 3, 5, 3, 3, 6, 3, 4, 5, 1, 2],
    [7, 3, 7, 7, 7, 5, 5, 7, 5, 5, 5, 4],
    [5, 8, 5, 7, 7, 5, 5, 4, 3, 2, 1, 1],
    [9, 9, 8, 8, 6, 6, 6, 5, 5, 8, 1, 1],
    [4, 4, 4, 3, 3, 5, 6, 5, 5, 7, 1, 1],
]

# SYNTHETIC_3[person][occasion][item].
SYNTHETIC_3 = [
    [[2, 6, 7, 5], [2, 5, 5, 5]],
    [[4, 5, 6, 7], [6, 7, 5, 7]],
    [[5, 5, 4, 6], [5, 4, 5, 5]],
    [[5, 9, 8, 6], [5, 7, 7, 6]],
    [[4, 3, 5, 6], [4, 5, 6, 4]],
    [[4, 4, 4, 7], [6, 4, 7, 8]],
    [[2, 6, 6, 5], [2, 7, 7, 5]],
    [[3, 4, 4, 5], [6, 6, 6, 4]],
    [[0, 5, 4, 5], [5, 5, 5, 3]],
    [[6, 8, 7, 6], [6, 8, 8, 6]],
]
