"""The suppression rule of the public statistics (issue 13 point 4), on its own: counts 1-4
hidden as "<5", and no line of a table left with a single hidden count that its total would
give away."""

from avvikelse.services.public_statistics import Cell, Mark, suppress, table

S, D = Mark.SMALL, Mark.SECONDARY


def cells(labelled):
    result = table(labelled)
    return [row.cell for row in result.rows], result.total


def test_a_lone_small_count_takes_the_next_smallest_with_it():
    shown, total = cells([("a", 3), ("b", 10), ("c", 20), ("d", 0)])
    assert shown == [Cell(None, S), Cell(None, D), Cell(20), Cell(0)]
    assert total == Cell(33)


def test_two_small_counts_protect_each_other():
    shown, total = cells([("a", 3), ("b", 4), ("c", 20)])
    assert shown == [Cell(None, S), Cell(None, S), Cell(20)]
    assert total == Cell(27)


def test_zero_and_large_counts_are_shown():
    shown, total = cells([("a", 0), ("b", 5), ("c", 20)])
    assert shown == [Cell(0), Cell(5), Cell(20)]
    assert total == Cell(25)


def test_a_small_total_is_hidden_too():
    shown, total = cells([("a", 2), ("b", 0)])
    assert shown == [Cell(None, S), Cell(0)]
    assert total == Cell(None, S)


def test_a_hidden_count_is_not_kept_for_the_page():
    shown, _total = cells([("a", 1), ("b", 7)])
    assert all(cell.value is None for cell in shown)


def test_no_line_has_a_single_hidden_cell():
    """A 2×2 table with row and column totals: hiding one corner spreads to a rectangle, so
    only sums of two hidden counts can be computed, never one count."""
    counts = {(0, 0): 3, (0, 1): 10, (1, 0): 8, (1, 1): 20}
    counts |= {("row", r): counts[(r, 0)] + counts[(r, 1)] for r in (0, 1)}
    counts |= {("col", c): counts[(0, c)] + counts[(1, c)] for c in (0, 1)}
    counts["all"] = sum(counts[(r, c)] for r in (0, 1) for c in (0, 1))
    lines = [[(r, 0), (r, 1), ("row", r)] for r in (0, 1)]
    lines += [[(0, c), (1, c), ("col", c)] for c in (0, 1)]
    lines += [[("row", 0), ("row", 1), "all"], [("col", 0), ("col", 1), "all"]]
    totals = {key for key in counts if not isinstance(key[0], int)}
    marks = suppress(counts, lines, totals)
    assert marks == {(0, 0): S, (0, 1): D, (1, 0): D, (1, 1): D}
    assert all(sum(1 for key in line if key in marks) != 1 for line in lines)
