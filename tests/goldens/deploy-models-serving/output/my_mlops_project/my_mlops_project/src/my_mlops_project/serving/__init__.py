"""Real-time serving of the champion: the serving endpoint's configuration and the smoke request."""
