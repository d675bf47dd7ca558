"""A local stand-in for CBS OData, PDOK and a file mirror, for the download-path tests.

It serves the shared data files over HTTP on 127.0.0.1 (in a thread) and answers the
few OData v3 and OGC API Features requests that ``betrokken.sources.download`` makes:

* ``/mirror/cbs/<file>``: the file itself (with Content-Length);
* ``/odata/85984NED/DataProperties``, ``/WijkenEnBuurten``, ``/TypedDataSet``
  (``$select``, paging through ``odata.nextLink`` with ``$skip``): the gemeente and wijk
  rows of the real 85984NED extract, plus a few buurt rows written by hand below;
* ``/pdok/collections/buurten/items`` (``limit``/``offset`` pages with a ``next`` link):
  polygons for those buurten.

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
        self.titles = _region_titles(self.data_dir)
        self.features = _buurt_features()
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
        if path == "/odata/85984NED/DataProperties":
            props = [{"Key": "WijkenEnBuurten", "Type": "GeoDetail"}]
            props += [{"Key": key, "Type": "Topic"} for key in KWB_2024_KEYS.values()]
            return self._json({"value": props})
        if path == "/odata/85984NED/WijkenEnBuurten":
            return self._json({"value": self.titles})
        if path == "/odata/85984NED/TypedDataSet":
            select = query.get("$select", "").split(",")
            skip = int(query.get("$skip", 0))
            page = [{k: r.get(k) for k in select} for r in self.rows[skip:skip + PAGE_SIZE]]
            body: dict = {"value": page}
            if skip + PAGE_SIZE < len(self.rows):
                nxt = {"$format": "json", "$select": ",".join(select),
                       "$skip": skip + PAGE_SIZE}
                body["odata.nextLink"] = f"{self.url}{path}?{urlencode(nxt)}"
            return self._json(body)
        if path == "/pdok/collections/buurten/items":
            limit = min(int(query.get("limit", 10)), 2)  # small pages: exercise 'next'
            offset = int(query.get("offset", 0))
            body = {"type": "FeatureCollection",
                    "features": self.features[offset:offset + limit], "links": []}
            if offset + limit < len(self.features):
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
