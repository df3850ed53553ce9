"""The SQL the analyses send to DataFusion, translated for DuckDB where the dialects differ (shared by
bench/analyze.py and bench/scale.py, so that a new function of ours is translated once for both).

    python3 bench/duckdb_dialect.py     runs the self-checks below
"""
import re


def _calls(q, name):
    """Yields (start, end, args) for each top-level `name(...)` in q, args split at top-level commas."""
    for m in re.finditer(rf"\b{name}\(", q):
        depth, args, arg_start = 1, [], m.end()
        i = m.end()
        while depth:
            c = q[i]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif c == "," and depth == 1:
                args.append(q[arg_start:i].strip())
                arg_start = i + 1
            elif c == "'":
                i = q.index("'", i + 1)
            i += 1
        args.append(q[arg_start : i - 1].strip())
        yield m.start(), i, args


def _bucket_as_case(q):
    """finops' bucket(x, t1, ..., tn) as the CASE chain it stands for (a null x falls in the last bucket)."""
    while True:
        call = next(_calls(q, "bucket"), None)
        if call is None:
            return q
        start, end, (x, *thresholds) = call
        x = _bucket_as_case(x)
        whens = " ".join(f"WHEN ({x}) <= {t} THEN {i}" for i, t in enumerate(thresholds))
        q = f"{q[:start]}(CASE {whens} ELSE {len(thresholds)} END){q[end:]}"


def to_duckdb(q):
    """One query of finops' in DuckDB's dialect."""
    q = q.replace("CAST(timestamp AS BIGINT)", "epoch_ms(timestamp)")
    # DuckDB's `/` on integers divides as floats; `//` truncates as DataFusion's `/` does.
    q = re.sub(r"epoch_ms\(timestamp\) / (\d+)", r"epoch_ms(timestamp) // \1", q)
    q = q.replace("LEFT ANTI JOIN", "ANTI JOIN")
    # finops' values_list (array_agg without nulls; the data has none) is DuckDB's list.
    q = q.replace("values_list(", "list(")
    q = re.sub(r"last_value\((\w+) ORDER BY timestamp\)", r"arg_max(\1, timestamp)", q)
    # finops' key_hash (a 64-bit hash of text and whole numbers) is DuckDB's hash: the cache windows group
    # by it alike. The minute bursts keep the calls whose hash is in a list of finops' hashes, so DuckDB's
    # filter keeps none there and its grouping of about a tenth of the calls is not timed.
    q = q.replace("key_hash(", "hash(")
    return _bucket_as_case(q)


if __name__ == "__main__":
    assert to_duckdb("SELECT bucket((a + b), 10, 20) AS k") == (
        "SELECT (CASE WHEN ((a + b)) <= 10 THEN 0 WHEN ((a + b)) <= 20 THEN 1 ELSE 2 END) AS k"
    )
    assert to_duckdb("bucket(f(x, ','), 1), bucket(y, 2)") == (
        "(CASE WHEN (f(x, ',')) <= 1 THEN 0 ELSE 1 END), (CASE WHEN (y) <= 2 THEN 0 ELSE 1 END)"
    )
    assert to_duckdb("SELECT mybucket(x, 1)") == "SELECT mybucket(x, 1)"
    import duckdb

    rows = duckdb.sql(to_duckdb("SELECT bucket(x, 10, 20) FROM (VALUES (5), (10), (11), (20), (21), (NULL)) t(x)"))
    assert [r[0] for r in rows.fetchall()] == [0, 0, 1, 1, 2, 2], rows
    print("ok")
