"""A local stand-in for CBS OData, the CBS catalogue, PDOK and a file mirror.

It serves the shared data files over HTTP on 127.0.0.1 (in a thread) and behaves as the
real services do where the download build depends on it:

* ``/ODataApi/odata/<table>/...``: the standard CBS API. It never pages, and a query
  whose answer has more than 10,000 records gets HTTP 500 (as opendata.cbs.nl does).
* ``/ODataFeed/odata/<table>/...``: the bulk feed; ``TypedDataSet``, ``DataProperties``
  and ``WijkenEnBuurten`` come in pages of 10,000 records linked by ``odata.nextLink``.
* ``/ODataCatalog/Tables``: the catalogue (``$filter`` ``Identifier eq '...'`` or
  ``substringof('...',Title)``).
* ``/pdok/<year>/collections/<gemeenten|wijken|buurten>/items`` (``limit``/``offset``
  pages with a ``next`` link): the real 2022/2024 polygons, and hand-made buurten. As
  on PDOK, a few areas also have a *water part*: a second feature with the same code
  and ``"water": "JA"`` (land parts say ``"NEE"``).
* ``/mirror/cbs/<file>``: the file itself (Content-Length, HTTP ``Range``).

Tables: 85984NED (KWB 2024) has the gemeente and wijk rows of the real extract, three
hand-made buurten, and every other buurt code of the real KWB 2022 region list without
figures, so the table has its real size (about 18,000 regions: above the 10,000-record
limit). 85318NED (KWB 2022, real keys and region titles) has the gemeente rows rebuilt
from the real 2022 file, wijken derived from the real 2024 wijken placed in the real
2022 gemeenten (``_wijken_2022``), the 11 real 2022 buurten of WK034401 cut from that
wijk (``_buurten_2022``), and every other region code without figures; PDOK 2022
serves the matching wijken and buurten. ``FakeServices(data_dir, renumber=4)``
serves a later release of 85984NED whose key numbers above 100 are shifted
(``OppervlakteLand_127`` instead of ``_123``), as CBS does between releases.

Faults for the robustness tests: ``services.faults[(path, skip_or_offset)]`` is a list
of actions used one per request: ``"503"`` (server error), ``"slow"`` (answers after
``SLOW_S`` seconds), ``"cut"`` (announces the full length, sends half, closes).
"""

from __future__ import annotations

import functools
import json
import math
import threading
import time
import zipfile
from collections import Counter
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlparse

import geopandas as gpd
import pandas as pd
import shapely

from betrokken.sources import pc4_cbs

API_MAX_RECORDS = 10_000
FEED_PAGE_SIZE = 10_000
SLOW_S = 3.0
KWB_2024_KEYS: dict[str, str] = {
    "AantalInwoners": "AantalInwoners_5", "Mannen": "Mannen_6", "Vrouwen": "Vrouwen_7",
    "k_0Tot15Jaar": "k_0Tot15Jaar_8", "k_15Tot25Jaar": "k_15Tot25Jaar_9",
    "k_25Tot45Jaar": "k_25Tot45Jaar_10", "k_45Tot65Jaar": "k_45Tot65Jaar_11",
    "k_65JaarOfOuder": "k_65JaarOfOuder_12", "Nederland": "Nederland_17",
    "EuropaExclusiefNederland": "EuropaExclusiefNederland_18",
    "BuitenEuropa": "BuitenEuropa_19", "HuishoudensTotaal": "HuishoudensTotaal_29",
    "Eenpersoonshuishoudens": "Eenpersoonshuishoudens_30",
    "HuishoudensZonderKinderen": "HuishoudensZonderKinderen_31",
    "HuishoudensMetKinderen": "HuishoudensMetKinderen_32",
    "Bevolkingsdichtheid": "Bevolkingsdichtheid_34", "Woningvoorraad": "Woningvoorraad_35",
    "OppervlakteTotaal": "OppervlakteTotaal_122", "OppervlakteLand": "OppervlakteLand_123",
    "OppervlakteWater": "OppervlakteWater_124",
    "Omgevingsadressendichtheid": "Omgevingsadressendichtheid_121",
    "MateVanStedelijkheid": "MateVanStedelijkheid_120",
}
"""The keys of the 85984NED release the local extract was taken from."""
CATALOGUE = [
    {"Identifier": "85318NED", "Title": "Kerncijfers wijken en buurten 2022",
     "ShortTitle": "Kerncijfers wijken en buurten 2022", "Period": "2022"},
    {"Identifier": "85618NED", "Title": "Kerncijfers wijken en buurten 2023",
     "ShortTitle": "Kerncijfers wijken en buurten 2023", "Period": "2023"},
    {"Identifier": "85984NED", "Title": "Kerncijfers wijken en buurten 2024",
     "ShortTitle": "Kerncijfers wijken en buurten 2024", "Period": "2024"},
    {"Identifier": "50090NED", "Title": "Gezondheid per wijk en buurt; 2020 (indeling 2020)",
     "ShortTitle": "Gezondheid per wijk en buurt; 2020", "Period": "2020"},
]
WATER_CODES = {"gemeenten": ("GM0344", "GM0363", "GM0014"),
               "wijken": ("WK034401", "WK034402", "WK036300"),
               "buurten": ("BU03440101", "BU03440111")}
