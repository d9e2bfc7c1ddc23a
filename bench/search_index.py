"""Does matching the region in SQLite's full-text index pay, and splitting it by region? (issue 15)

Builds the FTS5 index three times from the same synthetic text, `--rows` cases in `--regions`
regions: as migration 5e2f3a4b5c03 made it (title, body, answers; the search then keeps the
region's matches by their ids), as e2f3a4b5c6d7 made it (a region column, matched first) and as
b8c9d0e1f2a3 makes it (that, in one table per region_id % 16, the region's table searched). Each
query ranks the best 21 matches of one region, as a page of hits does, and prints the best of
five runs in ms and the ratios to the first. The words are drawn Zipf-like from a vocabulary of
5,000; one case in 20 mentions "läkemedel".

Usage: python -m bench.search_index [--rows 1000000] [--regions 20]
"""

import argparse
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from avvikelse.models.search import TEXT_COLUMNS, sqlite_create, sqlite_partition

QUERIES = ['"läkemedel"*', '"ord4999"*', '"ord1"*', '"ord1"* AND "ord2"*']
REGION = 3


def build(folder: Path, rows: int, regions: int) -> tuple[sqlite3.Connection, ...]:
    old, new, split = (
        sqlite3.connect(folder / f"{name}.sqlite") for name in ("old", "new", "split")
    )
    for connection, region in ((old, False), (new, True)):
        connection.execute(sqlite_create(region=region, partitioned=False)[0])
    for statement in sqlite_create():
        if statement.startswith("CREATE VIRTUAL TABLE"):
            split.execute(statement)
    old.execute("CREATE TABLE deviations (id INTEGER PRIMARY KEY, region_id INTEGER)")
    old.execute("CREATE INDEX ix_region ON deviations (region_id, id)")
    rng = random.Random(7)  # noqa: S311 - synthetic text
    vocabulary = [f"ord{i}" for i in range(5000)]
    weights = [1 / (i + 1) for i in range(len(vocabulary))]
    batch = []
    for case_id in range(1, rows + 1):
        words = rng.choices(vocabulary, weights, k=40)
        if rng.random() < 0.05:
            words.append("läkemedel")
        batch.append((case_id, " ".join(words[:6]), " ".join(words[6:]), case_id % regions))
        if len(batch) == 50_000 or case_id == rows:
            old.executemany(
                "INSERT INTO deviation_search (rowid, title, body, answers) VALUES (?, ?, ?, '')",
                [row[:3] for row in batch],
            )
            old.executemany(
                "INSERT INTO deviations VALUES (?, ?)", [(row[0], row[3]) for row in batch]
            )
            new.executemany(
                "INSERT INTO deviation_search (rowid, title, body, answers, region) "
                "VALUES (?, ?, ?, '', 'r' || ?)",
                batch,
            )
            for region in range(regions):
                split.executemany(
                    f"INSERT INTO {sqlite_partition(region)} "  # noqa: S608
                    "(rowid, title, body, answers, region) VALUES (?, ?, ?, '', 'r' || ?)",
                    [row for row in batch if row[3] == region],
                )
            for connection in (old, new, split):
                connection.commit()
            batch = []
    return old, new, split


def best_ms(connection: sqlite3.Connection, sql: str, *parameters) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        connection.execute(sql, parameters).fetchall()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--regions", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        old, new, split = build(Path(folder), args.rows, args.regions)
        print(f"{args.rows} cases in {args.regions} regions: {time.perf_counter() - started:.0f} s")
        print(
            f"{'words':<24} {'ids filter ms':>14} {'region column ms':>17} {'÷':>6} "
            f"{'tables by region ms':>20} {'÷':>6}"
        )
        table = sqlite_partition(REGION)
        for query in QUERIES:
            before = best_ms(
                old,
                "SELECT rowid, bm25(deviation_search, 10.0, 3.0, 1.0) AS score "
                "FROM deviation_search WHERE deviation_search MATCH ? AND rowid + 0 IN "
                "(SELECT id FROM deviations WHERE region_id = ?) ORDER BY score LIMIT 21",
                query,
                REGION,
            )
            after = best_ms(
                new,
                "SELECT rowid, bm25(deviation_search, 10.0, 3.0, 1.0, 0.0) AS score "
                "FROM deviation_search WHERE deviation_search MATCH ? ORDER BY score LIMIT 21",
                f"region:r{REGION} AND {TEXT_COLUMNS}:({query})",
            )
            partitioned = best_ms(
                split,
                f"SELECT rowid, bm25({table}, 10.0, 3.0, 1.0, 0.0) AS score "  # noqa: S608
                f"FROM {table} WHERE {table} MATCH ? ORDER BY score LIMIT 21",
                f"region:r{REGION} AND {TEXT_COLUMNS}:({query})",
            )
            print(
                f"{query:<24} {before:>14.1f} {after:>17.1f} {before / after:>6.1f} "
                f"{partitioned:>20.1f} {before / partitioned:>6.1f}"
            )
        for connection in (old, new, split):
            connection.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
