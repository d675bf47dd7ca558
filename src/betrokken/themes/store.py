"""Write the theme tables (``theme_indicators``, ``theme_attitudes``) into a build.

Display tables only: the profile and area models never read them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from betrokken.sources.themes import themes_dir
from betrokken.themes.attitudes import compute_from_data
from betrokken.themes.indicators import COLUMNS, theme_indicators

ATTITUDE_COLUMNS = ["theme", "item", "label", "kind", "profile_id", "value", "lo", "hi", "n_eff"]


def write_theme_tables(con, data_dir: Path | None, tables) -> dict[str, int]:
    """Build and write both theme tables; empty tables when the data directory has no
    ``themes/`` folder (e.g. a download build). Returns row counts."""
    indicators = pd.DataFrame(columns=COLUMNS)
    attitudes = pd.DataFrame(columns=ATTITUDE_COLUMNS)
    if data_dir is not None and themes_dir(data_dir).is_dir():
        areas = tables.areas
        current = areas[(areas["level"] == "gemeente") & areas["is_current"].astype(bool)]
        indicators = theme_indicators(Path(data_dir), set(current["area_code"]))
        attitudes = compute_from_data(Path(data_dir))[ATTITUDE_COLUMNS]
    indicators = indicators.astype({"year": "int64", "value": "float64", "comparable": "bool"})
    attitudes = attitudes.astype({"value": "float64", "lo": "float64", "hi": "float64",
                                  "n_eff": "float64"})
    con.register("_theme_ind", indicators)
    con.execute("CREATE OR REPLACE TABLE theme_indicators AS SELECT * FROM _theme_ind")
    con.unregister("_theme_ind")
    con.register("_theme_att", attitudes)
    con.execute("CREATE OR REPLACE TABLE theme_attitudes AS SELECT * FROM _theme_att")
    con.unregister("_theme_att")
    return {"theme_indicators": len(indicators), "theme_attitudes": len(attitudes)}