"""Areas that get a water part (a ring around the land part) in the fake PDOK."""

PAGE_SIZE = 1000

HAND_MADE_BUURTEN = [
    # code, name, inwoners, man, vrouw, ages(5), herkomst(3), households(total, 1p, zk, mk)
    ("BU03440101", "Lombok-Oost", 3200, 1570, 1630, (400, 520, 1300, 600, 380),
     (1800, 450, 950), (1700, 900, 380, 420)),
    ("BU03440102", "Lombok-West", 2900, 1450, 1450, (380, 450, 1150, 560, 360),
     (1600, 380, 920), (1500, 760, 350, 390)),
    ("BU03440103", "Leidseweg", 40, 20, 20, (None, None, None, None, None),
     (None, None, None), (None, None, None, None)),
]
"""Three buurten of WK034401 (Utrecht West); the last one small and secret (NULLs)."""


def _renumbered(key: str, shift: int) -> str:
    head, _, tail = key.rpartition("_")
    return f"{head}_{int(tail) + shift}" if shift and tail.isdigit() and int(tail) >= 100 else key


def _region_list(data_dir: Path) -> pd.DataFrame:
    frame = pd.read_csv(data_dir / "cbs" / "kwb_2022_85318NED_regions.csv", dtype=str,
                        keep_default_na=False)
    return frame[frame["Key"].str.match(r"^(WK|BU)")]


def _odata_rows(data_dir: Path) -> list[dict]:
    frame = pd.read_csv(data_dir / "cbs" / "kwb_2024_85984NED_gemeente_wijk_population.csv")
    rows = []
    for record in frame.to_dict("records"):
        row = {k: v for k, v in record.items() if k not in ("regio_code", "level")}
        row = {k: (None if isinstance(v, float) and math.isnan(v) else v)
               for k, v in row.items()}
        row["WijkenEnBuurten"] = f"{record['regio_code']:<10}"  # CBS pads codes
        rows.append(row)
    for code, _, pop, men, women, ages, origin, hh in HAND_MADE_BUURTEN:
        keys = ["k_0Tot15Jaar_8", "k_15Tot25Jaar_9", "k_25Tot45Jaar_10", "k_45Tot65Jaar_11",
                "k_65JaarOfOuder_12", "Nederland_17", "EuropaExclusiefNederland_18",
                "BuitenEuropa_19", "HuishoudensTotaal_29", "Eenpersoonshuishoudens_30",
                "HuishoudensZonderKinderen_31", "HuishoudensMetKinderen_32"]
        row = dict(zip(keys, (*ages, *origin, *hh), strict=True))
        row.update({"WijkenEnBuurten": f"{code:<10}", "AantalInwoners_5": pop,
                    "Mannen_6": men, "Vrouwen_7": women, "OppervlakteLand_123": 50,
                    "MateVanStedelijkheid_120": 1, "Omgevingsadressendichtheid_121": 6500})
        rows.append(row)
    hand_made = {b[0] for b in HAND_MADE_BUURTEN}
    for key in _region_list(data_dir)["Key"]:
        if key.startswith("BU") and key.strip() not in hand_made:
            rows.append({"WijkenEnBuurten": key})  # a buurt without figures here
    return rows


def _pct_to_count(pct: pd.Series, base: pd.Series) -> list:
    counts = (pct / 100 * base).round()
    return [None if pd.isna(v) else int(v) for v in counts]


