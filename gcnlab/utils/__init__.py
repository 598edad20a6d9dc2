"""Small helpers every layer may use: seeding and devices, statistics, atomic file writes."""
