"""Features: `trip_features` derives the model inputs of every trip.

With the feature store, each of the other modules computes one feature table: it defines
`compute_features_fn(input_df, timestamp_column, start_date, end_date)`, and the feature job picks
it by module name (`features_transform_module`); `lookups` says how training and scoring look the
features up.
"""