def _add_kwb_2024_topics(rows: list[dict], data_dir: Path) -> None:
    """Age, herkomst and household counts per gemeente and wijk, as 85984NED has them.

    Rebuilt from the real attribute files (percentages x totals); wijk herkomst and
    household types are not in the offline files and stay NULL here.
    """
    cbs = data_dir / "cbs"
    gm = pd.read_csv(cbs / "gemeente_2024_kwb_geoinzicht_attributes.csv")
    wk = pd.read_csv(cbs / "wijk_2024_kwb_basic_geoinzicht_attributes.csv")
    topics: dict[str, dict] = {}
    for frame, code in ((gm, "gemeentecode"), (wk, "wijkcode")):
        pop, hh = frame["aantal_inwoners"], frame["huishoudens"]
        cols = {"k_0Tot15Jaar_8": ("0_15", pop), "k_15Tot25Jaar_9": ("15_25", pop),
                "k_25Tot45Jaar_10": ("25_45", pop), "k_45Tot65Jaar_11": ("45_65", pop),
                "k_65JaarOfOuder_12": ("65plus", pop),
                "Nederland_17": ("pct_herkomst_nl", pop),
                "EuropaExclusiefNederland_18": ("pct_herkomst_europa", pop),
                "BuitenEuropa_19": ("pct_herkomst_buiten_europa", pop),
                "Eenpersoonshuishoudens_30": ("pct_eenpersoonshhd", hh),
                "HuishoudensZonderKinderen_31": ("pct_hhd_zonder_kind", hh),
                "HuishoudensMetKinderen_32": ("pct_hhd_met_kind", hh)}
        values = {key: (_pct_to_count(frame[src], base) if src in frame else [None] * len(frame))
                  for key, (src, base) in cols.items()}
        values["HuishoudensTotaal_29"] = [None if pd.isna(v) else int(v) for v in hh]
        for extra, src in (("Omgevingsadressendichtheid_121", "omgevingsadressendichtheid"),
                           ("MateVanStedelijkheid_120", "stedelijkheid")):
            values[extra] = ([None if pd.isna(v) else int(v) for v in frame[src]]
                             if src in frame else [None] * len(frame))
        for i, area in enumerate(frame[code]):
            topics[area] = {k: v[i] for k, v in values.items()}
    for row in rows:
        row.update(topics.get(row["WijkenEnBuurten"].strip(), {}))


def _kwb_2022(data_dir: Path) -> tuple[list[dict], list[dict], list[dict], dict]:
    """85318NED as StatLine serves it (real keys): gemeente rows rebuilt from the real 2022
    attribute file, wijken and one wijk's buurten derived (``_wijken_2022``,
    ``_buurten_2022``), every other region code of the real list without figures; with
    the region titles and the derived PDOK 2022 wijken and buurten."""
    cbs = data_dir / "cbs"
    props = pd.read_csv(cbs / "kwb_2022_85318NED_DataProperties.csv")
    props = [{"Key": k, "Type": t} for k, t in zip(props["Key"], props["Type"], strict=True)
             if isinstance(k, str) and k]
    g = pd.read_csv(cbs / "gemeente_2022_kwb_geoinzicht_attributes.csv")
    pop, hh = g["aantal_inwoners"], g["huishoudens"]
    as_is = {"AantalInwoners_5": "aantal_inwoners", "Mannen_6": "mannen",
             "Vrouwen_7": "vrouwen", "HuishoudensTotaal_28": "huishoudens",
             "Woningvoorraad_34": "woningvoorraad", "GemiddeldeWoningwaarde_35": "gem_woz_waarde",
             "Koopwoningen_40": "koopwoningen", "OpleidingsniveauLaag_64": "opl_laag",
             "OpleidingsniveauMiddelbaar_65": "opl_midden", "OpleidingsniveauHoog_66": "opl_hoog",
             "GemiddeldInkomenPerInwoner_72": "gem_inkomen_inwoner",
             "k_40HuishoudensMetLaagsteInkomen_76": "pct_hh_laag_inkomen",
             "k_20HuishoudensMetHoogsteInkomen_77": "pct_hh_hoog_inkomen",
             "MateVanStedelijkheid_116": "stedelijkheid",
             "Omgevingsadressendichtheid_117": "omgevingsadressendichtheid"}
    counted = {"k_0Tot15Jaar_8": ("0_15", pop), "k_15Tot25Jaar_9": ("15_25", pop),
               "k_25Tot45Jaar_10": ("25_45", pop), "k_45Tot65Jaar_11": ("45_65", pop),
               "k_65JaarOfOuder_12": ("65plus", pop),
               "Eenpersoonshuishoudens_29": ("pct_eenpersoonshhd", hh),
               "HuishoudensZonderKinderen_30": ("pct_hhd_zonder_kind", hh),
               "HuishoudensMetKinderen_31": ("pct_hhd_met_kind", hh)}
    rows = []
    for i, code in enumerate(g["gemeentecode"]):
        row = {"WijkenEnBuurten": f"{code:<10}"}
        for key, src in as_is.items():
            v = g[src].iloc[i]
            row[key] = None if pd.isna(v) else float(v)
        for key, (src, base) in counted.items():
            row[key] = _pct_to_count(g[src].iloc[[i]], base.iloc[[i]])[0]
        rows.append(row)
    wijk_rows, wijk_titles, wijk_features = _wijken_2022(data_dir, g)
    buurt_rows, buurt_titles, buurt_features = _buurten_2022(data_dir, wijk_rows,
                                                             wijk_features, g)
    derived = {r["WijkenEnBuurten"].strip() for r in (*wijk_rows, *buurt_rows)}
    rows += wijk_rows + buurt_rows
    regions = _region_list(data_dir)
    rows += [{"WijkenEnBuurten": key} for key in regions["Key"] if key.strip() not in derived]
    titles = [{"Key": f"{c:<10}", "Title": n}
              for c, n in zip(g["gemeentecode"], g["gemeentenaam"], strict=True)]
    titles += wijk_titles + buurt_titles
    titles += [{"Key": k, "Title": t} for k, t in zip(regions["Key"], regions["Title"],
                                                      strict=True) if k.strip() not in derived]
    features = {"wijken": _with_water(wijk_features, "wijkcode", "wijken"),
                "buurten": _with_water(buurt_features, "buurtcode", "buurten")}
    return props, rows, titles, features


