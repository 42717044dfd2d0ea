"""Feature computations. Each module defines `compute_features_fn(input_df, timestamp_column,
start_date, end_date)`; the feature job picks one by module name (`features_transform_module`)."""
