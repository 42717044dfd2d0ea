"""The data the model learns from: the columns of the raw trips and the label.

The jobs read raw trips from the table in the bundle variable `input_table_name` (databricks.yml;
`data/sample_trips.parquet` is a sample with the same columns): tpep_pickup_datetime,
tpep_dropoff_datetime, trip_distance, fare_amount, pickup_zip, dropoff_zip. To learn from other
data, change the names here and the feature code in `features/`.
"""

# What the model predicts. Training, validation, the prediction table and the monitor all use it.
LABEL_COLUMN = "fare_amount"
PICKUP_TIMESTAMP_COLUMN = "tpep_pickup_datetime"
DROPOFF_TIMESTAMP_COLUMN = "tpep_dropoff_datetime"
# Raw timestamps: features are derived from them, but they are not model inputs themselves.
RAW_TIMESTAMP_COLUMNS = [PICKUP_TIMESTAMP_COLUMN, DROPOFF_TIMESTAMP_COLUMN]
# What identifies a trip: the hold-out split of `data_split.py` hashes these columns.
TRIP_KEY_COLUMNS = [*RAW_TIMESTAMP_COLUMNS, "pickup_zip", "dropoff_zip"]