def _wijken_2022(data_dir: Path, g: pd.DataFrame) -> tuple[list[dict], list[dict], list[dict]]:
    """85318NED wijk rows and PDOK 2022 wijken, derived from the real 2024 wijken.

    No 2022 wijk file is offline. Each populated 2024 wijk is placed in the 2022 gemeente
    that holds a point inside it (the real 2022 polygons); inside a gemeente that merged
    later it gets a code of that 2022 gemeente (``WK0501nn`` for a wijk of Voorne aan Zee,
    ``WK0457nn`` for Weesp), as the 2022 indeling had. Counts are the 2024 ones scaled so
    the wijken of each gemeente add up to its real 2022 population; age counts from the
    2024 shares. Household types and herkomst are not published per wijk here (NULL).
    """
    import geopandas as gpd

    cbs = data_dir / "cbs"
    w = gpd.read_file(cbs / "wijk_2024_kwb_basic_geoinzicht.geojson")
    w = w[w["aantal_inwoners"].notna() & (w["gemeentecode"] != "GM0998")].reset_index(drop=True)
    gm = gpd.read_file(cbs / "gemeente_2022_kwb_geoinzicht.geojson")
    gm = gm[gm["gemeentecode"] != "GM0998"]
    points = gpd.GeoDataFrame({"i": range(len(w))}, crs=w.crs, geometry=shapely.point_on_surface(
        shapely.make_valid(w.geometry.to_numpy()))).to_crs("EPSG:28992")
    joined = gpd.sjoin_nearest(points, gm[["gemeentecode", "geometry"]].to_crs("EPSG:28992"),
                               how="left").drop_duplicates("i").set_index("i")
    w["gm22"] = joined["gemeentecode"].reindex(w.index).to_numpy()
    w = w.sort_values(["gm22", "wijkcode"]).reset_index(drop=True)
    moved = w["gm22"] != w["gemeentecode"]
    number = w[moved].groupby("gm22").cumcount()
    w["code"] = w["wijkcode"]
    w.loc[moved, "code"] = "WK" + w.loc[moved, "gm22"].str[2:] + number.map("{:02d}".format)
    pop22 = g.set_index("gemeentecode")["aantal_inwoners"]
    factor = pop22.reindex(w["gm22"]).to_numpy() / w.groupby("gm22")["aantal_inwoners"].transform(
        "sum").to_numpy()
    rows, titles, features = [], [], []
    ages = ("0_15", "15_25", "25_45", "45_65", "65plus")
    for i, r in w.iterrows():
        pop = round(r["aantal_inwoners"] * factor[i])
        row = {"WijkenEnBuurten": f"{r['code']:<10}", "AantalInwoners_5": pop,
               "Mannen_6": round(r["mannen"] * factor[i]),
               "Vrouwen_7": round(r["vrouwen"] * factor[i]),
               "HuishoudensTotaal_28": (None if pd.isna(r["huishoudens"])
                                        else round(r["huishoudens"] * factor[i]))}
        for n, age in enumerate(ages):
            row[f"{KWB_2022_AGE_KEYS[n]}"] = (None if pd.isna(r[age])
                                             else round(r[age] / 100 * pop))
        rows.append(row)
        titles.append({"Key": f"{r['code']:<10}", "Title": r["wijknaam"]})
        features.append({"type": "Feature", "properties": {"wijkcode": r["code"],
                                                           "gemeentecode": r["gm22"]},
                         "geometry": shapely.geometry.mapping(r["geometry"])})
    return rows, titles, features


