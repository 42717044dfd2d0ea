"""The NYC-taxi-like sample shipped in every project: reproducible from tooling/sample_data.py, shaped like
samples.nyctaxi.trips, with fares a model can learn from distance and duration."""

from __future__ import annotations

import statistics

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from matrix import by_id

from tooling import sample_data

SAMPLES_NYCTAXI_TRIPS = {
    "tpep_pickup_datetime": pa.timestamp("us", tz="UTC"),
    "tpep_dropoff_datetime": pa.timestamp("us", tz="UTC"),
    "trip_distance": pa.float64(),
    "fare_amount": pa.float64(),
    "pickup_zip": pa.int32(),
    "dropoff_zip": pa.int32(),
}


@pytest.fixture(scope="module")
def committed() -> pa.Table:
    return pq.read_table(sample_data.TEMPLATE_SAMPLE)


def test_regenerating_the_sample_reproduces_the_committed_file(committed, tmp_path):
    fresh = pq.read_table(sample_data.write(tmp_path / "sample.parquet"))
    assert fresh.equals(committed)
    again = pq.read_table(sample_data.write(tmp_path / "again.parquet"))
    assert again.equals(fresh)


def test_a_different_seed_gives_different_trips(committed):
    assert not sample_data.generate(seed=sample_data.SEED + 1).equals(committed)


def test_sample_has_the_columns_of_samples_nyctaxi_trips(committed):
    assert {f.name: f.type for f in committed.schema} == SAMPLES_NYCTAXI_TRIPS
    assert committed.num_rows == sample_data.ROWS
    assert committed.num_rows < 10_000  # small enough to commit
    assert all(committed.column(c).null_count == 0 for c in committed.column_names)


def test_trips_are_plausible_and_fares_follow_distance_and_duration(committed):
    rows = committed.to_pylist()
    assert all(r["tpep_dropoff_datetime"] > r["tpep_pickup_datetime"] for r in rows)
    assert all(r["trip_distance"] > 0 and r["fare_amount"] >= 2.5 for r in rows)
    minutes = [(r["tpep_dropoff_datetime"] - r["tpep_pickup_datetime"]).total_seconds() / 60 for r in rows]
    fares = [r["fare_amount"] for r in rows]
    assert statistics.correlation([r["trip_distance"] for r in rows], fares) > 0.9
    assert statistics.correlation(minutes, fares) > 0.7
    # Enough trips per pickup zip for windowed features to mean something.
    per_zip = statistics.mean(list(_counts(r["pickup_zip"] for r in rows).values()))
    assert per_zip > 50


def _counts(values):
    counts: dict = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return counts


def test_every_project_ships_the_sample_unchanged(rendered):
    project = rendered(by_id("defaults")).project
    assert (project / "data" / "sample_trips.parquet").read_bytes() == sample_data.TEMPLATE_SAMPLE.read_bytes()
