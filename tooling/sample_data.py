"""Generate the NYC-taxi-like sample that ships in every generated project (`<proj>/data/sample_trips.parquet`).

    python -m tooling.sample_data [--output PATH]

The rows have the schema of Databricks' `samples.nyctaxi.trips` (pickup/dropoff timestamps, trip distance,
fare, pickup/dropoff zip codes), so the generated code reads the sample and the real table alike. Fares follow
the shape of a metered fare (flag drop + distance + time in traffic, plus noise), so a model learns them from
distance and duration; trips cluster in time and place, so windowed features per zip code are meaningful.

The output depends only on SEED and ROWS: running the script twice writes the same data. It uses the standard
library's random generator (its `random()`/`gauss()` sequences are stable across Python versions), never numpy's.
"""

from __future__ import annotations

import argparse
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tooling.paths import TEMPLATE_DIR

SEED = 20160201
ROWS = 3000
START = datetime(2016, 2, 1, tzinfo=UTC)
DAYS = 14

# Where the template ships the sample (copied verbatim into every generated project).
TEMPLATE_SAMPLE = (
    TEMPLATE_DIR
    / "{{.input_root_dir}}"
    / "{{template `project_name_alphanumeric_underscore` .}}"
    / "data"
    / "sample_trips.parquet"
)

# Pickup zip codes with relative popularity: Manhattan dominates, a few Brooklyn/Queens zips and two airports.
ZIPS: list[tuple[int, float]] = [
    (10001, 9),
    (10002, 5),
    (10003, 8),
    (10009, 4),
    (10010, 5),
    (10011, 7),
    (10012, 5),
    (10013, 6),
    (10014, 5),
    (10016, 8),
    (10017, 7),
    (10018, 6),
    (10019, 8),
    (10021, 5),
    (10022, 7),
    (10023, 6),
    (10024, 4),
    (10025, 4),
    (10028, 5),
    (10036, 7),
    (10065, 5),
    (10128, 4),
    (11201, 2),
    (11211, 2),
    (11215, 1),
    (11101, 1),
    (11430, 2),
    (11371, 2),
]
AIRPORTS = {11430, 11371}

SCHEMA = pa.schema(
    [
        ("tpep_pickup_datetime", pa.timestamp("us", tz="UTC")),
        ("tpep_dropoff_datetime", pa.timestamp("us", tz="UTC")),
        ("trip_distance", pa.float64()),
        ("fare_amount", pa.float64()),
        ("pickup_zip", pa.int32()),
        ("dropoff_zip", pa.int32()),
    ]
)

# Hourly demand profile (relative number of pickups starting in each hour of the day).
HOURLY_DEMAND = [3, 2, 1, 1, 1, 2, 4, 7, 9, 8, 7, 7, 8, 8, 8, 9, 9, 10, 11, 11, 10, 9, 7, 5]


def _speed_mph(hour: int, weekend: bool) -> float:
    if weekend:
        return 14.0
    if 7 <= hour < 10 or 16 <= hour < 19:
        return 8.0
    if hour >= 22 or hour < 6:
        return 18.0
    return 11.0


def generate(seed: int = SEED, rows: int = ROWS) -> pa.Table:
    """The sample as an Arrow table, sorted by pickup time."""
    rng = random.Random(seed)
    zip_codes = [z for z, _ in ZIPS]
    zip_weights = [w for _, w in ZIPS]
    records = []
    for _ in range(rows):
        day = rng.randrange(DAYS)
        hour = rng.choices(range(24), weights=HOURLY_DEMAND)[0]
        pickup = START + timedelta(days=day, hours=hour, seconds=rng.randrange(3600))
        weekend = pickup.weekday() >= 5
        pickup_zip = rng.choices(zip_codes, weights=zip_weights)[0]
        dropoff_zip = rng.choices(zip_codes, weights=zip_weights)[0]
        if pickup_zip in AIRPORTS or dropoff_zip in AIRPORTS:
            distance = rng.uniform(8.0, 19.0)
        elif pickup_zip == dropoff_zip:
            distance = rng.uniform(0.3, 1.5)
        else:
            distance = min(math.exp(rng.gauss(0.75, 0.55)), 15.0)
        speed = _speed_mph(hour, weekend) * math.exp(rng.gauss(0.0, 0.2))
        minutes = distance / speed * 60.0 + rng.uniform(1.0, 4.0)
        dropoff = pickup + timedelta(seconds=round(minutes * 60))
        # Metered fare: flag drop, distance, time stuck in traffic, and noise (tolls, rounding, meter quirks).
        fare = 2.5 + 2.0 * distance + 0.3 * minutes + rng.gauss(0.0, 0.8)
        records.append((pickup, dropoff, round(distance, 2), round(max(fare, 2.5), 2), pickup_zip, dropoff_zip))
    records.sort(key=lambda r: (r[0], r[4], r[5]))
    columns = list(zip(*records, strict=True))
    return pa.Table.from_arrays(
        [pa.array(col, type=f.type) for col, f in zip(columns, SCHEMA, strict=True)], schema=SCHEMA
    )


def write(path: Path, seed: int = SEED, rows: int = ROWS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(generate(seed, rows), path, compression="zstd")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=TEMPLATE_SAMPLE, help="parquet file to write")
    args = parser.parse_args(argv)
    path = write(args.output)
    print(f"wrote {ROWS} trips to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