KWB_2022_AGE_KEYS = ("k_0Tot15Jaar_8", "k_15Tot25Jaar_9", "k_25Tot45Jaar_10",
                     "k_45Tot65Jaar_11", "k_65JaarOfOuder_12")
BUURT_2022_WIJK = "WK034401"
"""The wijk whose real 2022 buurt codes get figures and polygons in the fake."""


def _buurten_2022(data_dir: Path, wijk_rows: list[dict], wijk_features: list[dict],
                  g: pd.DataFrame) -> tuple[list[dict], list[dict], list[dict]]:
    """The real 2022 buurten of ``BUURT_2022_WIJK`` (codes and names from the region list),
    derived from their wijk: the wijk polygon cut into strips, the wijk's counts split
    evenly, household types from the gemeente's shares. The last buurt is small (40
    residents) and secret (NULL figures), as CBS publishes such buurten."""
    regions = _region_list(data_dir)
    mine = regions[regions["Key"].str.startswith("BU" + BUURT_2022_WIJK[2:])]
    wijk = next(r for r in wijk_rows if r["WijkenEnBuurten"].strip() == BUURT_2022_WIJK)
    shape = shapely.geometry.shape(next(f for f in wijk_features
                                        if f["properties"]["wijkcode"] == BUURT_2022_WIJK)[
                                            "geometry"])
    x0, y0, x1, y1 = shape.bounds
    n = len(mine)
    gm = g.set_index("gemeentecode").loc["GM" + BUURT_2022_WIJK[2:6]]
    rows, titles, features = [], [], []
    for k, (key, title) in enumerate(zip(mine["Key"], mine["Title"], strict=True)):
        code = key.strip()
        if k == n - 1:
            row = {"AantalInwoners_5": 40}
        else:
            pop = round((wijk["AantalInwoners_5"] - 40) / (n - 1))
            share = pop / wijk["AantalInwoners_5"]
            row = {"AantalInwoners_5": pop}
            for key2 in ("Mannen_6", "Vrouwen_7", *KWB_2022_AGE_KEYS, "HuishoudensTotaal_28"):
                row[key2] = round(wijk[key2] * share)
            hh = row["HuishoudensTotaal_28"]
            for key2, src in (("Eenpersoonshuishoudens_29", "pct_eenpersoonshhd"),
                              ("HuishoudensZonderKinderen_30", "pct_hhd_zonder_kind"),
                              ("HuishoudensMetKinderen_31", "pct_hhd_met_kind")):
                row[key2] = round(gm[src] / 100 * hh)
        row["WijkenEnBuurten"] = key
        rows.append(row)
        titles.append({"Key": key, "Title": title})
        strip = shapely.box(x0 + (x1 - x0) * k / n, y0, x0 + (x1 - x0) * (k + 1) / n, y1)
        features.append({"type": "Feature",
                         "properties": {"buurtcode": code, "wijkcode": BUURT_2022_WIJK},
                         "geometry": shapely.geometry.mapping(shape.intersection(strip))})
    return rows, titles, features


def _with_water(features: list[dict], code: str, collection: str) -> list[dict]:
    """Land parts say ``water: NEE``; a few areas get a water part (``JA``) as on PDOK."""
    out = []
    for feature in features:
        feature["properties"]["water"] = "NEE"
        out.append(feature)
        if feature["properties"][code] in WATER_CODES[collection]:
            land = shapely.geometry.shape(feature["geometry"])
            ring = land.buffer(0.004).difference(land)
            out.append({"type": "Feature", "properties": {**feature["properties"],
                                                          "water": "JA"},
                        "geometry": shapely.geometry.mapping(ring)})
    return out


