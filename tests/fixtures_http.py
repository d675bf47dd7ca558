"""A local stand-in for CBS OData, PDOK and a file mirror, for the download-path tests.

It serves the shared data files over HTTP on 127.0.0.1 (in a thread) and answers the
few OData v3 and OGC API Features requests that ``betrokken.sources.download`` makes:

* ``/mirror/cbs/<file>``: the file itself (with Content-Length);
* ``/odata/85984NED/DataProperties``, ``/WijkenEnBuurten``, ``/TypedDataSet``
  (``$select``, paging through ``odata.nextLink`` with ``$skip``): the gemeente and wijk
  rows of the real 85984NED extract, plus a few buurt rows written by hand below;
* ``/pdok/<year>/collections/<gemeenten|wijken|buurten>/items`` (``limit``/``offset``
  pages with a ``next`` link): the real 2022/2024 polygons, and hand-made buurten;
* ``/odata/85318NED/...``: KWB 2022 gemeente rows with the real keys of its
  DataProperties, values rebuilt from the real 2022 attribute file.

The buurt rows are small hand-made fixtures (there is no buurt file offline); every
gemeente/wijk number comes from the real file.
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlparse

import pandas as pd

from betrokken.sources.download import KWB_2024_KEYS

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


def _kwb_2022(data_dir: Path) -> tuple[list[dict], list[dict]]:
    """85318NED gemeente rows rebuilt from the real 2022 attribute file, real keys."""
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
    return props, rows


def _geojson_features(path: Path, code: str) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [{"type": "Feature", "properties": {code: f["properties"][code]},
             "geometry": f["geometry"]} for f in data["features"]]


def _region_titles(data_dir: Path) -> list[dict]:
    wijk = pd.read_csv(data_dir / "cbs" / "wijk_2024_kwb_basic_geoinzicht_attributes.csv")
    gm = pd.read_csv(data_dir / "cbs" / "gemeente_2024_kwb_geoinzicht_attributes.csv")
    titles = [{"Key": f"{c:<10}", "Title": n} for c, n in
              zip(gm["gemeentecode"], gm["gemeentenaam"], strict=True)]
    titles += [{"Key": f"{c:<10}", "Title": n} for c, n in
               zip(wijk["wijkcode"], wijk["wijknaam"], strict=True)]
    titles += [{"Key": f"{b[0]:<10}", "Title": b[1]} for b in HAND_MADE_BUURTEN]
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
    return features


class FakeServices:
    """Start with ``FakeServices(data_dir)``; use ``.url``, ``.requests``, ``.close()``."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.rows = _odata_rows(self.data_dir)
        _add_kwb_2024_topics(self.rows, self.data_dir)
        self.titles = _region_titles(self.data_dir)
        self.props_2022, self.rows_2022 = _kwb_2022(self.data_dir)
        cbs = self.data_dir / "cbs"
        self.features = {
            ("2024", "buurten"): _buurt_features(),
            ("2024", "gemeenten"): _geojson_features(
                cbs / "gemeente_2024_kwb_geoinzicht.geojson", "gemeentecode"),
            ("2022", "gemeenten"): _geojson_features(
                cbs / "gemeente_2022_kwb_geoinzicht.geojson", "gemeentecode"),
            ("2024", "wijken"): _geojson_features(
                cbs / "wijk_2024_kwb_basic_geoinzicht.geojson", "wijkcode"),
        }
        self.requests: Counter[str] = Counter()
        services = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):  # noqa: N802 - http.server API
                parsed = urlparse(self.path)
                path = unquote(parsed.path)
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                services.requests[path] += 1
                try:
                    body, ctype = services.answer(path, query)
                except KeyError:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, path: str, query: dict) -> tuple[bytes, str]:
        if path.startswith("/mirror/cbs/"):
            file = self.data_dir / "cbs" / Path(path).name
            if not file.is_file():
                raise KeyError(path)
            return file.read_bytes(), "application/octet-stream"
        parts = path.strip("/").split("/")
        if parts[0] == "odata" and len(parts) == 3:
            table, what = parts[1], parts[2]
            if table == "85984NED":
                props = [{"Key": "WijkenEnBuurten", "Type": "GeoDetail"}]
                props += [{"Key": key, "Type": "Topic"} for key in KWB_2024_KEYS.values()]
                rows, titles = self.rows, self.titles
            elif table == "85318NED":
                props, rows = self.props_2022, self.rows_2022
                titles = [{"Key": r["WijkenEnBuurten"], "Title": ""} for r in rows]
            else:
                raise KeyError(path)
            if what == "DataProperties":
                return self._json({"value": props})
            if what == "WijkenEnBuurten":
                return self._json({"value": titles})
            if what == "TypedDataSet":
                select = query.get("$select", "").split(",")
                skip = int(query.get("$skip", 0))
                page = [{k: r.get(k) for k in select} for r in rows[skip:skip + PAGE_SIZE]]
                body: dict = {"value": page}
                if skip + PAGE_SIZE < len(rows):
                    nxt = {"$format": "json", "$select": ",".join(select),
                           "$skip": skip + PAGE_SIZE}
                    body["odata.nextLink"] = f"{self.url}{path}?{urlencode(nxt)}"
                return self._json(body)
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

    @staticmethod
    def _json(data: dict) -> tuple[bytes, str]:
        return json.dumps(data).encode(), "application/json"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
