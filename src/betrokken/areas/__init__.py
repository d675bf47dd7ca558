"""areas stage: harmonised CBS area table, quality checks, poststratification and mix.

``harmonise.build_area_tables`` -> ``quality.run_quality_checks`` ->
``poststratify`` / ``mix.compute_profile_mix`` (see docs/architecture.md).
"""