def _geojson_features(path: Path, code: str, collection: str) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return _with_water([{"type": "Feature", "properties": {code: f["properties"][code]},
                         "geometry": f["geometry"]} for f in data["features"]],
                       code, collection)


def _region_titles(data_dir: Path) -> list[dict]:
    wijk = pd.read_csv(data_dir / "cbs" / "wijk_2024_kwb_basic_geoinzicht_attributes.csv")
    gm = pd.read_csv(data_dir / "cbs" / "gemeente_2024_kwb_geoinzicht_attributes.csv")
    titles = [{"Key": f"{c:<10}", "Title": n} for c, n in
              zip(gm["gemeentecode"], gm["gemeentenaam"], strict=True)]
    titles += [{"Key": f"{c:<10}", "Title": n} for c, n in
               zip(wijk["wijkcode"], wijk["wijknaam"], strict=True)]
    titles += [{"Key": f"{b[0]:<10}", "Title": b[1]} for b in HAND_MADE_BUURTEN]
    hand_made = {b[0] for b in HAND_MADE_BUURTEN}
    regions = _region_list(data_dir)
    titles += [{"Key": k, "Title": t} for k, t in zip(regions["Key"], regions["Title"],
                                                      strict=True)
               if k.startswith("BU") and k.strip() not in hand_made]
    return titles


def _buurt_features() -> list[dict]:
    features = []
    for i, (code, name, *_rest) in enumerate(HAND_MADE_BUURTEN):
        x0, y0 = 5.095 + 0.004 * i, 52.090  # lon/lat (CRS84) in Utrecht West
        ring = [[x0, y0], [x0 + 0.004, y0], [x0 + 0.004, y0 + 0.003], [x0, y0 + 0.003],
                [x0, y0]]
        features.append({"type": "Feature", "id": code,
                         "properties": {"buurtcode": code, "buurtnaam": name,
                                        "wijkcode": "WK" + code[2:8]},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return _with_water(features, "buurtcode", "buurten")


def _gezondheidsmonitor_2020(data_dir: Path) -> tuple[list[dict], list[dict], list[dict]]:
    """50090NED as StatLine serves it: 18+ and 65+ rows (dimension ``Leeftijd``), numbers
    as JSON numbers, suppressed values as null, region keys padded to 10 characters."""
    folder = data_dir / "gezondheidsmonitor"
    frames = [pd.read_csv(folder / name, dtype=str, keep_default_na=False) for name in (
        "gezondheidsmonitor_2020_18plus_50090NED_gwb.csv",
        "gezondheidsmonitor_2020_65plus_50090NED_gwb.csv")]
    frame = pd.concat(frames, ignore_index=True)
    rows = []
    text_cols = {"ID", "Leeftijd", "Marges", "WijkenEnBuurten", "Perioden", "Gemeentenaam_1",
                 "SoortRegio_2", "Codering_3"}
    for record in frame.to_dict(orient="records"):
        row = {}
        for key, value in record.items():
            value = value.strip()
            if key in text_cols:
                row[key] = value.ljust(10) if key == "WijkenEnBuurten" else value
            else:
                row[key] = None if value in ("", ".") else float(value)
        rows.append(row)
    props = [{"Key": k, "Type": "Topic"} for k in frame.columns if k not in text_cols]
    titles = [{"Key": r["WijkenEnBuurten"], "Title": r["Gemeentenaam_1"]} for r in rows]
    return props, titles, rows


class FakeServices:
    """Start with ``FakeServices(data_dir)``; use ``.url``, ``.requests``, ``.faults``,
    ``.close()``. ``renumber`` shifts the 85984NED key numbers above 100 (a later release).
    """

    def __init__(self, data_dir: Path, *, renumber: int = 0):
        self.data_dir = Path(data_dir)
        rows = _odata_rows(self.data_dir)
        _add_kwb_2024_topics(rows, self.data_dir)
        self.rows = [{_renumbered(k, renumber): v for k, v in r.items()} for r in rows]
        self.keys_2024 = [_renumbered(k, renumber) for k in KWB_2024_KEYS.values()]
        self.titles = _region_titles(self.data_dir)
        self.props_2022, self.rows_2022, self.titles_2022, features_2022 = _kwb_2022(
            self.data_dir)
        cbs = self.data_dir / "cbs"
        self.features = {
            ("2024", "buurten"): _buurt_features(),
            ("2024", "gemeenten"): _geojson_features(
                cbs / "gemeente_2024_kwb_geoinzicht.geojson", "gemeentecode", "gemeenten"),
            ("2022", "gemeenten"): _geojson_features(
                cbs / "gemeente_2022_kwb_geoinzicht.geojson", "gemeentecode", "gemeenten"),
            ("2024", "wijken"): _geojson_features(
                cbs / "wijk_2024_kwb_basic_geoinzicht.geojson", "wijkcode", "wijken"),
            ("2022", "wijken"): features_2022["wijken"],
            ("2022", "buurten"): features_2022["buurten"],
        }
        self.gezondheidsmonitor = _gezondheidsmonitor_2020(self.data_dir)
        self.requests: Counter[str] = Counter()
        self.pages: Counter[tuple[str, int]] = Counter()
        """Requests per (path, $skip or offset): which pages were asked how often."""
        self.faults: dict[tuple[str, int], list[str]] = {}
        self.lock = threading.Lock()
        services = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):  # noqa: N802 - http.server API
                parsed = urlparse(self.path)
                path = unquote(parsed.path)
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                services.requests[path] += 1
                position = int(query.get("$skip", query.get("offset", 0)))
                services.pages[(path, position)] += 1
                with services.lock:
                    actions = services.faults.get((path, position), [])
                    action = actions.pop(0) if actions else None
                if action == "503":
                    self.send_error(503, "Service Unavailable")
                    return
                if action == "slow":
                    time.sleep(SLOW_S)
                try:
                    status, body, ctype = services.answer(path, query,
                                                          self.headers.get("Range"))
                except KeyError:
                    self.send_error(404)
                    return
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if status == 206 or path.startswith("/mirror/"):
                    self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                if action == "cut":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # client gave up (timeout)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def odata_tables(self) -> dict[str, tuple[list[dict], list[dict], list[dict]]]:
        props_2024 = [{"Key": "WijkenEnBuurten", "Type": "GeoDetail"}]
        props_2024 += [{"Key": key, "Type": "Topic"} for key in self.keys_2024]
        return {"85984NED": (props_2024, self.titles, self.rows),
                "85318NED": (self.props_2022, self.titles_2022, self.rows_2022),
                "50090NED": self.gezondheidsmonitor}

    def answer(self, path: str, query: dict, range_header: str | None = None
               ) -> tuple[int, bytes, str]:
        if path.startswith(("/mirror/cbs/", "/mirror/gezondheidsmonitor/")):
            file = self.data_dir / Path(path).parent.name / Path(path).name
            if not file.is_file():
                raise KeyError(path)
            data = file.read_bytes()
            if range_header and range_header.startswith("bytes="):
                start = int(range_header[6:].split("-")[0])
                return 206, data[start:], "application/octet-stream"
            return 200, data, "application/octet-stream"
        parts = path.strip("/").split("/")
        if parts[0] in ("ODataApi", "ODataFeed") and len(parts) == 4 and parts[1] == "odata":
            return self._odata(parts[0], parts[2], parts[3], path, query)
        if parts == ["ODataCatalog", "Tables"]:
            return self._catalogue(query.get("$filter", ""))
        if parts[0] == "pdok" and len(parts) == 5 and parts[2:] == ["collections", parts[3],
                                                                       "items"]:
            features = self.features[(parts[1], parts[3])]
            limit = min(int(query.get("limit", 10)), 1000)
            if parts[3] == "buurten":
                limit = min(limit, 2)  # small pages: exercise 'next'
            offset = int(query.get("offset", 0))
            body = {"type": "FeatureCollection",
                    "features": features[offset:offset + limit], "links": []}
            if offset + limit < len(features):
                nxt = urlencode({"f": "json", "limit": limit, "offset": offset + limit})
                body["links"].append({"rel": "next", "href": f"{self.url}{path}?{nxt}"})
            return self._json(body)
        raise KeyError(path)

    def _odata(self, service: str, table: str, what: str, path: str, query: dict
               ) -> tuple[int, bytes, str]:
        if table not in self.odata_tables():
            raise KeyError(path)
        props, titles, rows = self.odata_tables()[table]
        records = {"DataProperties": props, "WijkenEnBuurten": titles,
                   "TypedDataSet": rows}.get(what)
        if records is None:
            raise KeyError(path)
        select = [k for k in query.get("$select", "").split(",") if k]
        if select:
            records = [{k: r.get(k) for k in select} for r in records]
        skip = int(query.get("$skip", 0))
        if service == "ODataApi":  # no paging; more than 10,000 records is an error
            top = int(query["$top"]) if "$top" in query else None
            answer = records[skip:skip + top] if top is not None else records[skip:]
            if len(answer) > API_MAX_RECORDS:
                status, body, ctype = self._json({"odata.error": {
                    "code": "", "message": {"lang": "nl-NL", "value":
                                            "De opgevraagde dataset is te groot (meer dan "
                                            "10000 records)."}}})
                return 500, body, ctype
            return self._json({"odata.metadata": "", "value": answer})
        page = records[skip:skip + FEED_PAGE_SIZE]
        body: dict = {"odata.metadata": "", "value": page}
        if skip + FEED_PAGE_SIZE < len(records):
            nxt = {"$format": "json", "$skip": skip + FEED_PAGE_SIZE}
            if select:
                nxt["$select"] = ",".join(select)
            body["odata.nextLink"] = f"{self.url}{path}?{urlencode(nxt)}"
        return self._json(body)

    def _catalogue(self, filter_expr: str) -> tuple[int, bytes, str]:
        found = CATALOGUE
        if filter_expr.startswith("Identifier eq "):
            wanted = filter_expr.split("'")[1]
            found = [t for t in CATALOGUE if t["Identifier"] == wanted]
        elif filter_expr.startswith("substringof("):
            text = filter_expr.split("'")[1]
            found = [t for t in CATALOGUE if text in t["Title"]]
        return self._json({"value": found})

    @staticmethod
    def _json(data: dict) -> tuple[int, bytes, str]:
        return 200, json.dumps(data).encode(), "application/json"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- PC4 ZIP


BANDS = {"aantal_inwoners_0_tot_15_jaar": (0, 14), "aantal_inwoners_15_tot_25_jaar": (15, 24),
         "aantal_inwoners_25_tot_45_jaar": (25, 44), "aantal_inwoners_45_tot_65_jaar": (45, 64),
         "aantal_inwoners_65_jaar_en_ouder": (65, 200)}


def cbs_layout(data_dir: Path) -> gpd.GeoDataFrame:
    """The shared 2020 polygons + 2021 population and age files as CBS publishes PC4."""
    cbs = data_dir / "cbs"
    poly = gpd.read_file(cbs / "pc4_2020_boundaries_certegis.gpkg", layer="pc4")
    places = pd.read_csv(cbs / "pc4_2021_population_places_certegis.csv",
                         dtype={"postcode": str})
    ages = pd.read_csv(cbs / "pc4_2021_population_by_age5_sex_certegis.csv",
                       dtype={"postcode": str})
    lower = ages["leeftijd"].str.extract(r"^(\d+)")[0].astype(int)
    bands = pd.DataFrame({
        name: ages["inwoners"].where(lower.between(lo, hi)).groupby(ages["postcode"]).sum(
            min_count=1) for name, (lo, hi) in BANDS.items()})
    secret_band = {name: ages["inwoners"].isna().where(lower.between(lo, hi), False).groupby(
        ages["postcode"]).any() for name, (lo, hi) in BANDS.items()}
    for name in BANDS:
        bands[name] = bands[name].mask(secret_band[name])
    table = places.set_index("postcode")[["inwoners", "inwoners_man", "inwoners_vrouw"]]
    table.columns = ["aantal_inwoners", "aantal_mannen", "aantal_vrouwen"]
    table = table.join(bands)
    out = poly[["postcode", "geometry"]].merge(table, left_on="postcode", right_index=True,
                                               how="left")
    numbers = [c for c in out.columns if c not in ("postcode", "geometry")]
    out[numbers] = out[numbers].fillna(-99997).astype("int64")  # CBS: geheim
    out["postcode"] = out["postcode"].astype(int)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=poly.crs)


def write_zip(frame: gpd.GeoDataFrame, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    gpkg = folder / "cbs_pc4_2021_vol.gpkg"
    frame.to_file(gpkg, layer="cbs_pc4_2021", driver="GPKG")
    target = folder / pc4_cbs.PC4_RELEASE
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(gpkg, gpkg.name)
    gpkg.unlink()
    return target


class FileServer:
    """Serves a folder over HTTP on 127.0.0.1 and counts the requests per path."""

    def __init__(self, folder: Path):
        self.requests: Counter[str] = Counter()
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 - http.server API
                server.requests[self.path] += 1
                super().do_GET()

        self.httpd = ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
